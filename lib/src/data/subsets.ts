import { createRng } from '../util/random';
import type { ImageDataset, LabelArray } from './types';

/** Images `indices` of `ds`, in that order (copies pixels and labels). */
export function subsetDataset(ds: ImageDataset, indices: ArrayLike<number>, labels?: LabelArray): ImageDataset {
  const size = ds.height * ds.width * ds.channels;
  const pixels = new Uint8Array(indices.length * size);
  const outLabels: LabelArray = labels ?? (ds.labels instanceof Uint16Array ? new Uint16Array(indices.length) : new Uint8Array(indices.length));
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    if (!(Number.isInteger(i) && i >= 0 && i < ds.count)) {
      throw new Error(`subsetDataset: index ${i} at position ${k} is outside 0..${ds.count - 1} of ${ds.name} ${ds.split}`);
    }
    pixels.set(ds.pixels.subarray(i * size, (i + 1) * size), k * size);
    if (!labels) outLabels[k] = ds.labels[i] as number;
  }
  return { ...ds, pixels, labels: outLabels, count: indices.length, fromCache: undefined };
}

/** Dataset indices of each class, in dataset order. */
export function indicesByClass(ds: Pick<ImageDataset, 'labels' | 'classNames'>): number[][] {
  const byClass: number[][] = ds.classNames.map(() => []);
  for (let i = 0; i < ds.labels.length; i++) {
    const label = ds.labels[i] as number;
    const list = byClass[label];
    if (!list) throw new Error(`label ${label} of image ${i} has no class name (classNames has ${ds.classNames.length})`);
    list.push(i);
  }
  return byClass;
}

/**
 * Keeps the images of `classes` (indices or names). With relabel (default) the labels become positions in
 * `classes` and classNames is reordered accordingly: CIFAR classes [5,6,7,8,9] -> labels 0..4.
 */
export function selectClasses(ds: ImageDataset, classes: readonly (number | string)[], options: { relabel?: boolean } = {}): ImageDataset {
  const relabel = options.relabel ?? true;
  const wanted = classes.map((c) => {
    const index = typeof c === 'number' ? c : ds.classNames.indexOf(c);
    if (!(Number.isInteger(index) && index >= 0 && index < ds.classNames.length)) {
      throw new Error(`selectClasses: class ${JSON.stringify(c)} is not one of ${ds.name}'s ${ds.classNames.length} classes (${ds.classNames.slice(0, 12).join(', ')}${ds.classNames.length > 12 ? ', ...' : ''})`);
    }
    return index;
  });
  if (new Set(wanted).size !== wanted.length) throw new Error(`selectClasses: classes repeat: ${classes.join(', ')}`);
  const newLabel = new Map(wanted.map((c, k) => [c, k]));
  const indices: number[] = [];
  for (let i = 0; i < ds.count; i++) if (newLabel.has(ds.labels[i] as number)) indices.push(i);
  if (!relabel) return subsetDataset(ds, indices);
  const labels = wanted.length <= 256 ? new Uint8Array(indices.length) : new Uint16Array(indices.length);
  indices.forEach((i, k) => (labels[k] = newLabel.get(ds.labels[i] as number) as number));
  return { ...subsetDataset(ds, indices, labels), classNames: wanted.map((c) => ds.classNames[c] as string) };
}

/**
 * Seeded stratified split: from each class, round(valFraction * n_class) random images go to validation, the rest
 * to train. Both keep dataset order.
 */
export function stratifiedSplit(ds: ImageDataset, valFraction: number, seed: number): { train: ImageDataset; validation: ImageDataset } {
  if (!(valFraction > 0 && valFraction < 1)) throw new Error(`stratifiedSplit: valFraction must be in (0, 1); got ${valFraction}`);
  const rng = createRng(seed);
  const train: number[] = [];
  const validation: number[] = [];
  for (const members of indicesByClass(ds)) {
    const shuffled = rng.shuffle([...members]);
    const nVal = Math.round(valFraction * members.length);
    validation.push(...shuffled.slice(0, nVal));
    train.push(...shuffled.slice(nVal));
  }
  const byIndex = (a: number, b: number): number => a - b;
  return {
    train: { ...subsetDataset(ds, train.sort(byIndex)), split: `${ds.split}-train` },
    validation: { ...subsetDataset(ds, validation.sort(byIndex)), split: `${ds.split}-validation` },
  };
}

/** Seeded choice of `n` images per class (small-data protocols); a class with fewer than n images is an error. */
export function takePerClass(ds: ImageDataset, n: number, seed: number): ImageDataset {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`takePerClass: n must be a positive integer; got ${n}`);
  const rng = createRng(seed);
  const chosen: number[] = [];
  indicesByClass(ds).forEach((members, label) => {
    if (members.length < n) {
      throw new Error(`takePerClass: class ${label} ('${ds.classNames[label]}') of ${ds.name} ${ds.split} has ${members.length} images; ${n} requested`);
    }
    chosen.push(...rng.shuffle([...members]).slice(0, n));
  });
  return subsetDataset(ds, chosen.sort((a, b) => a - b));
}

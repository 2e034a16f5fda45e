/**
 * Data of the masking study: the transfer pairs, seeded stratified draws of n labelled target images split into
 * training and validation (both inside the n; never the test set), and batch sources (with on-the-fly resizing for Tiny Darknet).
 */
import { loadDataset } from '../../data/load';
import { resizeDataset } from '../../data/transforms';
import { selectClasses, subsetDataset } from '../../data/subsets';
import { NORMALISATION } from '../../data/transforms';
import type { DatasetName, ImageDataset } from '../../data/types';
import { sourceFromImageDataset, type LabelledBatch, type LabelledBatchSource } from '../../data/source';
import { createRng, type Rng } from '../../util/random';

/** The protocol-A transfer pairs. */
export type MaskingPairId = 'cifar-5to0' | 'mnist-fashion';

export interface MaskingPair {
  id: MaskingPairId;
  label: string;
  source: { dataset: DatasetName; classes: number[] | null };
  target: { dataset: DatasetName; classes: number[] | null };
  /** Input of the CNN: images padded to 32×32 (MNIST-like 28×28 get pad 2), their own channels. */
  inputShape: [number, number, number];
  pad: number;
  /** Input normalisation (the pretraining data's, used for both datasets as a pretrained model would be). */
  mean: readonly number[];
  std: readonly number[];
}

export const MASKING_PAIRS: Readonly<Record<MaskingPairId, MaskingPair>> = {
  'cifar-5to0': {
    id: 'cifar-5to0',
    label: 'CIFAR-10 classes 5-9 → 0-4',
    source: { dataset: 'cifar10', classes: [5, 6, 7, 8, 9] },
    target: { dataset: 'cifar10', classes: [0, 1, 2, 3, 4] },
    inputShape: [32, 32, 3],
    pad: 0,
    mean: NORMALISATION.cifar10.mean,
    std: NORMALISATION.cifar10.std,
  },
  'mnist-fashion': {
    id: 'mnist-fashion',
    label: 'MNIST → Fashion-MNIST',
    source: { dataset: 'mnist', classes: null },
    target: { dataset: 'fashion-mnist', classes: null },
    inputShape: [32, 32, 1],
    pad: 2,
    mean: NORMALISATION.mnist.mean,
    std: NORMALISATION.mnist.std,
  },
};

/** A dataset split restricted to the pair's classes (relabelled 0..K-1). */
export async function loadMaskingPairSplit(dataset: DatasetName, classes: number[] | null, split: 'train' | 'test'): Promise<ImageDataset> {
  const ds = await loadDataset(dataset, split, { quiet: true });
  return classes ? selectClasses(ds, classes) : ds;
}

function classMembers(labels: ArrayLike<number>, classes: number): number[][] {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] as number;
    const list = byClass[l];
    if (!list) throw new Error(`label ${l} of example ${i} is outside 0..${classes - 1}`);
    list.push(i);
  }
  return byClass;
}

/**
 * The one validation rule of every method: of the n labelled images a run may use, a fixed fraction is held out for
 * early stopping and the best checkpoint, the rest trains. So "n labelled images" means n in total, as in the
 * original study's setting (200 images, nothing else labelled). `validationFraction` of n, rounded, at least 1.
 */
export function labelledSplitSizes(n: number, validationFraction: number): { train: number; validation: number } {
  if (!(Number.isInteger(n) && n >= 2)) throw new Error(`labelledSplitSizes: n must be an integer >= 2, got ${n}`);
  if (!(validationFraction > 0 && validationFraction <= 0.5)) {
    throw new Error(`labelledSplitSizes: validationFraction must be in (0, 0.5], got ${validationFraction}`);
  }
  const validation = Math.max(1, Math.round(validationFraction * n));
  return { train: n - validation, validation };
}

/**
 * Seeded stratified draw of `n` labelled examples (floor(n/K) per class, the remainder to randomly chosen classes),
 * split by {@link labelledSplitSizes} into training and validation: the classes are interleaved (class order seeded)
 * and the first `validation` of that order are held out, so the validation split is stratified too. Every class keeps
 * at least one training example. train + validation = n, disjoint; indices are sorted.
 */
export function drawLabelledSplit(
  labels: ArrayLike<number>,
  classes: number,
  n: number,
  validationFraction: number,
  seed: number,
): { train: Int32Array; validation: Int32Array } {
  if (!(Number.isInteger(n) && n >= classes)) throw new Error(`drawLabelledSplit: n must be an integer >= the ${classes} classes, got ${n}`);
  const sizes = labelledSplitSizes(n, validationFraction);
  const rng = createRng(seed);
  const base = Math.floor(n / classes);
  const extra = new Set(Array.from(rng.permutation(classes).subarray(0, n - base * classes)));
  const drawn = classMembers(labels, classes).map((members, c) => {
    const take = base + (extra.has(c) ? 1 : 0);
    if (members.length < take) throw new Error(`drawLabelledSplit: class ${c} has ${members.length} examples; ${take} requested`);
    return rng.shuffle([...members]).slice(0, take);
  });
  const classOrder = Array.from(rng.permutation(classes));
  const interleaved: number[] = [];
  for (let r = 0; r <= base; r++) for (const c of classOrder) {
    const v = drawn[c]?.[r];
    if (v !== undefined) interleaved.push(v);
  }
  const validation = interleaved.slice(0, sizes.validation);
  const train = interleaved.slice(sizes.validation);
  const trainClasses = new Set(train.map((i) => labels[i] as number));
  if (trainClasses.size < classes) {
    throw new Error(`drawLabelledSplit: holding out ${sizes.validation} of n = ${n} leaves a class without training images; use a larger n or a smaller validationFraction`);
  }
  const sorted = (v: number[]): Int32Array => Int32Array.from(v.sort((a, b) => a - b));
  return { train: sorted(train), validation: sorted(validation) };
}

/** Seeded stratified subset of `count` examples (about count/K per class), or all when count is null or >= size. */
export function maskingStratifiedSubset(labels: ArrayLike<number>, classes: number, count: number | null, seed: number): Int32Array {
  if (count === null || count >= labels.length) return Int32Array.from({ length: labels.length }, (_, i) => i);
  const rng = createRng(seed);
  const members = classMembers(labels, classes);
  const out: number[] = [];
  members.forEach((m, c) => {
    const take = Math.floor(count / classes) + (c < count % classes ? 1 : 0);
    out.push(...rng.shuffle([...m]).slice(0, Math.min(take, m.length)));
  });
  return Int32Array.from(out.sort((a, b) => a - b));
}

/** A normalised source over the given examples of a pair dataset (padded to the CNN input). */
export function maskingPairSource(pair: MaskingPair, ds: ImageDataset, indices: Int32Array): LabelledBatchSource {
  return sourceFromImageDataset(ds, { indices, pad: pair.pad, mean: pair.mean, std: pair.std, classes: ds.classNames.length });
}

/** Halves the image side (bilinear with alignCorners) while it stays >= 2·size, then resizes to size: less aliasing. */
export function maskingDownscaleDataset(ds: ImageDataset, size: number): ImageDataset {
  let out = ds;
  while (out.height >= 2 * size && out.width >= 2 * size) {
    out = resizeDataset(out, Math.round(out.height / 2), Math.round(out.width / 2), { alignCorners: true });
  }
  return out.height === size && out.width === size ? out : resizeDataset(out, size, size, { alignCorners: true });
}

/**
 * A source over `indices` of `ds`, each batch resized to size×size RGB in [0, 1] (Tiny Darknet's input: bilinear,
 * align corners; shrinking in halving steps), built one batch at a time so that a 224×224 test set never sits in
 * memory. Labels are the dataset's (they must be < classes).
 */
export function maskingResizedSource(ds: ImageDataset, indices: Int32Array, size: number, classes: number): LabelledBatchSource {
  if (ds.channels !== 3) throw new Error(`maskingResizedSource: ${ds.name} has ${ds.channels} channels, expected RGB (3)`);
  return {
    count: indices.length,
    exampleShape: [size, size, 3],
    classes,
    batch(batchIndices: Int32Array, rng?: Rng): LabelledBatch {
      const mapped = Int32Array.from(batchIndices, (i) => {
        const v = indices[i];
        if (v === undefined) throw new Error(`maskingResizedSource: index ${i} outside 0..${indices.length - 1}`);
        return v;
      });
      const part = downscaleOrUpscale(subsetDataset(ds, mapped), size);
      const all = Int32Array.from({ length: part.count }, (_, i) => i);
      return sourceFromImageDataset(part, { classes }).batch(all, rng);
    },
  };
}

/**
 * The same images as maskingResizedSource, resized once up front and kept as bytes (the resize rounds to uint8 either
 * way, so batches are identical): 147 KB per 224×224 image, 1.5 GB for the CIFAR-10 test set. Resizing a 32×32 image
 * to 224×224 costs about 10 ms here, more than Tiny Darknet's forward pass (7.6 ms), so a set that is read every epoch
 * or by several models should be resized once.
 */
export function maskingResizedImages(ds: ImageDataset, indices: Int32Array, size: number, classes: number): LabelledBatchSource {
  if (ds.channels !== 3) throw new Error(`maskingResizedImages: ${ds.name} has ${ds.channels} channels, expected RGB (3)`);
  return sourceFromImageDataset(downscaleOrUpscale(subsetDataset(ds, indices), size), { classes });
}

function downscaleOrUpscale(ds: ImageDataset, size: number): ImageDataset {
  if (ds.height === size && ds.width === size) return ds;
  return ds.height > size ? maskingDownscaleDataset(ds, size) : resizeDataset(ds, size, size, { alignCorners: true });
}

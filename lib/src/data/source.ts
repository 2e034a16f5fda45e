import type { ImageDataset } from './types';
import { createRng, type Rng } from '../util/random';

/** One batch ready to become tensors: inputs (row-major, shape `shape`) and integer class labels. */
export interface LabelledBatch {
  /** Inputs, row-major; `shape[0]` examples (NHWC for images, N×features for vectors). */
  xs: Float32Array;
  /** Class index per example. */
  labels: Int32Array;
  /** [n, ...exampleShape]. */
  shape: number[];
}

/**
 * The minimal data interface of the training loop and the probes: random access by example index. Independent of
 * how data is stored (ImageDataset bytes, synthetic arrays, …).
 */
export interface LabelledBatchSource {
  /** Number of examples. */
  readonly count: number;
  /** Shape of one example, e.g. [32, 32, 3] or [784]. */
  readonly exampleShape: readonly number[];
  /** Number of classes (labels are 0..classes-1). */
  readonly classes: number;
  /**
   * Builds the batch of the given example indices, in that order. `rng` is given during training only and drives
   * random augmentation (seeded by the loop); without it no augmentation is applied (evaluation, probes).
   */
  batch(indices: Int32Array, rng?: Rng): LabelledBatch;
}

/** Per-example in-place augmentation of a float HWC image; must draw all randomness from `rng`. */
export type ImageAugment = (image: Float32Array, shape: readonly [number, number, number], rng: Rng) => void;

export interface ImageSourceOptions {
  /** Only these dataset indices, in this order (e.g. a class subset or a few labelled samples). Default all. */
  indices?: Int32Array;
  /** Zero-pad every side by this many pixels before scaling (MNIST 28→32: 2). Default 0. */
  pad?: number;
  /** Repeat a 1-channel image to this many channels (MNIST → 3 for the parameter-change nets). Default: keep. */
  channels?: number;
  /** Pixel multiplier before mean/std (default 1/255, as torchvision ToTensor). */
  scale?: number;
  /** Subtracted after scaling, per channel or one value (default 0). MNIST as in the original activation-variance study: 0.1307. */
  mean?: number | readonly number[];
  /** Divisor after subtracting the mean, per channel or one value (default 1). MNIST as in the original activation-variance study: 0.3081. */
  std?: number | readonly number[];
  /**
   * Label remapping: `labelMap[originalLabel]` = new label, −1 = not allowed (an error if such an image is selected).
   * E.g. CIFAR classes 5–9 → 0–4.
   */
  labelMap?: Int32Array;
  /** Number of classes after remapping (default: dataset.classNames.length, or max(labelMap)+1). */
  classes?: number;
  /** Random augmentation applied during training only. */
  augment?: ImageAugment;
  /** Flatten each example to a vector (for an MLP fed without a Flatten layer). Default false. */
  flatten?: boolean;
}

/**
 * Adapter from the data area's ImageDataset (uint8 NHWC) to a LabelledBatchSource: pad → repeat channels → scale →
 * normalise → augment. Builds only one batch of floats at a time.
 */
export function sourceFromImageDataset(dataset: ImageDataset, options: ImageSourceOptions = {}): LabelledBatchSource {
  const { height, width } = dataset;
  const inChannels = dataset.channels;
  if (dataset.pixels.length !== dataset.count * height * width * inChannels) {
    throw new Error(
      `sourceFromImageDataset: ${dataset.name}/${dataset.split} has ${dataset.pixels.length} pixel bytes, expected ` +
        `count·H·W·C = ${dataset.count}·${height}·${width}·${inChannels}`,
    );
  }
  const pad = options.pad ?? 0;
  const outChannels = options.channels ?? inChannels;
  if (outChannels !== inChannels && inChannels !== 1) {
    throw new Error(`sourceFromImageDataset: channels=${outChannels} can only repeat a 1-channel image; ${dataset.name} has ${inChannels}`);
  }
  const outH = height + 2 * pad;
  const outW = width + 2 * pad;
  const scale = options.scale ?? 1 / 255;
  const perChannel = (v: number | readonly number[] | undefined, fallback: number, what: string): Float64Array => {
    const out = new Float64Array(outChannels);
    if (v === undefined) return out.fill(fallback);
    if (typeof v === 'number') return out.fill(v);
    if (v.length !== outChannels) throw new Error(`sourceFromImageDataset: ${what} has ${v.length} values, expected ${outChannels} (one per channel)`);
    v.forEach((x, i) => (out[i] = x));
    return out;
  };
  const mean = perChannel(options.mean, 0, 'mean');
  const std = perChannel(options.std, 1, 'std');
  const indices = options.indices ?? Int32Array.from({ length: dataset.count }, (_, i) => i);
  for (const i of indices) {
    if (!(i >= 0 && i < dataset.count)) throw new Error(`sourceFromImageDataset: index ${i} outside 0..${dataset.count - 1}`);
  }
  const labelMap = options.labelMap;
  const classes = options.classes ?? (labelMap ? Math.max(...labelMap) + 1 : dataset.classNames.length);
  const exampleShape = options.flatten ? [outH * outW * outChannels] : [outH, outW, outChannels];
  const exampleSize = outH * outW * outChannels;
  const imageShape: readonly [number, number, number] = [outH, outW, outChannels];
  // Pixel value → float for each channel, precomputed for the 256 byte values.
  const lut = new Float32Array(256 * outChannels);
  for (let c = 0; c < outChannels; c++) {
    for (let p = 0; p < 256; p++) lut[c * 256 + p] = (p * scale - (mean[c] as number)) / (std[c] as number);
  }
  const padValue = Float32Array.from({ length: outChannels }, (_, c) => lut[c * 256] as number);
  return {
    count: indices.length,
    exampleShape,
    classes,
    batch(batchIndices: Int32Array, rng?: Rng): LabelledBatch {
      const n = batchIndices.length;
      const xs = new Float32Array(n * exampleSize);
      const labels = new Int32Array(n);
      for (let b = 0; b < n; b++) {
        const local = batchIndices[b] as number;
        const i = indices[local];
        if (i === undefined) throw new Error(`LabelledBatchSource.batch: index ${local} outside 0..${indices.length - 1}`);
        const raw = dataset.labels[i] as number;
        const label = labelMap ? (labelMap[raw] ?? -1) : raw;
        if (label < 0 || label >= classes) {
          throw new Error(`sourceFromImageDataset: image ${i} of ${dataset.name} has label ${raw}, which maps to ${label} (allowed 0..${classes - 1})`);
        }
        labels[b] = label;
        const base = b * exampleSize;
        const src = i * height * width * inChannels;
        for (let y = 0; y < outH; y++) {
          const sy = y - pad;
          for (let x = 0; x < outW; x++) {
            const sx = x - pad;
            const o = base + (y * outW + x) * outChannels;
            const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
            for (let c = 0; c < outChannels; c++) {
              if (!inside) xs[o + c] = padValue[c] as number;
              else {
                const p = dataset.pixels[src + (sy * width + sx) * inChannels + (inChannels === 1 ? 0 : c)] as number;
                xs[o + c] = lut[c * 256 + p] as number;
              }
            }
          }
        }
        if (options.augment && rng) options.augment(xs.subarray(base, base + exampleSize), imageShape, rng);
      }
      return { xs, labels, shape: [n, ...exampleShape] };
    },
  };
}

/** A source over in-memory float arrays (synthetic data, tests): `xs` is count × prod(exampleShape), row-major. */
export function sourceFromArrays(
  xs: Float32Array,
  labels: Int32Array | Uint8Array,
  exampleShape: readonly number[],
  classes: number,
): LabelledBatchSource {
  const exampleSize = exampleShape.reduce((a, b) => a * b, 1);
  const count = labels.length;
  if (xs.length !== count * exampleSize) {
    throw new Error(`sourceFromArrays: xs has ${xs.length} values, expected labels.length·prod(exampleShape) = ${count}·${exampleSize}`);
  }
  for (let i = 0; i < count; i++) {
    const l = labels[i] as number;
    if (!(l >= 0 && l < classes)) throw new Error(`sourceFromArrays: label ${l} at ${i} outside 0..${classes - 1}`);
  }
  return {
    count,
    exampleShape: [...exampleShape],
    classes,
    batch(indices: Int32Array): LabelledBatch {
      const n = indices.length;
      const out = new Float32Array(n * exampleSize);
      const outLabels = new Int32Array(n);
      for (let b = 0; b < n; b++) {
        const i = indices[b] as number;
        if (!(i >= 0 && i < count)) throw new Error(`sourceFromArrays: index ${i} outside 0..${count - 1}`);
        out.set(xs.subarray(i * exampleSize, (i + 1) * exampleSize), b * exampleSize);
        outLabels[b] = labels[i] as number;
      }
      return { xs: out, labels: outLabels, shape: [n, ...exampleShape] };
    },
  };
}

/** The examples `indices` of `source`, as a new source (index i → source index indices[i]). */
export function subsetSource(source: LabelledBatchSource, indices: Int32Array): LabelledBatchSource {
  for (const i of indices) {
    if (!(i >= 0 && i < source.count)) throw new Error(`subsetSource: index ${i} outside 0..${source.count - 1}`);
  }
  const own = Int32Array.from(indices);
  return {
    count: own.length,
    exampleShape: source.exampleShape,
    classes: source.classes,
    batch(batchIndices: Int32Array, rng?: Rng): LabelledBatch {
      const mapped = new Int32Array(batchIndices.length);
      for (let b = 0; b < batchIndices.length; b++) {
        const v = own[batchIndices[b] as number];
        if (v === undefined) throw new Error(`subsetSource: index ${batchIndices[b]} outside 0..${own.length - 1}`);
        mapped[b] = v;
      }
      return source.batch(mapped, rng);
    },
  };
}

/** Seeded random split into train / validation (held-out, never the test set). Exactly one of count / fraction. */
export function splitSource(
  source: LabelledBatchSource,
  options: { validationCount?: number; validationFraction?: number; seed: number },
): { train: LabelledBatchSource; val: LabelledBatchSource } {
  const { validationCount, validationFraction } = options;
  if ((validationCount === undefined) === (validationFraction === undefined)) {
    throw new Error('splitSource: give exactly one of validationCount and validationFraction');
  }
  const nVal = validationCount ?? Math.round((validationFraction as number) * source.count);
  if (!Number.isInteger(nVal) || nVal < 1 || nVal >= source.count) {
    throw new Error(`splitSource: validation size must be 1..${source.count - 1}, got ${nVal}`);
  }
  const perm = createRng(options.seed).permutation(source.count);
  const val = perm.slice(0, nVal).sort();
  const trainIdx = perm.slice(nVal).sort();
  return { train: subsetSource(source, trainIdx), val: subsetSource(source, val) };
}

/** One batch of `inOrder`: the examples start .. start + batch.labels.length - 1. */
export interface OrderedBatch {
  /** Index of the first example of the batch. */
  start: number;
  batch: LabelledBatch;
}

/**
 * The first `count` examples of a source (all by default) in index order, as consecutive batches of at most
 * `batchSize`, without augmentation: the one way evaluation, probes and feature extraction walk a source.
 */
export function* inOrder(source: LabelledBatchSource, batchSize: number, count: number = source.count): Generator<OrderedBatch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`inOrder: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(count) || count < 0 || count > source.count) {
    throw new Error(`inOrder: count must be an integer in 0..${source.count} (the source's size), got ${count}`);
  }
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    yield { start, batch: source.batch(Int32Array.from({ length: n }, (_, i) => start + i)) };
  }
}

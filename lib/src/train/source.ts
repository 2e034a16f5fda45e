import type { ImageDataset } from '../data/types';
import type { Rng } from '../util/random';

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
  /** Repeat a 1-channel image to this many channels (MNIST → 3 for the seed-002 nets). Default: keep. */
  channels?: number;
  /** Pixel multiplier before mean/std (default 1/255, as torchvision ToTensor). */
  scale?: number;
  /** Subtracted after scaling, per channel or one value (default 0). MNIST seed 003: 0.1307. */
  mean?: number | readonly number[];
  /** Divisor after subtracting the mean, per channel or one value (default 1). MNIST seed 003: 0.3081. */
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
  void dataset;
  void options;
  throw new Error('sourceFromImageDataset: not implemented yet');
}

/** A source over in-memory float arrays (synthetic data, tests): `xs` is count × prod(exampleShape), row-major. */
export function sourceFromArrays(
  xs: Float32Array,
  labels: Int32Array | Uint8Array,
  exampleShape: readonly number[],
  classes: number,
): LabelledBatchSource {
  void xs;
  void labels;
  void exampleShape;
  void classes;
  throw new Error('sourceFromArrays: not implemented yet');
}

/** The examples `indices` of `source`, as a new source (index i → source index indices[i]). */
export function subsetSource(source: LabelledBatchSource, indices: Int32Array): LabelledBatchSource {
  void source;
  void indices;
  throw new Error('subsetSource: not implemented yet');
}

/** Seeded random split into train / validation (held-out, never the test set). Exactly one of count / fraction. */
export function splitSource(
  source: LabelledBatchSource,
  options: { validationCount?: number; validationFraction?: number; seed: number },
): { train: LabelledBatchSource; val: LabelledBatchSource } {
  void source;
  void options;
  throw new Error('splitSource: not implemented yet');
}

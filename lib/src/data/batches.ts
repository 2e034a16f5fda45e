import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../util/random';
import type { BatchTransform, FloatBatch } from './transforms';
import type { ImageDataset } from './types';

/**
 * Batches from an in-memory dataset. The fast path (`floatBatch`, `floatBatches`) makes plain Float32Arrays; the
 * tfjs path (`batches`) wraps them into tensors that the consumer owns and disposes.
 */

/** Images `indices` of `ds` as float32 NHWC in [0, 1] (pixel / 255), without tensors. */
export function floatBatch(ds: ImageDataset, indices: ArrayLike<number>): FloatBatch {
  const size = ds.height * ds.width * ds.channels;
  const data = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  const idx = Int32Array.from(indices as ArrayLike<number>);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k] as number;
    if (!(i >= 0 && i < ds.count)) throw new Error(`floatBatch: index ${i} outside 0..${ds.count - 1} of ${ds.name} ${ds.split}`);
    const from = i * size;
    const to = k * size;
    for (let p = 0; p < size; p++) data[to + p] = (ds.pixels[from + p] as number) / 255;
    labels[k] = ds.labels[i] as number;
  }
  return { data, count: idx.length, height: ds.height, width: ds.width, channels: ds.channels, labels, indices: idx };
}

export interface BatchOptions {
  batchSize: number;
  /** Seed of the order and of random transforms (default 0). */
  seed?: number;
  /** Shuffle the order (default true). Without shuffling the order is the dataset's. */
  shuffle?: boolean;
  /** Epoch number, mixed into the seed so that each epoch has its own order and augmentation (default 0). */
  epoch?: number;
  /** Applied to each FloatBatch before it becomes tensors (normalise, pad, crop, flip, ...). */
  transform?: BatchTransform;
  /** Drop a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
  /** ys as one-hot float32 [b, classes] ('one-hot', default; for categoricalCrossentropy) or int32 [b] ('index'). */
  labels?: 'one-hot' | 'index';
}

/** Order and augmentation streams for one epoch: fixed by (seed, epoch). */
function epochRngs(seed: number, epoch: number): { order: Rng; augment: Rng } {
  const order = createRng((Math.trunc(seed) ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
  return { order, augment: createRng(order.uint32()) };
}

/** The image order of one epoch. */
export function epochOrder(count: number, options: Pick<BatchOptions, 'seed' | 'shuffle' | 'epoch'> = {}): Int32Array {
  if (options.shuffle === false) return Int32Array.from({ length: count }, (_, i) => i);
  return epochRngs(options.seed ?? 0, options.epoch ?? 0).order.permutation(count);
}

function checkBatchOptions(ds: ImageDataset, options: BatchOptions): void {
  if (!(Number.isInteger(options.batchSize) && options.batchSize > 0)) {
    throw new Error(`batches: batchSize must be a positive integer; got ${options.batchSize}`);
  }
  if (ds.count === 0) throw new Error(`batches: ${ds.name} ${ds.split} has no images`);
}

/** One epoch of FloatBatches (no tensors), seeded order and transforms. */
export function* floatBatches(ds: ImageDataset, options: BatchOptions): Generator<FloatBatch> {
  checkBatchOptions(ds, options);
  const rngs = epochRngs(options.seed ?? 0, options.epoch ?? 0);
  const order = options.shuffle === false ? Int32Array.from({ length: ds.count }, (_, i) => i) : rngs.order.permutation(ds.count);
  for (let start = 0; start < ds.count; start += options.batchSize) {
    const end = Math.min(ds.count, start + options.batchSize);
    if (options.dropLast && end - start < options.batchSize) break;
    const batch = floatBatch(ds, order.subarray(start, end));
    yield options.transform ? options.transform(batch, rngs.augment) : batch;
  }
}

/** A batch as tensors. The consumer owns xs and ys: call dispose() (or tf.dispose) when done. */
export interface TensorBatch {
  /** float32 [size, height, width, channels]. */
  xs: tf.Tensor4D;
  /** One-hot float32 [size, classes] or int32 [size], per BatchOptions.labels. */
  ys: tf.Tensor;
  size: number;
  /** Dataset index of each image. */
  indices: Int32Array;
  dispose(): void;
}

/** FloatBatch -> tensors (the labels one-hot over `classCount`, or as int32 indices). */
export function batchToTensors(batch: FloatBatch, classCount: number, labels: 'one-hot' | 'index' = 'one-hot'): TensorBatch {
  const xs = tf.tensor4d(batch.data, [batch.count, batch.height, batch.width, batch.channels], 'float32');
  let ys: tf.Tensor;
  if (labels === 'index') {
    ys = tf.tensor1d(batch.labels, 'int32');
  } else {
    const oneHot = new Float32Array(batch.count * classCount);
    for (let k = 0; k < batch.count; k++) oneHot[k * classCount + (batch.labels[k] as number)] = 1;
    ys = tf.tensor2d(oneHot, [batch.count, classCount], 'float32');
  }
  return { xs, ys, size: batch.count, indices: batch.indices, dispose: () => tf.dispose([xs, ys]) };
}

/**
 * One epoch of tensor batches: seeded order (shuffle by default), optional transform on the float data, then
 * xs float32 NHWC and ys one-hot (default) or int32. Tensors are made one batch at a time, on demand; each
 * yielded batch belongs to the consumer, who disposes it. Stopping early leaves nothing allocated.
 */
export function* batches(ds: ImageDataset, options: BatchOptions): Generator<TensorBatch> {
  for (const batch of floatBatches(ds, options)) {
    yield batchToTensors(batch, ds.classNames.length, options.labels ?? 'one-hot');
  }
}

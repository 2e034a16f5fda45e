import type { Rng } from '../util/random';
import type { DatasetName, ImageDataset } from './types';

/**
 * Pure image transforms. Each works on a block of NHWC images, either uint8 (a whole ImageDataset, done once) or
 * float32 (a batch, done per step), and returns a new block; inputs are never modified.
 */

/** A batch of images as float32 NHWC (values in [0, 1] before normalisation), with labels and dataset indices. */
export interface FloatBatch {
  data: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  labels: Int32Array;
  /** Index of each image in the dataset it came from. */
  indices: Int32Array;
}

/** A function from batch to batch; `rng` is seeded by the batch iterator, so random transforms are reproducible. */
export type BatchTransform = (batch: FloatBatch, rng: Rng) => FloatBatch;

export interface ChannelStats {
  mean: readonly number[];
  std: readonly number[];
}

/** MNIST mean/std of pixel/255 over the training set (the values every PyTorch example uses). */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

/**
 * Per-channel mean and standard deviation of pixel/255 over each training set (population std over all pixels).
 * MNIST, Fashion-MNIST and CIFAR-10 are the usual published values and are re-computed from the files by the
 * real-data tests; the ImageNet values are torchvision's (the sample is too small to estimate them).
 */
export const NORMALISATION: Readonly<Record<DatasetName, ChannelStats>> = {
  mnist: { mean: [MNIST_MEAN], std: [MNIST_STD] },
  'fashion-mnist': { mean: [0.286], std: [0.353] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
  'imagenet-sample': { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};

type Pixels = Uint8Array | Float32Array;

/** The shape part shared by datasets and batches. */
interface Block<T extends Pixels> {
  data: T;
  count: number;
  height: number;
  width: number;
  channels: number;
}

function allocLike<T extends Pixels>(like: T, length: number): T {
  return (like instanceof Uint8Array ? new Uint8Array(length) : new Float32Array(length)) as T;
}

function checkPositiveInt(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${what} must be a non-negative integer; got ${value}`);
}

/** Pads every image by `pad` pixels on each side with `value` (e.g. MNIST 28x28 -> 32x32 with pad 2). */
function padBlock<T extends Pixels>(src: Block<T>, pad: number, value: number): Block<T> {
  checkPositiveInt(pad, 'pad');
  const { count, height: h, width: w, channels: c } = src;
  const H = h + 2 * pad;
  const W = w + 2 * pad;
  const out = allocLike(src.data, count * H * W * c);
  if (value !== 0) out.fill(value);
  for (let i = 0; i < count; i++) {
    for (let y = 0; y < h; y++) {
      const from = ((i * h + y) * w) * c;
      out.set(src.data.subarray(from, from + w * c), ((i * H + y + pad) * W + pad) * c);
    }
  }
  return { data: out, count, height: H, width: W, channels: c };
}

/** Repeats the single grey channel three times. */
function greyToRgbBlock<T extends Pixels>(src: Block<T>): Block<T> {
  if (src.channels !== 1) throw new Error(`greyToRgb: expected 1 channel, got ${src.channels}`);
  const n = src.count * src.height * src.width;
  const out = allocLike(src.data, n * 3);
  for (let p = 0; p < n; p++) {
    const v = src.data[p] as number;
    out[3 * p] = v;
    out[3 * p + 1] = v;
    out[3 * p + 2] = v;
  }
  return { ...src, data: out, channels: 3 };
}

export interface ImageResizeOptions {
  /** Corner pixels of input and output are aligned (Darknet's and tf.image.resizeBilinear's alignCorners). */
  alignCorners?: boolean;
  /** Pixel centres at +0.5 (tf's halfPixelCenters, PyTorch's align_corners=False). */
  halfPixelCenters?: boolean;
}

/**
 * Bilinear resize with the sampling of tf.image.resizeBilinear (same alignCorners / halfPixelCenters semantics).
 * uint8 input gives uint8 output rounded to nearest.
 */
function resizeBlock<T extends Pixels>(src: Block<T>, newHeight: number, newWidth: number, options: ImageResizeOptions): Block<T> {
  if (!(Number.isInteger(newHeight) && newHeight > 0 && Number.isInteger(newWidth) && newWidth > 0)) {
    throw new Error(`resize: size must be positive integers; got ${newHeight}x${newWidth}`);
  }
  const { count, height: h, width: w, channels: c } = src;
  const align = options.alignCorners ?? false;
  const half = options.halfPixelCenters ?? false;
  const ratio = (inSize: number, outSize: number): number =>
    align && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const axis = (inSize: number, outSize: number): { lo: Int32Array; hi: Int32Array; frac: Float32Array } => {
    const r = ratio(inSize, outSize);
    const lo = new Int32Array(outSize);
    const hi = new Int32Array(outSize);
    const frac = new Float32Array(outSize);
    for (let o = 0; o < outSize; o++) {
      const s = half ? r * (o + 0.5) - 0.5 : r * o;
      const floor = Math.max(0, Math.floor(s));
      lo[o] = floor;
      hi[o] = Math.min(inSize - 1, Math.ceil(s));
      frac[o] = s - floor;
    }
    return { lo, hi, frac };
  };
  const ys = axis(h, newHeight);
  const xs = axis(w, newWidth);
  const out = allocLike(src.data, count * newHeight * newWidth * c);
  const rounding = src.data instanceof Uint8Array;
  let o = 0;
  for (let i = 0; i < count; i++) {
    const base = i * h * w * c;
    for (let y = 0; y < newHeight; y++) {
      const top = base + (ys.lo[y] as number) * w * c;
      const bottom = base + (ys.hi[y] as number) * w * c;
      const fy = ys.frac[y] as number;
      for (let x = 0; x < newWidth; x++) {
        const left = (xs.lo[x] as number) * c;
        const right = (xs.hi[x] as number) * c;
        const fx = xs.frac[x] as number;
        for (let ch = 0; ch < c; ch++) {
          const tl = src.data[top + left + ch] as number;
          const tr = src.data[top + right + ch] as number;
          const bl = src.data[bottom + left + ch] as number;
          const br = src.data[bottom + right + ch] as number;
          const t = tl + (tr - tl) * fx;
          const b = bl + (br - bl) * fx;
          const v = t + (b - t) * fy;
          out[o++] = rounding ? Math.round(v) : v;
        }
      }
    }
  }
  return { data: out, count, height: newHeight, width: newWidth, channels: c };
}

// ---- whole datasets (uint8), done once ----

function datasetBlock(ds: ImageDataset): Block<Uint8Array> {
  return { data: ds.pixels, count: ds.count, height: ds.height, width: ds.width, channels: ds.channels };
}

function withBlock(ds: ImageDataset, block: Block<Uint8Array>): ImageDataset {
  return { ...ds, pixels: block.data, height: block.height, width: block.width, channels: block.channels };
}

/** Pads every image by `pad` pixels (MNIST 28 -> 32: pad 2). */
export function padDataset(ds: ImageDataset, pad: number, value = 0): ImageDataset {
  return withBlock(ds, padBlock(datasetBlock(ds), pad, value));
}

/** Grey (1 channel) -> RGB (3 equal channels). */
export function greyToRgbDataset(ds: ImageDataset): ImageDataset {
  return withBlock(ds, greyToRgbBlock(datasetBlock(ds)));
}

/** Bilinear resize of every image (uint8, rounded). */
export function resizeDataset(ds: ImageDataset, height: number, width: number, options: ImageResizeOptions = {}): ImageDataset {
  return withBlock(ds, resizeBlock(datasetBlock(ds), height, width, options));
}

// ---- batches (float32), per step ----

function withBatchBlock(batch: FloatBatch, block: Block<Float32Array>): FloatBatch {
  return { ...batch, data: block.data, height: block.height, width: block.width, channels: block.channels };
}

/** (x - mean[c]) / std[c] per channel. One value broadcasts to all channels. */
export function normaliseBatch(batch: FloatBatch, stats: ChannelStats): FloatBatch {
  const c = batch.channels;
  const pick = (values: readonly number[], what: string): Float32Array => {
    if (values.length !== 1 && values.length !== c) {
      throw new Error(`normaliseBatch: ${what} has ${values.length} values; expected 1 or ${c} (the channels)`);
    }
    return Float32Array.from({ length: c }, (_, k) => (values.length === 1 ? (values[0] as number) : (values[k] as number)));
  };
  const mean = pick(stats.mean, 'mean');
  const std = pick(stats.std, 'std');
  if (std.some((s) => !(s > 0))) throw new Error(`normaliseBatch: std must be positive; got ${Array.from(std).join(', ')}`);
  const out = new Float32Array(batch.data.length);
  for (let p = 0; p < out.length; p++) {
    const k = p % c;
    out[p] = ((batch.data[p] as number) - (mean[k] as number)) / (std[k] as number);
  }
  return { ...batch, data: out };
}

export function padBatch(batch: FloatBatch, pad: number, value = 0): FloatBatch {
  return withBatchBlock(batch, padBlock(batch, pad, value));
}

export function greyToRgbBatch(batch: FloatBatch): FloatBatch {
  return withBatchBlock(batch, greyToRgbBlock(batch));
}

export function resizeBilinearBatch(batch: FloatBatch, height: number, width: number, options: ImageResizeOptions = {}): FloatBatch {
  return withBatchBlock(batch, resizeBlock(batch, height, width, options));
}

/**
 * The standard CIFAR augmentation: pad by `padding` (zeros), then crop back to the original size at a random
 * offset, independently per image. Same size out as in.
 */
export function randomCropBatch(batch: FloatBatch, padding: number, rng: Rng): FloatBatch {
  checkPositiveInt(padding, 'padding');
  const { count, height: h, width: w, channels: c } = batch;
  const out = new Float32Array(batch.data.length);
  for (let i = 0; i < count; i++) {
    const dy = rng.int(2 * padding + 1) - padding;
    const dx = rng.int(2 * padding + 1) - padding;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= h) continue;
      const x0 = Math.max(0, -dx);
      const x1 = Math.min(w, w - dx);
      if (x1 <= x0) continue;
      const from = ((i * h + sy) * w + x0 + dx) * c;
      out.set(batch.data.subarray(from, from + (x1 - x0) * c), ((i * h + y) * w + x0) * c);
    }
  }
  return { ...batch, data: out };
}

/** Mirrors each image left-right with probability `probability` (default 0.5). */
export function randomFlipBatch(batch: FloatBatch, rng: Rng, probability = 0.5): FloatBatch {
  const { count, height: h, width: w, channels: c } = batch;
  const out = new Float32Array(batch.data);
  for (let i = 0; i < count; i++) {
    if (rng.next() >= probability) continue;
    for (let y = 0; y < h; y++) {
      const row = (i * h + y) * w;
      for (let x = 0; x < w; x++) {
        const to = (row + x) * c;
        const from = (row + w - 1 - x) * c;
        for (let ch = 0; ch < c; ch++) out[to + ch] = batch.data[from + ch] as number;
      }
    }
  }
  return { ...batch, data: out };
}

/** Applies transforms left to right, all with the same rng stream. */
export function composeBatchTransforms(...transforms: BatchTransform[]): BatchTransform {
  return (batch, rng) => transforms.reduce((b, t) => t(b, rng), batch);
}

/** Per-channel mean and population std of pixel/255 over a whole dataset. */
export function pixelChannelStats(ds: ImageDataset): ChannelStats {
  const c = ds.channels;
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  const n = ds.count * ds.height * ds.width;
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < c; k++) {
      const v = (ds.pixels[p * c + k] as number) / 255;
      sum[k] = (sum[k] as number) + v;
      sumSq[k] = (sumSq[k] as number) + v * v;
    }
  }
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sumSq, (s, k) => Math.sqrt(Math.max(0, s / n - (mean[k] as number) ** 2)));
  return { mean, std };
}

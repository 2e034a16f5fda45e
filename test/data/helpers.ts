// Small synthetic data files for the data tests, written by the tests themselves.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { createRng } from '../../lib/src/util/random';
import type { ImageDataset } from '../../lib/src/data/types';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `netstats-${prefix}-`));
}

/** IDX bytes (type 0x08) with the given dimensions and values. */
export function idxBytes(dims: number[], values: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}

/** Random 28x28 images with labels 0..9: `count` of them. */
export function randomMnistLike(count: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const rng = createRng(seed);
  const images = Uint8Array.from({ length: count * 28 * 28 }, () => rng.int(256));
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { images, labels };
}

/** Writes MNIST-named IDX files for a split into dir (gzip optional). */
export function writeMnistFiles(dir: string, split: 'train' | 'test', data: { images: Uint8Array; labels: Uint8Array }, gzip = false): void {
  fs.mkdirSync(dir, { recursive: true });
  const prefix = split === 'train' ? 'train' : 't10k';
  const count = data.labels.length;
  const write = (name: string, bytes: Uint8Array): void =>
    fs.writeFileSync(path.join(dir, gzip ? `${name}.gz` : name), gzip ? zlib.gzipSync(bytes) : bytes);
  write(`${prefix}-images-idx3-ubyte`, idxBytes([count, 28, 28], data.images));
  write(`${prefix}-labels-idx1-ubyte`, idxBytes([count], data.labels));
}

/** CIFAR binary bytes from NHWC images (converted to the file's planar CHW). */
export function cifarBytes(pixelsNhwc: Uint8Array, labels: Uint8Array): Uint8Array {
  const count = labels.length;
  const out = new Uint8Array(count * 3073);
  for (let i = 0; i < count; i++) {
    out[i * 3073] = labels[i] as number;
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) out[i * 3073 + 1 + c * 1024 + p] = pixelsNhwc[(i * 1024 + p) * 3 + c] as number;
    }
  }
  return out;
}

/** A tiny in-memory dataset with `perClass` images per class, pixel value = image index mod 256. */
export function toyDataset(classes: number, perClass: number, size = 4, channels = 1): ImageDataset {
  const count = classes * perClass;
  const imageBytes = size * size * channels;
  const pixels = new Uint8Array(count * imageBytes);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % classes;
    pixels.fill(i % 256, i * imageBytes, (i + 1) * imageBytes);
  }
  return {
    name: 'toy',
    split: 'train',
    pixels,
    labels,
    count,
    height: size,
    width: size,
    channels,
    classNames: Array.from({ length: classes }, (_, c) => `class${c}`),
    source: 'memory',
  };
}

/** Asserts that `fn` throws (or rejects with) a DataFormatError whose message contains every fragment. */
export async function expectDataError(fn: () => unknown, ...fragments: string[]): Promise<Error> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof Error)) throw new Error(`expected an error containing ${JSON.stringify(fragments)}; nothing was thrown`);
  for (const f of fragments) {
    if (!caught.message.includes(f)) throw new Error(`error message lacks ${JSON.stringify(f)}: ${caught.message}`);
  }
  return caught;
}

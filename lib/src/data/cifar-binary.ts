import { DataFormatError } from './errors';

/** CIFAR-10 class names in the official label order (batches.meta.txt). */
export const CIFAR10_CLASSES: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

export const CIFAR_IMAGE_SIZE = 32;
/** One record of the binary version: 1 label byte, then 1024 red, 1024 green, 1024 blue bytes (rows of 32). */
export const CIFAR_RECORD_BYTES = 1 + 3 * CIFAR_IMAGE_SIZE * CIFAR_IMAGE_SIZE;

export interface CifarRecords {
  count: number;
  /** NHWC uint8 (converted from the file's planar CHW). */
  pixels: Uint8Array;
  labels: Uint8Array;
}

/**
 * Parses one CIFAR-10 binary batch (`data_batch_N.bin`, `test_batch.bin`: 10000 records of 3073 bytes).
 * Labels must be 0..9; the length must be a positive multiple of the record size.
 */
export function parseCifarBinary(bytes: Uint8Array, file: string): CifarRecords {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / CIFAR_RECORD_BYTES);
    const rest = bytes.length - whole * CIFAR_RECORD_BYTES;
    throw new DataFormatError(
      file,
      `a CIFAR-10 binary batch: a positive multiple of ${CIFAR_RECORD_BYTES} bytes (1 label byte + 3072 pixel bytes per image)`,
      `${bytes.length} bytes = ${whole} records + ${rest} bytes (${bytes.length === 0 ? 'empty' : 'truncated or not a CIFAR file'})`,
    );
  }
  const count = bytes.length / CIFAR_RECORD_BYTES;
  const plane = CIFAR_IMAGE_SIZE * CIFAR_IMAGE_SIZE;
  const pixels = new Uint8Array(count * 3 * plane);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const start = i * CIFAR_RECORD_BYTES;
    const label = bytes[start] as number;
    if (label >= CIFAR10_CLASSES.length) {
      throw new DataFormatError(
        file,
        `a label 0..${CIFAR10_CLASSES.length - 1} as the first byte of each ${CIFAR_RECORD_BYTES}-byte record`,
        `label ${label} at byte ${start} (record ${i})`,
      );
    }
    labels[i] = label;
    const out = i * 3 * plane;
    for (let p = 0; p < plane; p++) {
      pixels[out + 3 * p] = bytes[start + 1 + p] as number;
      pixels[out + 3 * p + 1] = bytes[start + 1 + plane + p] as number;
      pixels[out + 3 * p + 2] = bytes[start + 1 + 2 * plane + p] as number;
    }
  }
  return { count, pixels, labels };
}

/** Joins several parsed batches in order. */
export function concatCifarRecords(parts: readonly CifarRecords[]): CifarRecords {
  const count = parts.reduce((n, p) => n + p.count, 0);
  const pixels = new Uint8Array(parts.reduce((n, p) => n + p.pixels.length, 0));
  const labels = new Uint8Array(count);
  let pixelOffset = 0;
  let labelOffset = 0;
  for (const p of parts) {
    pixels.set(p.pixels, pixelOffset);
    labels.set(p.labels, labelOffset);
    pixelOffset += p.pixels.length;
    labelOffset += p.count;
  }
  return { count, pixels, labels };
}

import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { DataFormatError } from './errors';

/** File extensions read as images (case-insensitive). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png'];

export function isImageFile(name: string): boolean {
  return !name.startsWith('.') && IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

export interface DecodedImage {
  /** HWC uint8. */
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

export interface DecodeOptions {
  /** Output channels: 1 (luminance) or 3 (RGB). Alpha is dropped; grey images are repeated to RGB. */
  channels: 1 | 3;
  /**
   * Resize to this size. 'fill' stretches; 'cover' scales the short side and centre-crops (keeps the aspect ratio).
   * Without it the image keeps its size.
   */
  resize?: { height: number; width: number; fit: 'fill' | 'cover' };
}

async function decodeRaw(file: string, options: DecodeOptions) {
  try {
    let pipeline = sharp(file, { failOn: 'error' });
    if (options.channels === 1) pipeline = pipeline.greyscale();
    if (options.resize) {
      pipeline = pipeline.resize(options.resize.width, options.resize.height, { fit: options.resize.fit, kernel: 'linear' });
    }
    return await pipeline.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    const found = fs.existsSync(file) ? `a file sharp cannot decode (${(err as Error).message})` : 'no such file';
    throw new DataFormatError(file, 'a JPEG or PNG image', found);
  }
}

/** Decodes a JPEG or PNG with sharp; an undecodable file is a DataFormatError naming it. */
export async function decodeImageFile(file: string, options: DecodeOptions): Promise<DecodedImage> {
  const { data, info } = await decodeRaw(file, options);
  const pixels = info.width * info.height;
  if (info.channels === options.channels) {
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), height: info.height, width: info.width, channels: info.channels };
  }
  const out = new Uint8Array(pixels * options.channels);
  if (options.channels === 3 && info.channels === 1) {
    for (let p = 0; p < pixels; p++) {
      const v = data[p] as number;
      out[3 * p] = v;
      out[3 * p + 1] = v;
      out[3 * p + 2] = v;
    }
  } else {
    // After greyscale() + removeAlpha() sharp may still report 3 identical channels; keep the first.
    for (let p = 0; p < pixels; p++) {
      for (let c = 0; c < options.channels; c++) out[options.channels * p + c] = data[info.channels * p + Math.min(c, info.channels - 1)] as number;
    }
  }
  return { data: out, height: info.height, width: info.width, channels: options.channels };
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight (sharp decodes on libuv's thread pool, so a few
 * in flight keep the cores busy). Results keep the input order. The first error rejects.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  onDone?: (done: number) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T, i);
      done++;
      onDone?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

/** Writes an HWC uint8 image as PNG (for sample grids and for tests that need image files). */
export async function encodePng(image: DecodedImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: image.channels as 1 | 3 },
  })
    .png()
    .toBuffer();
}

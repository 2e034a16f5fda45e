import { createRng } from '../util/random';
import { encodePng } from './image-decode';
import { indicesByClass } from './subsets';
import type { ImageDataset } from './types';

/** One image for a figure: its own uint8 HWC pixels plus where it came from. */
export interface SampleImage {
  /** Index in the dataset. */
  index: number;
  label: number;
  className: string;
  height: number;
  width: number;
  channels: number;
  pixels: Uint8Array;
}

/**
 * `perClass` seeded random images of each class (fewer where a class has fewer), ordered by class: a grid with one
 * row per class is `samples.slice(row * perClass, (row + 1) * perClass)` when every class is full.
 * `maxClasses` limits the classes (the first ones) for datasets with many (ImageNet: 1000).
 */
export function sampleImages(ds: ImageDataset, perClass: number, seed: number, maxClasses = Infinity): SampleImage[] {
  if (!(Number.isInteger(perClass) && perClass > 0)) throw new Error(`sampleImages: perClass must be a positive integer; got ${perClass}`);
  const rng = createRng(seed);
  const size = ds.height * ds.width * ds.channels;
  const out: SampleImage[] = [];
  indicesByClass(ds)
    .slice(0, maxClasses)
    .forEach((members, label) => {
      for (const index of rng.shuffle([...members]).slice(0, perClass)) {
        out.push({
          index,
          label,
          className: ds.classNames[label] as string,
          height: ds.height,
          width: ds.width,
          channels: ds.channels,
          pixels: ds.pixels.slice(index * size, (index + 1) * size),
        });
      }
    });
  return out;
}

/** RGBA bytes of an image (grey repeated), e.g. for an HTML canvas ImageData. */
export function sampleToRgba(image: SampleImage): Uint8ClampedArray {
  const n = image.height * image.width;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < 3; k++) rgba[4 * p + k] = image.pixels[p * image.channels + (image.channels === 1 ? 0 : k)] as number;
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}

/** PNG bytes of an image (for `<img src="data:image/png;base64,...">` in a notebook). */
export function samplePng(image: SampleImage): Promise<Buffer> {
  return encodePng({ data: image.pixels, height: image.height, width: image.width, channels: image.channels });
}

import * as fs from 'fs';
import * as path from 'path';
import { createProgress } from '../util/progress';
import { sortByBytes } from './checksums';
import { DataFormatError } from './errors';
import { decodeImageFile, isImageFile, mapWithConcurrency, type DecodeOptions } from './image-decode';
import type { ImageDataset, LabelArray } from './types';

export interface ImageFolderOptions {
  /** Dataset name in the result (default: the folder's name). */
  name?: string;
  /** Split sub-folder to read (`<root>/<split>/<class>/*`); without it `<root>/<class>/*` is read. */
  split?: string;
  /** Class order (label i = classNames[i]); default: the class folders sorted by name. Missing folders are errors. */
  classNames?: readonly string[];
  /** 1 (grey) or 3 (RGB, default). */
  channels?: 1 | 3;
  /** Resize every image to this size; without it all images must have the size of the first one. */
  size?: { height: number; width: number };
  /** How `size` is reached: 'cover' (default: scale the short side, centre-crop) or 'fill' (stretch). */
  fit?: 'fill' | 'cover';
  /** Images decoded at once (default 8). */
  concurrency?: number;
  /** No progress line (also NETSTATS_QUIET=1). */
  quiet?: boolean;
}

/** The files of an image-folder tree and their labels, in class order then file-name (byte) order. */
export interface ImageFolderListing {
  root: string;
  classNames: string[];
  files: string[];
  labels: number[];
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Lists `<root>/<class>/*.{jpg,jpeg,png}`; errors name the folder and say what was expected. */
export function listImageFolder(root: string, classNames?: readonly string[]): ImageFolderListing {
  if (!isFolder(root)) {
    throw new DataFormatError(root, 'a folder with one sub-folder of images per class', fs.existsSync(root) ? 'a file' : 'no such folder');
  }
  const found = sortByBytes(fs.readdirSync(root).filter((e) => !e.startsWith('.') && isFolder(path.join(root, e))));
  const classes = classNames ? [...classNames] : found;
  if (classes.length === 0) {
    throw new DataFormatError(root, 'one sub-folder of images per class', 'no sub-folders');
  }
  const files: string[] = [];
  const labels: number[] = [];
  classes.forEach((cls, label) => {
    const dir = path.join(root, cls);
    if (!isFolder(dir)) {
      throw new DataFormatError(dir, `a folder of images of class '${cls}'`, `no such folder (class folders here: ${found.join(', ') || 'none'})`);
    }
    const images = sortByBytes(fs.readdirSync(dir).filter(isImageFile));
    if (images.length === 0) {
      throw new DataFormatError(dir, 'at least one .jpg, .jpeg or .png image', 'none');
    }
    for (const image of images) {
      files.push(path.join(dir, image));
      labels.push(label);
    }
  });
  return { root, classNames: classes, files, labels };
}

export interface DecodeAllOptions {
  name: string;
  split: string;
  source: string;
  classNames: readonly string[];
  channels: 1 | 3;
  size?: { height: number; width: number };
  fit?: 'fill' | 'cover';
  concurrency?: number;
  quiet?: boolean;
}

/** Decodes `files` into one ImageDataset (labels[i] for files[i]). All images must end up the same size. */
export async function decodeImagesToDataset(
  files: readonly string[],
  labels: readonly number[],
  options: DecodeAllOptions,
): Promise<ImageDataset> {
  if (files.length === 0) throw new DataFormatError(options.source, 'at least one image', 'none');
  const decode: DecodeOptions = {
    channels: options.channels,
    resize: options.size ? { ...options.size, fit: options.fit ?? 'cover' } : undefined,
  };
  // The first image fixes the size when no size is given.
  const first = await decodeImageFile(files[0] as string, decode);
  const { height, width } = first;
  const imageBytes = height * width * options.channels;
  const pixels = new Uint8Array(files.length * imageBytes);
  pixels.set(first.data, 0);
  const progress = createProgress({
    label: `${options.name} ${options.split}: decoding images`,
    total: files.length,
    unit: 'images',
    // Small folders decode in a moment: no progress line. Otherwise createProgress honours NETSTATS_QUIET.
    quiet: options.quiet === true || files.length < 2000 ? true : undefined,
  });
  await mapWithConcurrency(
    files.slice(1),
    options.concurrency ?? 8,
    async (file, i) => {
      const image = await decodeImageFile(file, decode);
      if (image.height !== height || image.width !== width) {
        throw new DataFormatError(
          file,
          `a ${height}x${width} image like ${files[0]} (all images of a dataset share one size)`,
          `${image.height}x${image.width} (pass the size option to resize)`,
        );
      }
      pixels.set(image.data, (i + 1) * imageBytes);
    },
    (done) => progress.update(done + 1),
  );
  progress.finish();
  const labelArray: LabelArray = options.classNames.length <= 256 ? Uint8Array.from(labels) : Uint16Array.from(labels);
  return {
    name: options.name,
    split: options.split,
    pixels,
    labels: labelArray,
    count: files.length,
    height,
    width,
    channels: options.channels,
    classNames: options.classNames,
    source: options.source,
  };
}

/**
 * Reads a user's image-folder tree (`<root>[/<split>]/<class>/*.{jpg,jpeg,png}`), e.g. data for transfer learning.
 * Not cached: use `loadDataset` for the known datasets.
 */
export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<ImageDataset> {
  const dir = options.split ? path.join(root, options.split) : root;
  const listing = listImageFolder(dir, options.classNames);
  return decodeImagesToDataset(listing.files, listing.labels, {
    name: options.name ?? path.basename(path.resolve(root)),
    split: options.split ?? 'all',
    source: dir,
    classNames: listing.classNames,
    channels: options.channels ?? 3,
    size: options.size,
    fit: options.fit,
    concurrency: options.concurrency,
    quiet: options.quiet,
  });
}

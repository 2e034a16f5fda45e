import * as fs from 'fs';
import * as path from 'path';
import { sortByBytes } from './checksums';
import { DataFormatError } from './errors';
import { isImageFile } from './image-decode';
import { decodeImagesToDataset } from './image-folder';
import type { ImageDataset } from './types';

/** One file of the ImageNet sample: `<wnid>_<class name>.jpg`, e.g. `n01440764_tench.jpg`. */
export interface ImagenetSampleEntry {
  file: string;
  wnid: string;
  /** Class name with underscores turned into spaces, e.g. "custard apple". */
  name: string;
}

const IMAGENET_FILE = /^(n\d{8})_(.+)\.(jpe?g|png)$/i;

export function parseImagenetFileName(fileName: string): { wnid: string; name: string } | null {
  const m = IMAGENET_FILE.exec(fileName);
  if (!m) return null;
  return { wnid: m[1] as string, name: (m[2] as string).replace(/_/g, ' ') };
}

/** The `<wnid>_<name>.jpg` images of a folder; other image files are returned as `skipped`. */
export function listImagenetSample(dir: string): { entries: ImagenetSampleEntry[]; skipped: string[] } {
  let names: string[];
  try {
    names = sortByBytes(fs.readdirSync(dir).filter(isImageFile));
  } catch {
    throw new DataFormatError(dir, 'a folder of <wnid>_<name>.jpg images', 'no such folder');
  }
  const entries: ImagenetSampleEntry[] = [];
  const skipped: string[] = [];
  for (const n of names) {
    const parsed = parseImagenetFileName(n);
    if (parsed) entries.push({ file: path.join(dir, n), ...parsed });
    else skipped.push(n);
  }
  if (entries.length === 0) {
    throw new DataFormatError(dir, 'images named <wnid>_<name>.jpg (e.g. n01440764_tench.jpg)', `${names.length} image files, none named so`);
  }
  return { entries, skipped };
}

/**
 * Darknet's labels.txt lists class names only (Darknet's imagenet.shortnames.list, first 1000 lines), and two
 * names occur twice. Their k-th occurrence belongs to the k-th wnid below, in the order of Darknet's
 * data/imagenet.labels.list (github.com/pjreddie/darknet), which gives the wnid of every class index.
 */
export const DARKNET_DUPLICATE_LABEL_WNIDS: Readonly<Record<string, readonly string[]>> = {
  crane: ['n02012849', 'n03126707'], // the bird, then the machine
  maillot: ['n03710637', 'n03710721'], // maillot, then maillot/tank suit
};

export interface DarknetLabelResolution {
  /** Darknet class index per entry, -1 where it could not be resolved. */
  labels: number[];
  /** Entries whose name occurs exactly once in labels.txt. */
  matchedByName: number;
  /** Entries whose name occurs several times, resolved by DARKNET_DUPLICATE_LABEL_WNIDS. */
  resolvedByWnid: number;
  /** Files whose name is not in labels.txt. */
  unmatched: string[];
  /** Files with a repeated name and a wnid not in the table. */
  ambiguous: string[];
  /** Files that resolved to a class index another file already has. */
  duplicates: string[];
}

/** Maps sample files to Darknet class indices by name, with the wnid table for repeated names. */
export function resolveDarknetLabels(entries: readonly ImagenetSampleEntry[], darknetLabels: readonly string[]): DarknetLabelResolution {
  const indicesByName = new Map<string, number[]>();
  darknetLabels.forEach((label, i) => {
    const list = indicesByName.get(label) ?? [];
    list.push(i);
    indicesByName.set(label, list);
  });
  const result: DarknetLabelResolution = { labels: [], matchedByName: 0, resolvedByWnid: 0, unmatched: [], ambiguous: [], duplicates: [] };
  const taken = new Set<number>();
  for (const e of entries) {
    const candidates = indicesByName.get(e.name) ?? [];
    let label = -1;
    if (candidates.length === 1) {
      label = candidates[0] as number;
      result.matchedByName++;
    } else if (candidates.length > 1) {
      const rank = (DARKNET_DUPLICATE_LABEL_WNIDS[e.name] ?? []).indexOf(e.wnid);
      if (rank >= 0 && rank < candidates.length) {
        label = candidates[rank] as number;
        result.resolvedByWnid++;
      } else {
        result.ambiguous.push(path.basename(e.file));
      }
    } else {
      result.unmatched.push(path.basename(e.file));
    }
    if (label >= 0 && taken.has(label)) result.duplicates.push(path.basename(e.file));
    if (label >= 0) taken.add(label);
    result.labels.push(label);
  }
  return result;
}

/** Reads Darknet's labels.txt (one class name a line). */
export function readDarknetLabels(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new DataFormatError(file, 'the Tiny Darknet labels file (one class name a line)', 'no such file');
  }
  const labels = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (labels.length !== 1000) {
    throw new DataFormatError(file, '1000 class names, one a line', `${labels.length} lines`);
  }
  return labels;
}

/**
 * Reads the ImageNet sample. With Darknet's labels the label of an image is its Darknet class index (classNames =
 * labels.txt); images are ordered by that index. Without them the order is the sorted wnids (the usual
 * Keras/PyTorch ImageNet order) and classNames come from the file names.
 */
export async function readImagenetSample(
  dir: string,
  darknetLabelsFile: string | undefined,
  options: { quiet?: boolean; concurrency?: number } = {},
): Promise<ImageDataset> {
  const { entries, skipped } = listImagenetSample(dir);
  const notes: string[] = [];
  if (skipped.length > 0) notes.push(`skipped ${skipped.length} image files not named <wnid>_<name>.jpg: ${skipped.slice(0, 5).join(', ')}`);
  let files: string[];
  let labels: number[];
  let classNames: string[];
  if (darknetLabelsFile !== undefined) {
    classNames = readDarknetLabels(darknetLabelsFile);
    const r = resolveDarknetLabels(entries, classNames);
    const kept = entries.map((e, i) => ({ e, label: r.labels[i] as number })).filter((x) => x.label >= 0);
    kept.sort((a, b) => a.label - b.label);
    files = kept.map((x) => x.e.file);
    labels = kept.map((x) => x.label);
    notes.push(
      `labels: Darknet class order from ${darknetLabelsFile}; ${r.matchedByName} matched by unique name, ${r.resolvedByWnid} repeated names resolved by wnid, ` +
        `${r.unmatched.length} unmatched, ${r.ambiguous.length} ambiguous, ${r.duplicates.length} duplicate classes`,
    );
    if (r.unmatched.length + r.ambiguous.length > 0) {
      notes.push(`dropped (no Darknet class): ${[...r.unmatched, ...r.ambiguous].slice(0, 10).join(', ')}`);
    }
  } else {
    const wnids = sortByBytes([...new Set(entries.map((e) => e.wnid))]);
    const index = new Map(wnids.map((w, i) => [w, i]));
    const nameOf = new Map(entries.map((e) => [e.wnid, e.name]));
    classNames = wnids.map((w) => nameOf.get(w) as string);
    const sorted = [...entries].sort((a, b) => (index.get(a.wnid) as number) - (index.get(b.wnid) as number));
    files = sorted.map((e) => e.file);
    labels = sorted.map((e) => index.get(e.wnid) as number);
    notes.push('labels: sorted-wnid order (Tiny Darknet labels.txt not found); class names from the file names');
  }
  const ds = await decodeImagesToDataset(files, labels, {
    name: 'imagenet-sample',
    split: 'test',
    source: dir,
    classNames,
    channels: 3,
    quiet: options.quiet,
    concurrency: options.concurrency,
  });
  return { ...ds, notes };
}

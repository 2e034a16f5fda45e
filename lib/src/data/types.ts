/** Names of the datasets netstats knows how to find. */
export type DatasetName = 'mnist' | 'fashion-mnist' | 'cifar10' | 'imagenet-sample';

export type Split = 'train' | 'test';

/** All dataset names, in the order reports list them. */
export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'fashion-mnist', 'cifar10', 'imagenet-sample'];

/** Class indices: Uint8Array up to 256 classes, Uint16Array above (the ImageNet sample has 1000). */
export type LabelArray = Uint8Array | Uint16Array;

/** Outcome of comparing one source file (or folder tree) with its known checksum. */
export interface ChecksumVerdict {
  /** File or folder that was hashed. */
  file: string;
  /** What was hashed: the (decompressed) file content, or a folder tree digest (see checksums.ts). */
  kind: 'content-sha256' | 'tree-sha256';
  sha256: string;
  /** The known value, when there is one. */
  expected?: string;
  /** Where the known value comes from (official page, or "computed locally from ..."). */
  expectedSource?: string;
  verdict: 'ok' | 'mismatch' | 'unknown';
  /** True when the known value identifies the official release (a mismatch then stops a strict load). */
  official?: boolean;
}

/**
 * A labelled image dataset held in JS memory as raw bytes (compact: 47 MB for MNIST train). Tensors are made one
 * batch at a time from it, never for the whole set.
 */
export interface ImageDataset {
  name: string;
  split: string;
  /** Pixels, uint8, NHWC row-major: index = ((i * height + y) * width + x) * channels + c. */
  pixels: Uint8Array;
  /** Class index per image (Uint16Array when there are more than 256 classes). */
  labels: LabelArray;
  count: number;
  height: number;
  width: number;
  channels: number;
  classNames: readonly string[];
  /** Where it was read from (file or folder), for reports. */
  source: string;
  /** Checksum verdicts of the source files, when the loader computed them. */
  checksums?: readonly ChecksumVerdict[];
  /** True when this copy came from the parsed-data cache (datasets/.cache) rather than the source files. */
  fromCache?: boolean;
  /** Free-form facts about how the data was read (layout, label order, skipped files), for reports. */
  notes?: readonly string[];
}

import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../util/atomic';
import { repoRoot } from '../util/paths';
import type { ChecksumVerdict, ImageDataset, LabelArray } from './types';

/**
 * Compact binary cache of parsed datasets (datasets/.cache, gitignored), so that a second load reads one file
 * instead of decompressing, decoding and hashing the originals. Layout (little-endian):
 *   8 bytes  magic "NSDSET01"
 *   4 bytes  header length H (uint32)
 *   H bytes  header JSON (CacheHeader)
 *   count * labelBytes  labels (uint8 or uint16)
 *   count * height * width * channels  pixels (uint8, NHWC)
 * Files are written atomically (temp file + rename). A file that is short, long or otherwise unreadable is treated
 * as absent and rebuilt; a header whose fingerprint differs from the sources' is stale and rebuilt. The header holds
 * the sha256 of labels + pixels, re-checked on every read (about 60 ms per 50 MB): the checksum verdicts stored
 * with the data are only as good as the bytes they describe.
 */
const MAGIC = 'NSDSET01';
/** Bump when the parsing changes in a way that changes cached content. */
export const DATASET_CACHE_VERSION = 2;

interface CacheHeader {
  version: number;
  fingerprint: string;
  name: string;
  split: string;
  count: number;
  height: number;
  width: number;
  channels: number;
  labelBytes: 1 | 2;
  classNames: string[];
  source: string;
  checksums: ChecksumVerdict[];
  notes: string[];
  /** sha256 (hex) of the label bytes followed by the pixel bytes. */
  payloadSha256: string;
}

/** datasets/.cache under the repo, or NETSTATS_DATA_CACHE. */
export function datasetCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['NETSTATS_DATA_CACHE'] ?? path.join(repoRoot(), 'datasets', '.cache');
}

export function datasetCacheFile(cacheDir: string, name: string, split: string): string {
  return path.join(cacheDir, `${name}-${split}.bin`);
}

export function writeDatasetCache(file: string, ds: ImageDataset, fingerprint: string): void {
  const labelBytes: 1 | 2 = ds.labels instanceof Uint16Array ? 2 : 1;
  const header: CacheHeader = {
    version: DATASET_CACHE_VERSION,
    fingerprint,
    name: ds.name,
    split: ds.split,
    count: ds.count,
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    labelBytes,
    classNames: [...ds.classNames],
    source: ds.source,
    checksums: [...(ds.checksums ?? [])],
    notes: [...(ds.notes ?? [])],
    payloadSha256: createHash('sha256').update(new Uint8Array(ds.labels.buffer, ds.labels.byteOffset, ds.labels.byteLength)).update(ds.pixels).digest('hex'),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const labels = Buffer.from(ds.labels.buffer, ds.labels.byteOffset, ds.labels.byteLength);
  const out = Buffer.allocUnsafe(MAGIC.length + 4 + headerBytes.length + labels.length + ds.pixels.length);
  let at = out.write(MAGIC, 0, 'ascii');
  at = out.writeUInt32LE(headerBytes.length, at);
  at += headerBytes.copy(out, at);
  at += labels.copy(out, at);
  out.set(ds.pixels, at);
  writeFileAtomic(file, out);
}

/**
 * Reads a cache file written for `fingerprint`; undefined when absent, stale or damaged. `onDamaged` hears why a
 * file that claims to be a current cache entry cannot be used (wrong size, bytes that differ from their digest).
 */
export function readDatasetCache(file: string, fingerprint: string, onDamaged: (problem: string) => void = () => undefined): ImageDataset | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = Buffer.alloc(MAGIC.length + 4);
    if (size < prefix.length || fs.readSync(fd, prefix, 0, prefix.length, 0) !== prefix.length) return undefined;
    if (prefix.toString('ascii', 0, MAGIC.length) !== MAGIC) return undefined;
    const headerLength = prefix.readUInt32LE(MAGIC.length);
    if (headerLength > size - prefix.length) return undefined;
    const headerBuf = Buffer.alloc(headerLength);
    fs.readSync(fd, headerBuf, 0, headerLength, prefix.length);
    let header: CacheHeader;
    try {
      header = JSON.parse(headerBuf.toString('utf8')) as CacheHeader;
    } catch {
      return undefined;
    }
    if (header.version !== DATASET_CACHE_VERSION || header.fingerprint !== fingerprint) return undefined;
    const labelsLength = header.count * header.labelBytes;
    const pixelsLength = header.count * header.height * header.width * header.channels;
    const start = prefix.length + headerLength;
    if (size !== start + labelsLength + pixelsLength) {
      onDamaged(`has ${size} bytes where its header needs ${start + labelsLength + pixelsLength}`);
      return undefined;
    }
    const labels: LabelArray = header.labelBytes === 2 ? new Uint16Array(header.count) : new Uint8Array(header.count);
    const pixels = new Uint8Array(pixelsLength);
    if (!readFully(fd, new Uint8Array(labels.buffer), start) || !readFully(fd, pixels, start + labelsLength)) {
      onDamaged('could not be read to its end');
      return undefined;
    }
    const digest = createHash('sha256').update(new Uint8Array(labels.buffer)).update(pixels).digest('hex');
    if (digest !== header.payloadSha256) {
      onDamaged(`holds data whose sha256 ${digest.slice(0, 12)}... differs from the ${String(header.payloadSha256).slice(0, 12)}... written with it (damaged on disk)`);
      return undefined;
    }
    return {
      name: header.name,
      split: header.split,
      pixels,
      labels,
      count: header.count,
      height: header.height,
      width: header.width,
      channels: header.channels,
      classNames: header.classNames,
      source: header.source,
      checksums: header.checksums,
      notes: header.notes,
      fromCache: true,
    };
  } finally {
    fs.closeSync(fd);
  }
}

/** fs.readSync reads at most 2 GiB per call and may return short counts: loop. */
function readFully(fd: number, target: Uint8Array, position: number): boolean {
  let done = 0;
  while (done < target.length) {
    const n = fs.readSync(fd, target, done, Math.min(target.length - done, 1 << 30), position + done);
    if (n <= 0) return false;
    done += n;
  }
  return true;
}

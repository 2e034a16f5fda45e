import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ParameterKind } from '../models/parameters';
import type { ParameterSnapshot, SnapshotEntry } from '../probe/snapshot';
import type { EpochMetrics } from '../train/loop';
import { replaceDirAtomic } from '../util/atomic';
import { cacheDir } from '../util/paths';

/**
 * Bump when the meaning of cached results changes (training loop, models, init, snapshot format): every old entry
 * becomes a miss. The cache key hashes this, the lib package version and the config.
 */
export const CACHE_VERSION = 1;

/** `@netstats/lib@<version>+cache<CACHE_VERSION>`: the code version that is part of every cache key. */
export function cacheCodeVersion(): string {
  return `@netstats/lib@${libVersion()}+cache${CACHE_VERSION}`;
}

let cachedLibVersion: string | undefined;

/** Version field of lib/package.json (found from lib/src/report or lib/dist/report: two folders up). */
function libVersion(): string {
  if (cachedLibVersion === undefined) {
    const file = path.join(__dirname, '..', '..', 'package.json');
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (parsed.name !== '@netstats/lib' || typeof parsed.version !== 'string') throw new Error('not the lib package');
      cachedLibVersion = parsed.version;
    } catch (err) {
      throw new Error(`cacheCodeVersion: cannot read the lib version from ${file}: ${(err as Error).message}`);
    }
  }
  return cachedLibVersion;
}

/** JSON with object keys sorted at every level, so equal configs give equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const normalise = (v: unknown, where: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`canonicalJson: ${where} is ${v}; configs must hold finite numbers`);
      return v;
    }
    if (typeof v === 'undefined') return undefined;
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') {
      throw new Error(`canonicalJson: ${where} is a ${typeof v}; a cache config must be plain JSON data`);
    }
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    if (seen.has(v as object)) throw new Error(`canonicalJson: ${where} is a circular reference`);
    seen.add(v as object);
    let out: unknown;
    if (Array.isArray(v)) out = v.map((x, i) => normalise(x, `${where}[${i}]`) ?? null);
    else {
      const obj: Record<string, unknown> = {};
      for (const key of Object.keys(v as object).sort()) {
        const x = normalise((v as Record<string, unknown>)[key], `${where}.${key}`);
        if (x !== undefined) obj[key] = x;
      }
      out = obj;
    }
    seen.delete(v as object);
    return out;
  };
  return JSON.stringify(normalise(value, 'config') ?? null);
}

/** sha256 (hex, first 24 chars) of the canonical JSON of the config (keys sorted) and the code version. */
export function cacheKey(config: unknown, codeVersion: string = cacheCodeVersion()): string {
  return createHash('sha256').update(canonicalJson(config)).update('\n').update(codeVersion).digest('hex').slice(0, 24);
}

/** What a run stores: its history, any JSON results and named weight snapshots (e.g. init, epoch-5, best, last). */
export interface CacheEntryData<R = unknown> {
  history?: EpochMetrics[];
  results?: R;
  snapshots?: readonly ParameterSnapshot[];
}

/** A stored run as read back. */
export interface CachedRun<C = unknown, R = unknown> {
  key: string;
  /** Folder of the entry: cacheDir()/<namespace>/<key>. */
  dir: string;
  config: C;
  codeVersion: string;
  createdAt: string;
  history: EpochMetrics[];
  results: R | undefined;
  /** By label. */
  snapshots: Map<string, ParameterSnapshot>;
  /** True when read from disk, false when just computed (`cachedRun`). */
  fromCache: boolean;
}

export interface CacheOptions {
  /** Root folder (default util/paths cacheDir()). */
  root?: string;
  /** Code version (default cacheCodeVersion()). */
  codeVersion?: string;
}

interface SnapshotManifest {
  label: string;
  entries: { name: string; layer: string; kind: ParameterKind; shape: number[]; size: number; trainable: boolean; offset: number }[];
}

interface EntryMeta {
  key: string;
  codeVersion: string;
  createdAt: string;
  config: unknown;
  snapshotLabels: string[];
}

/** Writes and flushes a file, so that after the folder swap its bytes are on disk. */
function writeDurable(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const STALE_TMP_MS = 24 * 3600 * 1000;

/** Removes temp folders of interrupted saves older than a day (younger ones may belong to a running save). */
function removeStaleTemps(parent: string): void {
  for (const name of fs.readdirSync(parent)) {
    if (!name.startsWith('.tmp-')) continue;
    const full = path.join(parent, name);
    try {
      if (Date.now() - fs.statSync(full).mtimeMs > STALE_TMP_MS) fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // raced with another process removing it: fine
    }
  }
}

function checkNamespace(namespace: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(namespace)) {
    throw new Error(`result cache: namespace must be letters, digits, '.', '_' or '-', got '${namespace}'`);
  }
}

function entryDir(namespace: string, key: string, options: CacheOptions): string {
  checkNamespace(namespace);
  return path.join(options.root ?? cacheDir(), namespace, key);
}

function snapshotFileBase(label: string, index: number): string {
  // Labels are free text; the file name is the index plus a safe version of the label.
  return `${String(index).padStart(3, '0')}-${label.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

function writeSnapshotFiles(dir: string, base: string, snapshot: ParameterSnapshot): void {
  let offset = 0;
  const manifest: SnapshotManifest = { label: snapshot.label, entries: [] };
  for (const e of snapshot.entries) {
    manifest.entries.push({ name: e.name, layer: e.layer, kind: e.kind, shape: e.shape, size: e.size, trainable: e.trainable, offset });
    offset += e.values.length;
  }
  const data = new Float32Array(offset);
  snapshot.entries.forEach((e, i) => data.set(e.values, (manifest.entries[i] as { offset: number }).offset));
  writeDurable(path.join(dir, `${base}.bin`), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  writeDurable(path.join(dir, `${base}.json`), JSON.stringify(manifest));
}

function readSnapshotFiles(dir: string, base: string): ParameterSnapshot {
  const manifestFile = path.join(dir, `${base}.json`);
  const binFile = path.join(dir, `${base}.bin`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as SnapshotManifest;
  const bytes = fs.readFileSync(binFile);
  const total = manifest.entries.reduce((a, e) => a + e.size, 0);
  if (bytes.byteLength !== total * 4) {
    throw new Error(`result cache: ${binFile} has ${bytes.byteLength} bytes, its manifest needs ${total * 4}; delete the entry folder ${dir}`);
  }
  const data = new Float32Array(total);
  new Uint8Array(data.buffer).set(bytes);
  const entries: SnapshotEntry[] = manifest.entries.map((e) => ({
    name: e.name,
    layer: e.layer,
    kind: e.kind,
    shape: e.shape,
    size: e.size,
    trainable: e.trainable,
    values: data.slice(e.offset, e.offset + e.size),
  }));
  return { label: manifest.label, entries };
}

/**
 * Writes an entry atomically: everything goes to a temp folder next to the target, then replaceDirAtomic. An
 * interrupted write leaves no entry (only a `.tmp-*` folder that loads ignore and the next save of the namespace
 * removes when older than a day). Returns the entry folder.
 * Layout: meta.json (key, config, codeVersion, createdAt, snapshot labels), history.json, results.json,
 * snapshots/NNN-<label>.json (names, kinds, shapes, trainable, offsets) + .bin (float32, little-endian).
 */
export function saveCachedRun<C, R>(namespace: string, config: C, data: CacheEntryData<R>, options: CacheOptions = {}): string {
  const codeVersion = options.codeVersion ?? cacheCodeVersion();
  const key = cacheKey(config, codeVersion);
  const target = entryDir(namespace, key, options);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  removeStaleTemps(parent);
  const tmp = fs.mkdtempSync(path.join(parent, `.tmp-${key}-`));
  try {
    const snapshots = data.snapshots ?? [];
    const labels = snapshots.map((s) => s.label);
    const duplicate = labels.find((l, i) => labels.indexOf(l) !== i);
    if (duplicate !== undefined) throw new Error(`saveCachedRun: two snapshots are labelled '${duplicate}'`);
    fs.mkdirSync(path.join(tmp, 'snapshots'));
    snapshots.forEach((s, i) => writeSnapshotFiles(path.join(tmp, 'snapshots'), snapshotFileBase(s.label, i), s));
    writeDurable(path.join(tmp, 'history.json'), JSON.stringify(data.history ?? []));
    writeDurable(path.join(tmp, 'results.json'), JSON.stringify(data.results === undefined ? null : data.results));
    const meta: EntryMeta = {
      key,
      codeVersion,
      createdAt: new Date().toISOString(),
      config: JSON.parse(canonicalJson(config)) as unknown,
      snapshotLabels: labels,
    };
    // meta.json last: an entry is complete exactly when its meta.json exists (the folder swap makes that atomic).
    writeDurable(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 1));
    replaceDirAtomic(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return target;
}

/** The stored run for this config and code version, or null (miss; also when the stored config differs). */
export function loadCachedRun<C, R = unknown>(namespace: string, config: C, options: CacheOptions = {}): CachedRun<C, R> | null {
  const codeVersion = options.codeVersion ?? cacheCodeVersion();
  const key = cacheKey(config, codeVersion);
  const dir = entryDir(namespace, key, options);
  const metaFile = path.join(dir, 'meta.json');
  if (!fs.existsSync(metaFile)) return null;
  let meta: EntryMeta;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as EntryMeta;
  } catch (err) {
    throw new Error(`result cache: ${metaFile} is not valid JSON (${(err as Error).message}); delete ${dir}`);
  }
  // The key is a hash: guard against a collision or a hand-edited entry by comparing the full config and version.
  if (meta.codeVersion !== codeVersion || canonicalJson(meta.config) !== canonicalJson(config)) return null;
  const snapshots = new Map<string, ParameterSnapshot>();
  meta.snapshotLabels.forEach((label, i) => {
    snapshots.set(label, readSnapshotFiles(path.join(dir, 'snapshots'), snapshotFileBase(label, i)));
  });
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as R | null;
  return {
    key,
    dir,
    config,
    codeVersion,
    createdAt: meta.createdAt,
    history: JSON.parse(fs.readFileSync(path.join(dir, 'history.json'), 'utf8')) as EpochMetrics[],
    results: results === null ? undefined : results,
    snapshots,
    fromCache: true,
  };
}

/**
 * Loads the run if cached, else computes it, saves it and returns it. `force: true` recomputes. Notebooks use this so
 * that re-running a cell re-plots without retraining. A failing `compute` writes nothing.
 */
export async function cachedRun<C, R>(
  namespace: string,
  config: C,
  compute: () => Promise<CacheEntryData<R>>,
  options: CacheOptions & { force?: boolean } = {},
): Promise<CachedRun<C, R>> {
  if (!options.force) {
    const hit = loadCachedRun<C, R>(namespace, config, options);
    if (hit) return hit;
  }
  // Hash the config before computing: a compute that mutates its config must not change the key.
  const codeVersion = options.codeVersion ?? cacheCodeVersion();
  const frozenConfig = JSON.parse(canonicalJson(config)) as C;
  const data = await compute();
  const dir = saveCachedRun(namespace, frozenConfig, data, { ...options, codeVersion });
  const snapshots = new Map<string, ParameterSnapshot>();
  for (const s of data.snapshots ?? []) snapshots.set(s.label, s);
  return {
    key: cacheKey(frozenConfig, codeVersion),
    dir,
    config,
    codeVersion,
    createdAt: new Date().toISOString(),
    history: data.history ?? [],
    results: data.results,
    snapshots,
    fromCache: false,
  };
}

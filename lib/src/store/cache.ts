import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ParameterKind } from '../models/parameters';
import type { ParameterSnapshot, SnapshotEntry } from '../probe/snapshot';
import type { EpochMetrics } from '../train/loop';
import { machineTag, publishDirOnce, removeStaleTemps, replaceDirAtomic, writeFileAtomic } from '../util/atomic';
import { goneRunner } from '../util/runner';
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

/** Written last into every entry: the sha256 of each of its other files, by path relative to the entry folder. */
const CHECKSUM_FILE = 'checksums.json';

interface EntryChecksums {
  algorithm: 'sha256';
  files: Record<string, string>;
}

/** A cache entry whose files do not hold what was written: `file` names the first bad file, `problem` says how. */
export class CorruptCacheEntryError extends Error {
  constructor(
    readonly dir: string,
    readonly file: string,
    readonly problem: string,
  ) {
    super(`result cache: ${file} ${problem}; the entry folder ${dir} is damaged (delete that folder to recompute it)`);
    this.name = 'CorruptCacheEntryError';
  }
}

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The entry's files (relative paths, '/'-separated) other than checksums.json, sorted. */
function entryFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (r !== CHECKSUM_FILE) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

function writeChecksums(dir: string): void {
  const files: Record<string, string> = {};
  for (const rel of entryFiles(dir)) files[rel] = sha256File(path.join(dir, rel));
  const sums: EntryChecksums = { algorithm: 'sha256', files };
  writeDurable(path.join(dir, CHECKSUM_FILE), JSON.stringify(sums, null, 1));
}

/** Checks every file of the entry against checksums.json (missing, extra or changed files); throws CorruptCacheEntryError. */
function verifyChecksums(dir: string): void {
  const sumsFile = path.join(dir, CHECKSUM_FILE);
  const sums = parseJsonFile<EntryChecksums>(dir, sumsFile, (v) =>
    typeof v === 'object' && v !== null && (v as EntryChecksums).algorithm === 'sha256' && typeof (v as EntryChecksums).files === 'object' && (v as EntryChecksums).files !== null
      ? undefined
      : 'is not a checksum list ({"algorithm": "sha256", "files": {...}})',
  );
  for (const [rel, expected] of Object.entries(sums.files)) {
    const file = path.join(dir, rel);
    if (!fs.existsSync(file)) throw new CorruptCacheEntryError(dir, file, 'is missing');
    const actual = sha256File(file);
    if (actual !== expected) throw new CorruptCacheEntryError(dir, file, `does not match its checksum (sha256 ${actual.slice(0, 12)}..., ${CHECKSUM_FILE} says ${expected.slice(0, 12)}...)`);
  }
  const extra = entryFiles(dir).find((rel) => !(rel in sums.files));
  if (extra !== undefined) throw new CorruptCacheEntryError(dir, path.join(dir, extra), `is not listed in ${CHECKSUM_FILE}`);
}

/** JSON.parse of a file of the entry; a read or parse failure, or a `check` message, is a CorruptCacheEntryError naming it. */
function parseJsonFile<T>(dir: string, file: string, check: (value: unknown) => string | undefined = () => undefined): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CorruptCacheEntryError(dir, file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CorruptCacheEntryError(dir, file, `is not valid JSON (${(err as Error).message}; truncated?)`);
  }
  const problem = check(value);
  if (problem !== undefined) throw new CorruptCacheEntryError(dir, file, problem);
  return value as T;
}

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

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

/** Reads one snapshot; `entry` is the entry folder, named in errors because it is what must go. */
function readSnapshotFiles(entry: string, base: string): ParameterSnapshot {
  const dir = path.join(entry, 'snapshots');
  const manifestFile = path.join(dir, `${base}.json`);
  const binFile = path.join(dir, `${base}.bin`);
  const manifest = parseJsonFile<SnapshotManifest>(entry, manifestFile, (v) =>
    isObject(v) && Array.isArray((v as SnapshotManifest).entries) ? undefined : 'is not a snapshot manifest ({label, entries: [...]})',
  );
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(binFile);
  } catch (err) {
    throw new CorruptCacheEntryError(entry, binFile, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const total = manifest.entries.reduce((a, e) => a + e.size, 0);
  if (bytes.byteLength !== total * 4) {
    throw new CorruptCacheEntryError(entry, binFile, `has ${bytes.byteLength} bytes where its manifest needs ${total * 4} (truncated?)`);
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

export interface SaveOptions extends CacheOptions {
  /**
   * Replace an existing entry (a forced recompute). Default false: an entry is written once, by whichever process
   * finishes first; a later save of the same key keeps the existing entry and drops its own copy.
   */
  replace?: boolean;
}

/**
 * Writes an entry atomically: everything goes to a temp folder next to the target, checksums.json last, then the
 * folder is renamed into place. An interrupted write leaves no entry (only a `.tmp-*` folder that loads ignore and
 * removeStaleTemps deletes once its process is gone). Of concurrent saves of one key the first rename wins (see
 * SaveOptions.replace). Returns the entry folder.
 * Layout: meta.json (key, config, codeVersion, createdAt, snapshot labels), history.json, results.json,
 * snapshots/NNN-<label>.json (names, kinds, shapes, trainable, offsets) + .bin (float32, little-endian),
 * checksums.json (sha256 of each other file; verified on every read).
 */
export function saveCachedRun<C, R>(namespace: string, config: C, data: CacheEntryData<R>, options: SaveOptions = {}): string {
  return writeEntry(namespace, config, data, options).dir;
}

/** saveCachedRun, also saying whether this call's copy became the entry (false: another writer's already was). */
function writeEntry<C, R>(namespace: string, config: C, data: CacheEntryData<R>, options: SaveOptions): { dir: string; published: boolean } {
  const codeVersion = options.codeVersion ?? cacheCodeVersion();
  const key = cacheKey(config, codeVersion);
  const target = entryDir(namespace, key, options);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  removeStaleTemps(parent, 0);
  // Marked with this machine: on a cache folder that several machines share, the others must not take it for a
  // dead process's leftover (its pid means nothing there).
  const tmp = fs.mkdtempSync(path.join(parent, `.tmp-${key}@${machineTag()}-${process.pid}-`));
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
    writeDurable(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 1));
    writeChecksums(tmp);
    // A kernel whose notebook runner was killed must not add entries to a cache that others now use.
    const runnerGone = goneRunner();
    if (runnerGone !== undefined) throw new Error(`saveCachedRun: the notebook runner (pid ${runnerGone}) is gone; not writing ${target}`);
    const published = options.replace ? replaceDirAtomic(tmp, target) : publishDirOnce(tmp, target);
    return { dir: target, published };
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Moves a damaged entry out of the way (to `.corrupt-<key>-<time>` beside it, kept for inspection) and says so on
 * stderr, naming the bad file; the caller then recomputes it.
 */
function moveAsideCorrupt(err: CorruptCacheEntryError): void {
  const aside = path.join(path.dirname(err.dir), `.corrupt-${path.basename(err.dir)}-${Date.now()}`);
  try {
    fs.renameSync(err.dir, aside);
    console.warn(`result cache: ${err.file} ${err.problem}; moved the entry to ${aside} (delete it when done) and computing it again`);
  } catch (moveErr) {
    // Another process moved or replaced it first: its fate is decided there.
    if ((moveErr as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Reads and checks an entry folder that exists; throws CorruptCacheEntryError naming the bad file. */
function readEntry<C, R>(dir: string, key: string, config: C, codeVersion: string): CachedRun<C, R> | null {
  const metaFile = path.join(dir, 'meta.json');
  if (fs.existsSync(path.join(dir, CHECKSUM_FILE))) verifyChecksums(dir);
  else if (!fs.existsSync(metaFile)) throw new CorruptCacheEntryError(dir, path.join(dir, CHECKSUM_FILE), 'is missing (an incomplete entry)');
  const meta = parseJsonFile<EntryMeta>(dir, metaFile, (v) =>
    isObject(v) && typeof (v as EntryMeta).codeVersion === 'string' && Array.isArray((v as EntryMeta).snapshotLabels)
      ? undefined
      : 'is not an entry description (key, codeVersion, config, snapshotLabels)',
  );
  // The key is a hash: guard against a collision or a hand-edited entry by comparing the full config and version.
  if (meta.codeVersion !== codeVersion || canonicalJson(meta.config) !== canonicalJson(config)) return null;
  const snapshots = new Map<string, ParameterSnapshot>();
  meta.snapshotLabels.forEach((label, i) => {
    snapshots.set(label, readSnapshotFiles(dir, snapshotFileBase(label, i)));
  });
  const results = parseJsonFile<R | null>(dir, path.join(dir, 'results.json'));
  const history = parseJsonFile<EpochMetrics[]>(dir, path.join(dir, 'history.json'), (v) => (Array.isArray(v) ? undefined : 'is not a list of epochs'));
  if (!fs.existsSync(path.join(dir, CHECKSUM_FILE))) {
    // Written before entries carried checksums: its structure checked out above, so adopt it.
    writeFileAtomic(path.join(dir, CHECKSUM_FILE), JSON.stringify({ algorithm: 'sha256', files: Object.fromEntries(entryFiles(dir).map((rel) => [rel, sha256File(path.join(dir, rel))])) }, null, 1));
  }
  return {
    key,
    dir,
    config,
    codeVersion,
    createdAt: meta.createdAt,
    history,
    results: results === null ? undefined : results,
    snapshots,
    fromCache: true,
  };
}

/**
 * The stored run for this config and code version, or null (miss; also when the stored config differs). Every file
 * is checked against the entry's checksums first: a damaged entry is reported (naming the file), moved aside and
 * treated as a miss, so it is recomputed.
 */
export function loadCachedRun<C, R = unknown>(namespace: string, config: C, options: CacheOptions = {}): CachedRun<C, R> | null {
  const codeVersion = options.codeVersion ?? cacheCodeVersion();
  const key = cacheKey(config, codeVersion);
  const dir = entryDir(namespace, key, options);
  const identity = (): number | undefined => {
    try {
      return fs.statSync(dir).ino;
    } catch {
      return undefined;
    }
  };
  // A forced recompute elsewhere may swap the folder while we read it (files from the old and the new entry then
  // disagree with either checksum list): a folder that changed identity is read again, not called damaged.
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = identity();
    if (before === undefined) return null;
    try {
      return readEntry<C, R>(dir, key, config, codeVersion);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      if (!missing && !(err instanceof CorruptCacheEntryError)) throw err;
      // A file that vanished, or files that disagree, in a folder another process swapped or removed while we read
      // it: read again (a folder that is gone is then a miss). In the same folder, the entry is damaged.
      if (identity() !== before) continue;
      moveAsideCorrupt(err instanceof CorruptCacheEntryError ? err : new CorruptCacheEntryError(dir, (err as NodeJS.ErrnoException).path ?? dir, 'is missing'));
      return null;
    }
  }
  return null;
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
  const { dir, published } = writeEntry(namespace, frozenConfig, data, { ...options, codeVersion, replace: options.force === true });
  if (!published) {
    // Another process saved this key first: its entry is the one on disk, so it is the one every reader gets.
    const winner = loadCachedRun<C, R>(namespace, frozenConfig, { ...options, codeVersion });
    if (winner) return { ...winner, config };
  }
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

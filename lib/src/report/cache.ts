import type { EpochMetrics } from '../train/loop';
import type { ParameterSnapshot } from '../probe/snapshot';

/**
 * Bump when the meaning of cached results changes (training loop, models, init, snapshot format): every old entry
 * becomes a miss. The cache key hashes this, the lib package version and the config.
 */
export const CACHE_VERSION = 1;

/** `@netstats/lib@<version>+cache<CACHE_VERSION>`: the code version that is part of every cache key. */
export function cacheCodeVersion(): string {
  throw new Error('cacheCodeVersion: not implemented yet');
}

/** sha256 (hex, first 24 chars) of the canonical JSON of the config (keys sorted) and the code version. */
export function cacheKey(config: unknown, codeVersion: string = cacheCodeVersion()): string {
  void config;
  void codeVersion;
  throw new Error('cacheKey: not implemented yet');
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

/**
 * Writes an entry atomically: everything goes to a temp folder next to the target, then replaceDirAtomic. An
 * interrupted write leaves no entry (only a `.tmp-*` folder that loads ignore). Returns the entry folder.
 * Layout: meta.json (key, config, codeVersion, createdAt), history.json, results.json,
 * snapshots/<label>.json (names, kinds, shapes, trainable, byte offsets) + snapshots/<label>.bin (float32 LE).
 */
export function saveCachedRun<C, R>(namespace: string, config: C, data: CacheEntryData<R>, options: CacheOptions = {}): string {
  void namespace;
  void config;
  void data;
  void options;
  throw new Error('saveCachedRun: not implemented yet');
}

/** The stored run for this config and code version, or null (miss; also when the stored config differs). */
export function loadCachedRun<C, R = unknown>(namespace: string, config: C, options: CacheOptions = {}): CachedRun<C, R> | null {
  void namespace;
  void config;
  void options;
  throw new Error('loadCachedRun: not implemented yet');
}

/**
 * Loads the run if cached, else computes it, saves it and returns it. `force: true` recomputes. Notebooks use this so
 * that re-running a cell re-plots without retraining.
 */
export async function cachedRun<C, R>(
  namespace: string,
  config: C,
  compute: () => Promise<CacheEntryData<R>>,
  options: CacheOptions & { force?: boolean } = {},
): Promise<CachedRun<C, R>> {
  void namespace;
  void config;
  void compute;
  void options;
  throw new Error('cachedRun: not implemented yet');
}

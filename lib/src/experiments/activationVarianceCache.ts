import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { MlpReplicas } from '../train/replicas';
import { writeFileAtomic } from '../util/atomic';
import { cacheDir } from '../util/paths';
import type { ActivationVarianceConfig, ActivationVarianceOptions, ActivationVarianceWidthRun } from './activationVariance';

/**
 * Cache of the activation-variance study, one entry per (protocol, width): the measured run as JSON and the trained
 * replicas' weights as float32, under cacheDir()/activation-variance/<key>/. Per width so that a long run (the full
 * protocol takes days here) resumes where it stopped. Files are written atomically; a changed protocol is a new key.
 */

/** Bump when the meaning of a cached width run changes (training, measurement, init). */
export const ACTIVATION_VARIANCE_CACHE_VERSION = 1;

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The cache key of one width: sha256 of the protocol (the config without widths and scale label), the width and version. */
export function activationVarianceWidthKey(config: ActivationVarianceConfig, width: number): string {
  const { widths: _widths, scale: _scale, ...protocol } = config;
  void _widths;
  void _scale;
  const text = canonicalJson({ protocol, width, version: ACTIVATION_VARIANCE_CACHE_VERSION });
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 24);
}

export function activationVarianceCacheDir(root: string = cacheDir()): string {
  return path.join(root, 'activation-variance');
}

/** NaN and ±Infinity survive the JSON round trip (JSON has no such numbers). */
function encodeNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) };
  return value;
}

function decodeNumbers(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && '$num' in (value as Record<string, unknown>)) {
    return Number((value as { $num: string }).$num);
  }
  return value;
}

/** Reads a cached width run, or null when absent or written by another protocol. */
export function loadActivationVarianceWidth(config: ActivationVarianceConfig, width: number, root?: string): ActivationVarianceWidthRun | null {
  const file = path.join(activationVarianceCacheDir(root), activationVarianceWidthKey(config, width), 'run.json');
  if (!fs.existsSync(file)) return null;
  let parsed: { key?: string; run?: ActivationVarianceWidthRun };
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'), decodeNumbers) as { key?: string; run?: ActivationVarianceWidthRun };
  } catch (err) {
    throw new Error(`activation-variance cache: ${file} is not valid JSON (${(err as Error).message}); delete it to recompute`);
  }
  if (parsed.run === undefined || parsed.run.width !== width) {
    throw new Error(`activation-variance cache: ${file} does not hold the run of width ${width}; delete it to recompute`);
  }
  return parsed.run;
}

/** Writes a width run (run.json) and the trained replicas (weights.bin, float32 LE, + weights.json layout). */
export function saveActivationVarianceWidth(
  config: ActivationVarianceConfig,
  run: ActivationVarianceWidthRun,
  model: MlpReplicas,
  root?: string,
): string {
  const key = activationVarianceWidthKey(config, run.width);
  const dir = path.join(activationVarianceCacheDir(root), key);
  const tensors = model.variables.map((v) => ({ name: v.name, shape: v.shape, values: v.dataSync() as Float32Array }));
  const layout: { name: string; shape: number[]; byteOffset: number }[] = [];
  let offset = 0;
  for (const t of tensors) {
    layout.push({ name: ['w1 [in, R*h]', 'b1 [1, R*h]', 'w2 [R, h, out]', 'b2 [R, 1, out]'][layout.length] ?? t.name, shape: t.shape, byteOffset: offset });
    offset += t.values.byteLength;
  }
  const bytes = new Uint8Array(offset);
  tensors.forEach((t, i) => bytes.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength), (layout[i] as { byteOffset: number }).byteOffset));
  writeFileAtomic(path.join(dir, 'weights.bin'), bytes);
  writeFileAtomic(
    path.join(dir, 'weights.json'),
    JSON.stringify({ replicas: model.replicas, inputSize: model.inputSize, hiddenSize: model.hiddenSize, outputSize: model.outputSize, seeds: run.replicates.map((r) => r.initSeed), tensors: layout }, null, 1),
  );
  // run.json last: its presence marks a complete entry.
  writeFileAtomic(path.join(dir, 'run.json'), JSON.stringify({ key, config, run }, encodeNumbers));
  return dir;
}

/** The cache hooks for runActivationVariance (cacheDir()/activation-variance, or under `root`). */
export function activationVarianceCache(root?: string): Pick<ActivationVarianceOptions, 'loadWidth' | 'saveWidth'> {
  return {
    loadWidth: (config, width) => loadActivationVarianceWidth(config, width, root),
    saveWidth: (config, run, model) => {
      saveActivationVarianceWidth(config, run, model, root);
    },
  };
}

/**
 * A JSON result cached under cacheDir()/activation-variance/<namespace>-<key>.json, key = sha256 of the config: read
 * when present, else computed and written atomically. For results without weights (e.g. the resizing comparison).
 */
export async function cachedActivationVarianceJson<C, R>(
  namespace: string,
  config: C,
  compute: () => R | Promise<R>,
  root?: string,
): Promise<{ value: R; fromCache: boolean; file: string }> {
  const key = crypto
    .createHash('sha256')
    .update(canonicalJson({ namespace, config, version: ACTIVATION_VARIANCE_CACHE_VERSION }))
    .digest('hex')
    .slice(0, 24);
  const file = path.join(activationVarianceCacheDir(root), `${namespace}-${key}.json`);
  if (fs.existsSync(file)) {
    try {
      return { value: (JSON.parse(fs.readFileSync(file, 'utf8'), decodeNumbers) as { value: R }).value, fromCache: true, file };
    } catch (err) {
      throw new Error(`activation-variance cache: ${file} is not valid JSON (${(err as Error).message}); delete it to recompute`);
    }
  }
  const value = await compute();
  writeFileAtomic(file, JSON.stringify({ namespace, key, config, value }, encodeNumbers));
  return { value, fromCache: false, file };
}

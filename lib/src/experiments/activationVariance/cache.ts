import type { ParameterSnapshot, SnapshotEntry } from '../../probe/snapshot';
import { cachedRun, loadCachedRun, saveCachedRun, type CacheOptions } from '../../store/cache';
import { MlpReplicas, type MlpReplicaWeights } from '../../train/replicas';
import { ActivationVarianceConfig } from './config';
import type { ActivationVarianceOptions, ActivationVarianceWidthRun } from './run';

/**
 * Cache of the activation-variance study on the shared result cache (store/cache), one entry per (protocol, width):
 * the measured run as results and the trained replicas as a weight snapshot ('trained'), under
 * cacheDir()/activation-variance/<key>/. Per width so that a long run (the full protocol takes days here) resumes
 * where it stopped. A changed protocol, or a new lib version, is a new key.
 */

/** Bump when the meaning of a cached width run changes (training, measurement, init). */
// 2: Adam runs in the kernel pack's one-pass kernel (float32 in another order than the op-by-op update).
export const ACTIVATION_VARIANCE_CACHE_VERSION = 2;

export const ACTIVATION_VARIANCE_NAMESPACE = 'activation-variance';

/** What identifies one width's run: the protocol (config without the width list and the scale label) and the width. */
export function activationVarianceWidthCacheConfig(config: ActivationVarianceConfig, width: number): Record<string, unknown> {
  const { widths: _widths, scale: _scale, ...protocol } = config;
  void _widths;
  void _scale;
  return { protocol, width, version: ACTIVATION_VARIANCE_CACHE_VERSION };
}

/** JSON has no NaN / ±Infinity: they are stored as {"$num": "NaN"} and restored on load. */
export function encodeNonFinite<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v)));
}

export function decodeNonFinite<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value), (_k, v: unknown) =>
    v !== null && typeof v === 'object' && '$num' in (v as Record<string, unknown>) ? Number((v as { $num: string }).$num) : v,
  ) as T;
}

/** The trained replicas as a snapshot: per replica r, `replica<r>/hidden/kernel` [in, h], `/bias`, `replica<r>/output/...`. */
export function mlpReplicasSnapshot(model: MlpReplicas, label = 'trained'): ParameterSnapshot {
  const entries: SnapshotEntry[] = [];
  for (let r = 0; r < model.replicas; r++) {
    const w = model.replicaWeights(r);
    const add = (layer: string, weight: 'kernel' | 'bias', values: Float32Array, shape: number[]): void => {
      entries.push({
        name: `replica${r}/${layer}/${weight}`,
        layer: `replica${r}/${layer}`,
        kind: weight === 'kernel' ? 'dense-weight' : 'dense-bias',
        shape,
        size: values.length,
        trainable: true,
        values,
      });
    };
    add('hidden', 'kernel', w.w1, [w.inputSize, w.hiddenSize]);
    add('hidden', 'bias', w.b1, [w.hiddenSize]);
    add('output', 'kernel', w.w2, [w.hiddenSize, w.outputSize]);
    add('output', 'bias', w.b2, [w.outputSize]);
  }
  return { label, entries };
}

/** Per replica, the weights of a snapshot written by mlpReplicasSnapshot (plain arrays, no tensors). */
export function mlpReplicasFromSnapshotWeights(snapshot: ParameterSnapshot): MlpReplicaWeights[] {
  const byName = new Map(snapshot.entries.map((e) => [e.name, e]));
  const weights: MlpReplicaWeights[] = [];
  for (let r = 0; byName.has(`replica${r}/hidden/kernel`); r++) {
    const get = (name: string): SnapshotEntry => {
      const e = byName.get(`replica${r}/${name}`);
      if (!e) throw new Error(`mlpReplicasFromSnapshot: snapshot '${snapshot.label}' lacks replica${r}/${name}`);
      return e;
    };
    const w1 = get('hidden/kernel');
    const w2 = get('output/kernel');
    weights.push({
      inputSize: w1.shape[0] as number,
      hiddenSize: w1.shape[1] as number,
      outputSize: w2.shape[1] as number,
      w1: w1.values,
      b1: get('hidden/bias').values,
      w2: w2.values,
      b2: get('output/bias').values,
    });
  }
  return weights;
}

/** Rebuilds the replicas of a snapshot written by mlpReplicasSnapshot (e.g. to probe a cached model). */
export function mlpReplicasFromSnapshot(snapshot: ParameterSnapshot): MlpReplicas {
  return MlpReplicas.fromWeights(mlpReplicasFromSnapshotWeights(snapshot));
}

/**
 * The trained weights of one replicate of one width, read from the cache (the notebook recomputes its hidden
 * activations by hand). Error when that width has not been trained with this config yet.
 */
export function trainedReplicaWeights(config: ActivationVarianceConfig, width: number, replicate: number, options: CacheOptions = {}): MlpReplicaWeights {
  const hit = loadCachedRun<Record<string, unknown>, unknown>(ACTIVATION_VARIANCE_NAMESPACE, activationVarianceWidthCacheConfig(config, width), options);
  const snapshot = hit?.snapshots.get('trained');
  if (snapshot === undefined) throw new Error(`trainedReplicaWeights: width ${width} of ${config.dataset} is not in the cache; run ns.activationVariance.run(config) first`);
  if (!Number.isInteger(replicate) || replicate < 0 || replicate >= config.replicates) {
    throw new Error(`trainedReplicaWeights: replicate must be an integer in 0..${config.replicates - 1}, got ${replicate}`);
  }
  return mlpReplicasFromSnapshotWeights(snapshot)[replicate] as MlpReplicaWeights;
}

/** Reads a cached width run, or null. */
export function loadActivationVarianceWidth(config: ActivationVarianceConfig, width: number, options: CacheOptions = {}): ActivationVarianceWidthRun | null {
  const hit = loadCachedRun<Record<string, unknown>, unknown>(ACTIVATION_VARIANCE_NAMESPACE, activationVarianceWidthCacheConfig(config, width), options);
  if (!hit || hit.results === undefined) return null;
  const run = decodeNonFinite<ActivationVarianceWidthRun>(hit.results);
  if (run.width !== width) throw new Error(`activation-variance cache: ${hit.dir} holds width ${run.width}, not ${width}; delete it`);
  return run;
}

/** Writes a width run and its trained replicas; returns the entry folder. */
export function saveActivationVarianceWidth(
  config: ActivationVarianceConfig,
  run: ActivationVarianceWidthRun,
  model: MlpReplicas,
  options: CacheOptions = {},
): string {
  return saveCachedRun(
    ACTIVATION_VARIANCE_NAMESPACE,
    activationVarianceWidthCacheConfig(config, run.width),
    { results: encodeNonFinite(run), snapshots: [mlpReplicasSnapshot(model)] },
    options,
  );
}

/** The cache hooks for runActivationVariance (under cacheDir(), or `root`). */
export function activationVarianceCache(root?: string): Pick<ActivationVarianceOptions, 'loadWidth' | 'saveWidth'> {
  const options: CacheOptions = root === undefined ? {} : { root };
  return {
    loadWidth: (config, width) => loadActivationVarianceWidth(config, width, options),
    saveWidth: (config, run, model) => {
      saveActivationVarianceWidth(config, run, model, options);
    },
  };
}

/**
 * A JSON result (no weights) on the shared result cache, namespace `activation-variance-<name>`: read when present,
 * else computed and saved. E.g. the resizing comparison.
 */
export async function cachedActivationVarianceJson<C, R>(
  name: string,
  config: C,
  compute: () => R | Promise<R>,
  root?: string,
): Promise<{ value: R; fromCache: boolean; dir: string }> {
  const entry = await cachedRun<C, unknown>(
    `${ACTIVATION_VARIANCE_NAMESPACE}-${name}`,
    config,
    async () => ({ results: encodeNonFinite(await compute()) }),
    root === undefined ? {} : { root },
  );
  return { value: decodeNonFinite<R>(entry.results), fromCache: entry.fromCache, dir: entry.dir };
}

import { createRng } from '../../util/random';
import { linearFit, type LinearFitResult } from '../../stats/correlation';
import { shapiroWilk } from '../../stats/normality';

/**
 * Per-neuron statistics of the activation-variance study, as pure functions of one replicate's array of
 * per-neuron standard deviations.
 */

/** Largest sample scipy.stats.shapiro's p-value is valid for (Royston's AS R94). */
export const SHAPIRO_MAX_N = 5000;

/**
 * A 32-bit seed derived from a base seed and labels (FNV-1a over the text), so that e.g. the init of replicate 3 of
 * width 256 does not depend on which other widths run.
 */
export function deriveExperimentSeed(base: number, ...labels: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of [String(base), ...labels.map(String)].join('/')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * At most `max` values of x: all of them (in order) when x.length <= max, else a uniform random subset without
 * replacement drawn with createRng(seed) (the first `max` of a seeded permutation), in ascending index order.
 * Deterministic: the same x, max and seed give the same subsample.
 */
export function deterministicSubsample(x: ArrayLike<number>, max: number, seed: number): Float64Array {
  if (!Number.isInteger(max) || max < 1) throw new Error(`deterministicSubsample: max must be a positive integer, got ${max}`);
  if (x.length <= max) return Float64Array.from(x);
  const chosen = createRng(seed).permutation(x.length).subarray(0, max).sort();
  return Float64Array.from(chosen, (i) => x[i] as number);
}

export interface ShapiroOfStds {
  /** W statistic, NaN when undefined (fewer than 3 values or all equal). */
  w: number;
  p: number;
  /** Number of values the test saw (min(n, SHAPIRO_MAX_N)). */
  n: number;
  /** True when n > SHAPIRO_MAX_N and a deterministic subsample was tested. */
  subsampled: boolean;
}

/**
 * Shapiro-Wilk W and p of a std distribution. Samples larger than 5000 (where AS R94's p-value is not valid) are
 * replaced by a deterministic uniform subsample of 5000 values (seeded). A constant sample (e.g. every neuron dead)
 * has no W: NaN.
 */
export function shapiroOfStds(stds: ArrayLike<number>, seed: number): ShapiroOfStds {
  const sample = deterministicSubsample(stds, SHAPIRO_MAX_N, seed);
  const subsampled = stds.length > SHAPIRO_MAX_N;
  if (sample.length < 3) return { w: NaN, p: NaN, n: sample.length, subsampled };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of sample) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(hi > lo)) return { w: NaN, p: NaN, n: sample.length, subsampled };
  const { w, p } = shapiroWilk(sample);
  return { w, p, n: sample.length, subsampled };
}

export interface StdSummary {
  /** Neurons with std exactly 0 (the original's "dead"). */
  deadCount: number;
  deadShare: number;
  /** Share of neurons with std < eps, one per eps (dead neurons included). */
  nearDeadShares: number[];
  /** Sum of the stds (the original's "total variance"). */
  totalStd: number;
  meanStd: number;
  medianStd: number;
  /** Sum of the variances. */
  totalVariance: number;
  meanVariance: number;
}

/** Dead counts, near-dead shares and totals of one replicate's per-neuron stds. */
export function summarizeStds(stds: ArrayLike<number>, nearDeadEps: readonly number[]): StdSummary {
  const n = stds.length;
  if (n === 0) throw new Error('summarizeStds: no neurons');
  let dead = 0;
  let total = 0;
  let totalVar = 0;
  const below = new Array<number>(nearDeadEps.length).fill(0);
  for (let j = 0; j < n; j++) {
    const s = stds[j] as number;
    if (!(s >= 0)) throw new Error(`summarizeStds: std of neuron ${j} is ${s}; stds must be finite and >= 0`);
    if (s === 0) dead++;
    total += s;
    totalVar += s * s;
    nearDeadEps.forEach((eps, k) => {
      if (s < eps) below[k] = (below[k] as number) + 1;
    });
  }
  const sorted = Float64Array.from(stds).sort();
  const mid = n >> 1;
  const median = n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    deadCount: dead,
    deadShare: dead / n,
    nearDeadShares: below.map((b) => b / n),
    totalStd: total,
    meanStd: total / n,
    medianStd: median,
    totalVariance: totalVar,
    meanVariance: totalVar / n,
  };
}

/** Index of the largest finite value (the first on ties); -1 when no value is finite. */
export function argmaxIndex(values: readonly number[]): number {
  let at = -1;
  let best = -Infinity;
  values.forEach((v, i) => {
    if (Number.isFinite(v) && v > best) [best, at] = [v, i];
  });
  return at;
}

/** Index of the first finite value within `tolerance` of the largest one (an accuracy plateau); -1 when none. */
export function plateauIndex(values: readonly number[], tolerance: number): number {
  const i = argmaxIndex(values);
  if (i < 0) return -1;
  const best = values[i] as number;
  return values.findIndex((v) => Number.isFinite(v) && v >= best - tolerance);
}

/**
 * A bootstrap over replicates: every resample draws, independently for each group (one group = the replicates of
 * one width, all independently trained models), as many members as the group has, with replacement, and passes the
 * resampled groups to `summarize`. Returns one summary per resample, in order; the same seed gives the same list.
 */
export function bootstrapReplicates<T, R>(
  groups: readonly (readonly T[])[],
  summarize: (resampled: readonly (readonly T[])[]) => R,
  options: { resamples: number; seed: number },
): R[] {
  if (!Number.isInteger(options.resamples) || options.resamples < 1) {
    throw new Error(`bootstrapReplicates: resamples must be a positive integer, got ${options.resamples}`);
  }
  const rng = createRng(options.seed);
  const out: R[] = [];
  for (let b = 0; b < options.resamples; b++) {
    out.push(summarize(groups.map((g) => Array.from({ length: g.length }, () => g[rng.int(g.length)] as T))));
  }
  return out;
}

/** Share of `indices` equal to 0 .. size-1 (indices outside that range are not counted). */
export function indexShares(indices: readonly number[], size: number): number[] {
  const counts = new Array<number>(size).fill(0);
  for (const i of indices) if (i >= 0 && i < size) counts[i] = (counts[i] as number) + 1;
  return counts.map((c) => (indices.length === 0 ? NaN : c / indices.length));
}

/** Least-squares fits of y on ln(x) and on x (NaN fits with fewer than 3 distinct x). */
export function logAndLinearFits(x: readonly number[], y: readonly number[]): { log: LinearFitResult; linear: LinearFitResult } {
  const none: LinearFitResult = { a: NaN, b: NaN, r2: NaN };
  if (new Set(x).size < 3) return { log: none, linear: none };
  return { log: linearFit(x.map(Math.log), y), linear: linearFit(x, y) };
}

/**
 * Per-kernel comparison of two activation distributions (pretraining data D vs new data D2), one statistic at a time.
 * Every statistic is turned into a distance d >= 0 with d = 0 for identical distributions; the similarity shown to
 * users is 1 / (1 + d), maximal (1) exactly when d = 0.
 */
import { klGaussian, klHistogram, ks2Samp, wasserstein1, welchTTest } from '../stats/index';

/** The statistics a kernel's two activation samples can be compared with. */
export type KernelStatistic =
  /** KL(P_D || P_D2) of histograms of log|a| on shared equal-width edges (union range), smoothed and renormalised. */
  | 'kl-histogram'
  /** Closed-form KL(N_D || N_D2) of normals fitted (mean, sample sd) to log|a| (the log-normal assumption). */
  | 'kl-gaussian'
  /** |t| of Welch's t-test on log|a| (p-value kept: the original study's "p > 0.1 = similar"). */
  | 'welch-t'
  /** Two-sample Kolmogorov-Smirnov statistic D on log|a| (p-value kept). */
  | 'ks'
  /** Wasserstein-1 distance between the empirical distributions of log|a|. */
  | 'wasserstein'
  /** Relative distance between the kernel's rows of the channel Gram matrices (C×C, mean over images of FᵀF/HW). */
  | 'gram-channel'
  /** Relative distance between the kernel's spatial Gram matrices (H×H, mean over images of A Aᵀ/W): the original's Gram. */
  | 'gram-spatial';

/** All statistics, in the order reports list them. */
export const KERNEL_STATISTICS: readonly KernelStatistic[] = [
  'kl-histogram',
  'kl-gaussian',
  'welch-t',
  'ks',
  'wasserstein',
  'gram-channel',
  'gram-spatial',
];

/** Statistics computed from the per-kernel value samples (the others use the Gram matrices). */
export const SAMPLE_STATISTICS: readonly KernelStatistic[] = ['kl-histogram', 'kl-gaussian', 'welch-t', 'ks', 'wasserstein'];

export function isKernelStatistic(name: string): name is KernelStatistic {
  return (KERNEL_STATISTICS as readonly string[]).includes(name);
}

export interface KernelStatisticOptions {
  /** Histogram bins of 'kl-histogram' (default 30; the original used 10 with per-sample edges). */
  bins?: number;
  /** Added to |a| before the log (default 1e-4, as the original). */
  logEpsilon?: number;
  /** Probability added to every histogram bin before renormalising (default 1e-6; keeps KL finite). */
  histogramSmoothing?: number;
}

/** One kernel's comparison: distance (0 = identical) and, for tests, the two-sided p-value. */
export interface KernelComparison {
  distance: number;
  pValue: number | null;
}

/** log(|a| + eps) of every value (the original's transform of conv outputs before comparing). */
export function logAbsActivations(values: ArrayLike<number>, logEpsilon = 1e-4): Float64Array {
  if (!(logEpsilon > 0)) throw new Error(`logAbsActivations: logEpsilon must be > 0, got ${logEpsilon}`);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.log(Math.abs(values[i] as number) + logEpsilon);
  return out;
}

function meanAndSd(v: Float64Array): { mean: number; sd: number } {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i] as number;
  m /= v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += ((v[i] as number) - m) ** 2;
  return { mean: m, sd: v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0 };
}

function isConstant(v: Float64Array): boolean {
  for (let i = 1; i < v.length; i++) if (v[i] !== v[0]) return false;
  return true;
}

/**
 * Compares one kernel's log-activation samples from D (`a`) and D2 (`b`) with a sample statistic.
 * Degenerate kernels (a constant sample, e.g. a dead unit) are handled explicitly: two identical constants have
 * distance 0 (p = 1); otherwise a constant against anything different gives the statistic's limit or Infinity.
 */
export function compareKernelSamples(
  statistic: KernelStatistic,
  a: Float64Array,
  b: Float64Array,
  options: KernelStatisticOptions = {},
): KernelComparison {
  if (!(SAMPLE_STATISTICS as readonly string[]).includes(statistic)) {
    throw new Error(`compareKernelSamples: '${statistic}' is not a sample statistic; use one of ${SAMPLE_STATISTICS.join(', ')}`);
  }
  if (a.length < 2 || b.length < 2) {
    throw new Error(`compareKernelSamples: each sample needs at least 2 values, got ${a.length} (D) and ${b.length} (D2)`);
  }
  const constA = isConstant(a);
  const constB = isConstant(b);
  if (constA && constB) {
    const same = a[0] === b[0];
    if (statistic === 'ks') return { distance: same ? 0 : 1, pValue: same ? 1 : 0 };
    if (statistic === 'wasserstein') return { distance: Math.abs((a[0] as number) - (b[0] as number)), pValue: null };
    return { distance: same ? 0 : Infinity, pValue: statistic === 'welch-t' ? (same ? 1 : 0) : null };
  }
  switch (statistic) {
    case 'kl-histogram': {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of [a, b]) {
        for (let i = 0; i < v.length; i++) {
          const x = v[i] as number;
          if (x < lo) lo = x;
          if (x > hi) hi = x;
        }
      }
      const eps = options.histogramSmoothing ?? 1e-6;
      return { distance: klHistogram(a, b, { bins: options.bins ?? 30, range: [lo, hi], eps }), pValue: null };
    }
    case 'kl-gaussian': {
      const p = meanAndSd(a);
      const q = meanAndSd(b);
      if (p.sd === 0 || q.sd === 0) return { distance: Infinity, pValue: null };
      return { distance: klGaussian(p.mean, p.sd, q.mean, q.sd), pValue: null };
    }
    case 'welch-t': {
      const r = welchTTest(a, b);
      return { distance: Math.abs(r.t), pValue: r.p };
    }
    case 'ks': {
      const r = ks2Samp(a, b);
      return { distance: r.d, pValue: r.p };
    }
    case 'wasserstein':
      return { distance: wasserstein1(a, b), pValue: null };
    default:
      throw new Error(`compareKernelSamples: '${statistic}' is not a sample statistic; use one of ${SAMPLE_STATISTICS.join(', ')}`);
  }
}

/**
 * ‖x − y‖ / (‖x‖ + ‖y‖) over the given index range of two vectors: 0 when equal, at most 1 (opposite), scale-free.
 * Two zero blocks are identical (0).
 */
export function relativeBlockDistance(x: Float64Array, y: Float64Array, start: number, length: number): number {
  if (x.length !== y.length) throw new Error(`relativeBlockDistance: vectors differ in length (${x.length} vs ${y.length})`);
  if (start < 0 || start + length > x.length) throw new Error(`relativeBlockDistance: block ${start}..${start + length} outside 0..${x.length}`);
  let diff = 0;
  let nx = 0;
  let ny = 0;
  for (let i = start; i < start + length; i++) {
    const u = x[i] as number;
    const v = y[i] as number;
    diff += (u - v) ** 2;
    nx += u * u;
    ny += v * v;
  }
  const denominator = Math.sqrt(nx) + Math.sqrt(ny);
  return denominator === 0 ? 0 : Math.sqrt(diff) / denominator;
}

/** Per-kernel distance between channel Gram matrices (C×C row-major): kernel c compares row c. */
export function channelGramDistances(gramD: Float64Array, gramD2: Float64Array, kernels: number): Float64Array {
  if (gramD.length !== kernels * kernels) throw new Error(`channelGramDistances: Gram has ${gramD.length} values, expected ${kernels}²`);
  return Float64Array.from({ length: kernels }, (_, c) => relativeBlockDistance(gramD, gramD2, c * kernels, kernels));
}

/** Per-kernel distance between spatial Gram matrices (C blocks of H×H). */
export function spatialGramDistances(gramD: Float64Array, gramD2: Float64Array, kernels: number): Float64Array {
  const block = gramD.length / kernels;
  if (!Number.isInteger(block)) throw new Error(`spatialGramDistances: ${gramD.length} values do not split into ${kernels} kernels`);
  return Float64Array.from({ length: kernels }, (_, c) => relativeBlockDistance(gramD, gramD2, c * block, block));
}

/** Similarity shown in reports: 1 / (1 + distance), in [0, 1], 1 exactly for identical distributions. */
export function similarityFromDistance(distance: number): number {
  if (Number.isNaN(distance) || distance < 0) throw new Error(`similarityFromDistance: distance must be >= 0, got ${distance}`);
  return 1 / (1 + distance);
}

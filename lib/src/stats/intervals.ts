/**
 * Confidence intervals: Student-t interval for a mean, and a seeded percentile bootstrap for any statistic.
 */
import { createRng } from '../util/random';
import { meanOf, quantileSorted, sumSquaredDeviations } from './descriptive';
import { studentTPpf } from './special';
import { type Sample, requireInteger, requireOpenUnit, toFiniteArray } from './validate';

/** Result of {@link meanCI}. */
export interface MeanCIResult {
  mean: number;
  lo: number;
  hi: number;
}

/**
 * Student-t confidence interval for the mean: mean ± t_{(1+level)/2, n-1} · s/√n, equal to
 * `scipy.stats.t.interval(level, n - 1, loc=mean, scale=scipy.stats.sem(x))`.
 * A constant sample gives the degenerate interval lo = hi = mean (SciPy returns NaN there).
 * @param level confidence level in (0, 1), default 0.95.
 * @throws if n < 2, a value is non-finite, or level is outside (0, 1).
 */
export function meanCI(x: Sample, level = 0.95): MeanCIResult {
  requireOpenUnit('meanCI', 'level', level);
  const v = toFiniteArray('meanCI', 'x', x, 2);
  const n = v.length;
  const m = meanOf(v);
  const sem = Math.sqrt(sumSquaredDeviations(v, m) / (n - 1) / n);
  const tCrit = studentTPpf((1 + level) / 2, n - 1);
  const tLow = studentTPpf((1 - level) / 2, n - 1);
  return { mean: m, lo: m + tLow * sem, hi: m + tCrit * sem };
}

/** Options of {@link bootstrapCI}. */
export interface BootstrapOptions {
  /** Seed of the resampling generator (util/random createRng); the same seed gives the same interval. */
  seed: number;
  /** Number of bootstrap resamples, default 9999 (SciPy's default n_resamples). */
  n?: number;
  /** Confidence level in (0, 1), default 0.95. */
  level?: number;
}

/** Result of {@link bootstrapCI}. */
export interface BootstrapCIResult {
  lo: number;
  hi: number;
}

/**
 * Seeded percentile bootstrap confidence interval of `stat(x)`: draws `n` resamples of x with replacement, and
 * returns the (1 - level)/2 and (1 + level)/2 quantiles (linear interpolation) of the resampled statistic - the
 * method='percentile' interval of scipy.stats.bootstrap, with our own generator.
 * @param stat statistic of a sample. It receives a reused buffer: read it, do not keep it.
 * @throws if x is empty or non-finite, options are invalid, or `stat` returns a non-finite value.
 */
export function bootstrapCI(
  x: Sample,
  stat: (sample: Float64Array) => number,
  options: BootstrapOptions,
): BootstrapCIResult {
  if (typeof stat !== 'function') throw new Error('bootstrapCI: stat must be a function (sample: Float64Array) => number');
  if (options === null || typeof options !== 'object') throw new Error('bootstrapCI: options {seed, n?, level?} are required');
  const { seed } = options;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new Error(`bootstrapCI: options.seed must be a finite number, got ${String(seed)}`);
  }
  const resamples = options.n ?? 9999;
  requireInteger('bootstrapCI', 'options.n', resamples, 1);
  const level = options.level ?? 0.95;
  requireOpenUnit('bootstrapCI', 'options.level', level);
  const v = toFiniteArray('bootstrapCI', 'x', x, 1);
  const size = v.length;
  const rng = createRng(seed);
  const buffer = new Float64Array(size);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < size; i++) buffer[i] = v[rng.int(size)] as number;
    const s = stat(buffer);
    if (typeof s !== 'number' || !Number.isFinite(s)) {
      throw new Error(`bootstrapCI: stat returned ${String(s)} on resample ${b}; expected a finite number`);
    }
    stats[b] = s;
  }
  stats.sort();
  return { lo: quantileSorted(stats, (1 - level) / 2), hi: quantileSorted(stats, (1 + level) / 2) };
}

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

/**
 * A mean over independent units (seeds, trained models, replicates) with its confidence interval: the one interval
 * type of the library's results. lo and hi are NaN when there is no interval (fewer than 2 values, or identical
 * values under `identical: 'none'`); mean is NaN with no value.
 */
export interface MeanCI {
  mean: number;
  lo: number;
  hi: number;
  /** Finite values the mean rests on. */
  n: number;
  /** How the interval was made: 't 95%', 'bootstrap 95%', 'all equal', 'one value', 'none', with ', clipped to [a, b]'. */
  method: string;
}

/** Options of {@link meanInterval}; the defaults are the project's rule for verdicts. */
export interface MeanIntervalOptions {
  /** Two-sided confidence level in (0, 1), default 0.95. */
  level?: number;
  /**
   * Smallest n for a Student-t interval, default 5: a t-interval from 2-4 units leans entirely on normality, so below
   * it a seeded percentile bootstrap of the mean is used. 2 gives the t-interval from two values on.
   */
  tFrom?: number;
  /** Seed of the bootstrap; required whenever a bootstrap can be drawn (tFrom > 2). */
  seed?: number;
  /** Bootstrap resamples, default 2000. */
  resamples?: number;
  /**
   * When every value is the same: 'zero-width' (default) gives lo = hi = mean; 'none' gives no interval, for
   * quantities where identical values mean "could not differ" rather than "measured without spread".
   */
  identical?: 'zero-width' | 'none';
  /** What the quantity can be (an accuracy [0, 1], a count [0, ∞)): a t or bootstrap interval is clipped to it. */
  bounds?: readonly [number, number];
}

/**
 * Mean of the finite values with a two-sided interval by the rule of `options`: none from 0 or 1 value; identical
 * values by `identical`; Student-t (= scipy.stats.t.interval(level, n - 1, loc=mean, scale=scipy.stats.sem(x))) from
 * `tFrom` values on; a seeded percentile bootstrap of the mean (scipy.stats.bootstrap, method='percentile') between;
 * the result clipped to `bounds`. Non-finite values are left out and not counted.
 * @throws if level is outside (0, 1), tFrom is not an integer ≥ 2, bounds are not ordered, or a bootstrap is needed
 * without a seed.
 */
export function meanInterval(values: readonly number[], options: MeanIntervalOptions = {}): MeanCI {
  const level = options.level ?? 0.95;
  requireOpenUnit('meanInterval', 'options.level', level);
  const tFrom = options.tFrom ?? 5;
  requireInteger('meanInterval', 'options.tFrom', tFrom, 2);
  const [lower, upper] = options.bounds ?? [-Infinity, Infinity];
  if (!(lower <= upper)) throw new Error(`meanInterval: options.bounds must be [lower, upper] with lower <= upper, got [${lower}, ${upper}]`);
  const v = values.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { mean: NaN, lo: NaN, hi: NaN, n: 0, method: 'none' };
  const first = v[0] as number;
  if (n === 1) return { mean: first, lo: NaN, hi: NaN, n, method: 'one value' };
  if (v.every((x) => x === first)) {
    return options.identical === 'none'
      ? { mean: first, lo: NaN, hi: NaN, n, method: 'all equal, no interval' }
      : { mean: first, lo: first, hi: first, n, method: 'all equal' };
  }
  const m = meanOf(Float64Array.from(v));
  const percent = `${+(100 * level).toFixed(2)}%`;
  let ci: { lo: number; hi: number };
  let kind: string;
  if (n >= tFrom) {
    ci = meanCI(v, level);
    kind = 't';
  } else {
    const seed = options.seed;
    if (seed === undefined) throw new Error(`meanInterval: ${n} values need a bootstrap (tFrom ${tFrom}), so options.seed is required`);
    ci = bootstrapCI(v, (s) => s.reduce((a, x) => a + x, 0) / s.length, { seed, n: options.resamples ?? 2000, level });
    kind = 'bootstrap';
  }
  const clipped = ci.lo < lower || ci.hi > upper;
  return {
    mean: m,
    lo: Math.max(lower, ci.lo),
    hi: Math.min(upper, ci.hi),
    n,
    method: `${kind} ${percent}${clipped ? `, clipped to [${lower}, ${upper}]` : ''}`,
  };
}

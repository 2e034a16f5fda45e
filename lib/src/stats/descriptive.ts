/**
 * Descriptive statistics: mean, variance, standard deviation, quantiles (numpy's default 'linear' method) and
 * ranks with ties averaged (scipy.stats.rankdata).
 */
import { type Sample, requireFiniteNumber, requireInteger, toFiniteArray } from './validate';

/** Compensated (Neumaier) sum; keeps full precision for long samples of mixed magnitude. */
export function sumAccurate(x: ArrayLike<number>): number {
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + comp;
}

/** Arithmetic mean of a finite, non-empty sample. */
export function mean(x: Sample): number {
  const v = toFiniteArray('mean', 'x', x, 1);
  return meanOf(v);
}

/** Mean of an already-checked Float64Array (internal fast path). */
export function meanOf(v: Float64Array): number {
  const m = sumAccurate(v) / v.length;
  // One correction pass removes the rounding left in the first estimate.
  let r = 0;
  for (let i = 0; i < v.length; i++) r += (v[i] as number) - m;
  return m + r / v.length;
}

/** Options of {@link variance} and {@link std}. */
export interface VarianceOptions {
  /** Delta degrees of freedom: the divisor is n - ddof. 0 (population, numpy's default) or 1 (sample). */
  ddof?: number;
}

/** Sum of squared deviations from the mean, two-pass with compensation (internal). */
export function sumSquaredDeviations(v: Float64Array, m: number = meanOf(v)): number {
  let ss = 0;
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const d = (v[i] as number) - m;
    ss += d * d;
    s += d;
  }
  return ss - (s * s) / v.length;
}

/** Variance with divisor n - ddof (default ddof = 0, like numpy.var). Requires n > ddof. */
export function variance(x: Sample, options: VarianceOptions = {}): number {
  const ddof = options.ddof ?? 0;
  requireInteger('variance', 'options.ddof', ddof, 0);
  const v = toFiniteArray('variance', 'x', x, ddof + 1);
  return sumSquaredDeviations(v) / (v.length - ddof);
}

/** Standard deviation with divisor n - ddof (default ddof = 0, like numpy.std). */
export function std(x: Sample, options: VarianceOptions = {}): number {
  const ddof = options.ddof ?? 0;
  requireInteger('std', 'options.ddof', ddof, 0);
  const v = toFiniteArray('std', 'x', x, ddof + 1);
  return Math.sqrt(sumSquaredDeviations(v) / (v.length - ddof));
}

/** Ascending sorted copy as Float64Array (typed-array sort is numeric). */
export function sortedCopy(v: Float64Array): Float64Array {
  return Float64Array.from(v).sort();
}

/**
 * Quantile of an ascending sorted sample, numpy's 'linear' method (virtual index q * (n - 1)), including numpy's
 * two-sided lerp so results match numpy.quantile bit for bit in most cases.
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtual = n * q + (1 + q * (1 - 1 - 1)) - 1;
  const below = Math.min(Math.max(Math.floor(virtual), 0), n - 1);
  const above = Math.min(below + 1, n - 1);
  const gamma = virtual - Math.floor(virtual);
  const a = sorted[below] as number;
  const b = sorted[above] as number;
  if (virtual <= 0) return sorted[0] as number;
  if (virtual >= n - 1) return sorted[n - 1] as number;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** The q-th quantile (0 <= q <= 1) of a sample, linear interpolation like numpy.quantile's default. */
export function quantile(x: Sample, q: number): number {
  requireFiniteNumber('quantile', 'q', q);
  if (q < 0 || q > 1) throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  const v = toFiniteArray('quantile', 'x', x, 1);
  return quantileSorted(sortedCopy(v), q);
}

/** Median (the 0.5 quantile; mean of the two middle values for even n). */
export function median(x: Sample): number {
  const v = toFiniteArray('median', 'x', x, 1);
  return medianOf(v);
}

/** Median of an already-checked array (internal). */
export function medianOf(v: Float64Array): number {
  const s = sortedCopy(v);
  const n = s.length;
  const h = n >> 1;
  return n % 2 === 1 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
}

/** Ranks 1..n with ties given their average rank (scipy.stats.rankdata, method='average'). */
export function rankData(x: Sample): Float64Array {
  const v = toFiniteArray('rankData', 'x', x, 1);
  return ranksOf(v);
}

/** Average ranks of an already-checked array (internal). */
export function ranksOf(v: Float64Array): Float64Array {
  const n = v.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (v[i] as number) - (v[j] as number) || i - j);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && v[order[end] as number] === v[order[start] as number]) end++;
    const avg = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let k = start; k < end; k++) ranks[order[k] as number] = avg;
    start = end;
  }
  return ranks;
}

/**
 * Correlation and least-squares line: Pearson's r, Spearman's rho (each with SciPy's two-sided p-value) and
 * simple linear regression.
 */
import { meanOf, ranksOf } from './descriptive';
import { incompleteBetaTails, studentTSf } from './special';
import { type Sample, isConstant, requireSameLength, toFiniteArray } from './validate';

/** Result of {@link pearson}. */
export interface PearsonResult {
  /** Pearson correlation coefficient in [-1, 1]. */
  r: number;
  /** Two-sided p-value for r = 0 under bivariate normality. */
  p: number;
}

/** Correlation of two equal-length, non-constant, checked arrays: dot of the centred, unit-normalised vectors. */
function correlationOf(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  const mx = meanOf(x);
  const my = meanOf(y);
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const nx = Math.sqrt(sxx);
  const ny = Math.sqrt(syy);
  let r = 0;
  for (let i = 0; i < n; i++) r += (((x[i] as number) - mx) / nx) * (((y[i] as number) - my) / ny);
  return Math.max(Math.min(r, 1), -1);
}

/**
 * numpy.corrcoef's element [0, 1]: cov / sd_x / sd_y with divisor n - 1, in that order. For ranks (multiples of
 * 1/2) all sums are exact, so this reproduces SciPy's spearmanr bit for bit, including its rounding of perfect
 * monotone relations to 0.9999999999999998 (which gives a finite t and a tiny non-zero p, as SciPy).
 */
function corrcoefOf(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  const mx = meanOf(x);
  const my = meanOf(y);
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const r = sxy / (n - 1) / Math.sqrt(sxx / (n - 1)) / Math.sqrt(syy / (n - 1));
  return Math.max(Math.min(r, 1), -1);
}

function checkPair(fn: string, a: Sample, b: Sample, minLength: number): [Float64Array, Float64Array] {
  const x = toFiniteArray(fn, 'a', a, minLength);
  const y = toFiniteArray(fn, 'b', b, minLength);
  requireSameLength(fn, x, y, ['a', 'b']);
  if (isConstant(x)) throw new Error(`${fn}: a is constant; the correlation coefficient is undefined`);
  if (isConstant(y)) throw new Error(`${fn}: b is constant; the correlation coefficient is undefined`);
  return [x, y];
}

/**
 * Pearson correlation with its two-sided p-value, equal to `scipy.stats.pearsonr(a, b)`:
 * p = 2 * P(|R| >= |r|) with (R + 1)/2 ~ Beta(n/2 - 1, n/2 - 1).
 * @throws if lengths differ, n < 2, a value is non-finite, or either sample is constant (SciPy returns NaN).
 */
export function pearson(a: Sample, b: Sample): PearsonResult {
  const [x, y] = checkPair('pearson', a, b, 2);
  const n = x.length;
  if (n === 2) {
    // SciPy: r = sign(dx) * sign(dy), p = 1.
    return { r: Math.sign((x[1] as number) - (x[0] as number)) * Math.sign((y[1] as number) - (y[0] as number)), p: 1 };
  }
  const r = correlationOf(x, y);
  const ab = n / 2 - 1;
  // As SciPy: beta(ab, ab, loc=-1, scale=2).sf(|r|) evaluated at x = (|r| + 1)/2; 1 - x is exact for x >= 1/2.
  const xb = (Math.abs(r) + 1) / 2;
  const p = Math.min(1, 2 * incompleteBetaTails(ab, ab, xb, 1 - xb).upper);
  return { r, p };
}

/** Result of {@link spearman}. */
export interface SpearmanResult {
  /** Spearman rank correlation (Pearson r of the average ranks). */
  rho: number;
  /** Two-sided p-value from the t distribution with n - 2 degrees of freedom, as SciPy. */
  p: number;
}

/**
 * Spearman rank correlation with its two-sided p-value, equal to `scipy.stats.spearmanr(a, b)`: ties get average
 * ranks; p uses t = rho * sqrt((n - 2) / ((1 + rho)(1 - rho))) with n - 2 degrees of freedom.
 * @throws if lengths differ, n < 3, a value is non-finite, or either sample is constant.
 */
export function spearman(a: Sample, b: Sample): SpearmanResult {
  const [x, y] = checkPair('spearman', a, b, 3);
  const rho = corrcoefOf(ranksOf(x), ranksOf(y));
  const dof = x.length - 2;
  const denom = (rho + 1) * (1 - rho);
  const t = denom > 0 ? rho * Math.sqrt(dof / denom) : rho * Infinity;
  const p = Math.min(1, 2 * studentTSf(Math.abs(t), dof));
  return { rho, p };
}

/** Result of {@link linearFit}: y ≈ a + b x. */
export interface LinearFitResult {
  /** Intercept. */
  a: number;
  /** Slope. */
  b: number;
  /** Coefficient of determination (squared Pearson r; 0 when y is constant, as scipy.stats.linregress). */
  r2: number;
}

/**
 * Ordinary least-squares line y = a + b x, equal to `scipy.stats.linregress(x, y)` (intercept, slope, rvalue^2).
 * @throws if lengths differ, n < 2, a value is non-finite, or x is constant (slope undefined).
 */
export function linearFit(x: Sample, y: Sample): LinearFitResult {
  const xs = toFiniteArray('linearFit', 'x', x, 2);
  const ys = toFiniteArray('linearFit', 'y', y, 2);
  requireSameLength('linearFit', xs, ys);
  if (isConstant(xs)) throw new Error('linearFit: x is constant; the slope is undefined');
  const n = xs.length;
  const mx = meanOf(xs);
  const my = meanOf(ys);
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const b = sxy / sxx;
  const a = my - b * mx;
  const r = syy === 0 ? 0 : Math.max(Math.min(sxy / Math.sqrt(sxx * syy), 1), -1);
  return { a, b, r2: r * r };
}

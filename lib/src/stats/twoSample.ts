/**
 * Two-sample comparisons: Welch's t-test, the two-sample Kolmogorov-Smirnov test and the Wasserstein-1 distance,
 * each equal to its SciPy counterpart.
 */
import { meanOf, sortedCopy, sumSquaredDeviations } from './descriptive';
import { ksProbOutsideInsideMethod, ksProbOutsideSquare, kolmogorovSf } from './kolmogorov';
import { studentTSf } from './special';
import { type Sample, toFiniteArray } from './validate';

/** Result of {@link welchTTest}. */
export interface WelchTTestResult {
  /** t statistic (mean(a) - mean(b)) / sqrt(var(a)/n_a + var(b)/n_b). */
  t: number;
  /** Welch-Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value. */
  p: number;
}

/**
 * Welch's unequal-variance two-sample t-test, equal to `scipy.stats.ttest_ind(a, b, equal_var=False)`.
 * @throws if either sample has fewer than 2 values or a non-finite value, or both samples are constant (t undefined).
 */
export function welchTTest(a: Sample, b: Sample): WelchTTestResult {
  const x = toFiniteArray('welchTTest', 'a', a, 2);
  const y = toFiniteArray('welchTTest', 'b', b, 2);
  const n1 = x.length;
  const n2 = y.length;
  const m1 = meanOf(x);
  const m2 = meanOf(y);
  const vn1 = sumSquaredDeviations(x, m1) / (n1 - 1) / n1;
  const vn2 = sumSquaredDeviations(y, m2) / (n2 - 1) / n2;
  const se2 = vn1 + vn2;
  if (!(se2 > 0)) throw new Error('welchTTest: both a and b are constant; the t statistic is undefined');
  const df = (se2 * se2) / ((vn1 * vn1) / (n1 - 1) + (vn2 * vn2) / (n2 - 1));
  const t = (m1 - m2) / Math.sqrt(se2);
  const p = Math.min(1, 2 * studentTSf(Math.abs(t), df));
  return { t, df, p };
}

/** Result of {@link ks2Samp}. */
export interface KsResult {
  /** KS statistic: the largest absolute difference between the two empirical CDFs. */
  d: number;
  /** Two-sided p-value. */
  p: number;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

/** numpy.round: round half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Max of F1 - F2 and of F2 - F1 over all data points, F the right-continuous empirical CDFs (O(n log n)). */
function ecdfExtremes(s1: Float64Array, s2: Float64Array): { maxS: number; minS: number } {
  const n1 = s1.length;
  const n2 = s2.length;
  let i = 0;
  let j = 0;
  let maxDiff = -Infinity;
  let minDiff = Infinity;
  while (i < n1 || j < n2) {
    // Next distinct value; advance both samples past all copies of it (searchsorted side='right').
    const v = j >= n2 || (i < n1 && (s1[i] as number) <= (s2[j] as number)) ? (s1[i] as number) : (s2[j] as number);
    while (i < n1 && s1[i] === v) i++;
    while (j < n2 && s2[j] === v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  return { maxS: maxDiff, minS: Math.min(Math.max(-minDiff, 0), 1) };
}

/** Largest sample size for which SciPy's method='auto' uses the exact distribution (scipy 1.10: MAX_AUTO_N). */
const KS_MAX_EXACT_N = 10000;

/**
 * Two-sample two-sided Kolmogorov-Smirnov test, equal to `scipy.stats.ks_2samp(a, b)` with its default
 * method='auto': the exact null distribution when max(n_a, n_b) <= 10000, otherwise SciPy's 'asymp' method
 * (kstwo with n = round(n_a n_b / (n_a + n_b))). Symmetric in a and b.
 */
export function ks2Samp(a: Sample, b: Sample): KsResult {
  const s1 = sortedCopy(toFiniteArray('ks2Samp', 'a', a, 1));
  const s2 = sortedCopy(toFiniteArray('ks2Samp', 'b', b, 1));
  const n1 = s1.length;
  const n2 = s2.length;
  const { maxS, minS } = ecdfExtremes(s1, s2);
  let d = minS > maxS ? minS : maxS;
  const g = gcd(n1, n2);
  let exactP: number | null = null;
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) exactP = 1;
    else {
      const prob = n1 === n2 ? ksProbOutsideSquare(n1, h) : ksProbOutsideInsideMethod(n1, n2, g, h);
      // SciPy falls back to the asymptotic method when the exact computation is not a probability.
      if (prob >= 0 && prob <= 1) exactP = prob;
    }
  }
  if (exactP !== null) return { d, p: exactP };
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const p = kolmogorovSf(roundHalfEven(en), d);
  return { d, p: Math.min(Math.max(p, 0), 1) };
}

/**
 * Wasserstein-1 (earth mover's) distance between the empirical distributions of two samples, equal to
 * `scipy.stats.wasserstein_distance(a, b)`: the integral of |F_a - F_b|. O(n log n); exactly symmetric.
 */
export function wasserstein1(a: Sample, b: Sample): number {
  const u = sortedCopy(toFiniteArray('wasserstein1', 'a', a, 1));
  const v = sortedCopy(toFiniteArray('wasserstein1', 'b', b, 1));
  const nu = u.length;
  const nv = v.length;
  const all = new Float64Array(nu + nv);
  all.set(u);
  all.set(v, nu);
  all.sort();
  let iu = 0;
  let iv = 0;
  let total = 0;
  for (let k = 0; k < all.length - 1; k++) {
    const x = all[k] as number;
    while (iu < nu && (u[iu] as number) <= x) iu++;
    while (iv < nv && (v[iv] as number) <= x) iv++;
    total += Math.abs(iu / nu - iv / nv) * ((all[k + 1] as number) - x);
  }
  return total;
}

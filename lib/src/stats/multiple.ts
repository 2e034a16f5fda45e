/**
 * Tests over several cells at once: the one-sample t-test of a mean against a fixed value and the Holm–Bonferroni
 * step-down adjustment of a family of p-values, and the three-valued verdict of every cell of such a family.
 */
import { meanOf, sumSquaredDeviations } from './descriptive';
import { studentTSf } from './special';
import { type Sample, toFiniteArray } from './validate';
import type { VerdictStatus } from './verdict';

/** Result of {@link oneSampleTTest}. */
export interface OneSampleTTestResult {
  mean: number;
  /** (mean − popmean) / (s/√n); ±Infinity when the sample is constant and differs from popmean. */
  t: number;
  df: number;
  /** Two-sided p-value (1 for a constant sample equal to popmean, 0 for a constant sample that differs). */
  p: number;
}

/**
 * One-sample Student t-test of H0: mean = popmean, equal to `scipy.stats.ttest_1samp(x, popmean)` for a sample that is
 * not constant. A constant sample has no sampling variance: p = 0 when it differs from popmean, 1 when equal (SciPy
 * returns NaN there).
 * @throws if x has fewer than 2 values or a non-finite value.
 */
export function oneSampleTTest(x: Sample, popmean: number): OneSampleTTestResult {
  const v = toFiniteArray('oneSampleTTest', 'x', x, 2);
  if (!Number.isFinite(popmean)) throw new Error(`oneSampleTTest: popmean must be finite, got ${popmean}`);
  const n = v.length;
  const m = meanOf(v);
  const df = n - 1;
  const ss = sumSquaredDeviations(v, m);
  if (!(ss > 0)) {
    if (m === popmean) return { mean: m, t: 0, df, p: 1 };
    return { mean: m, t: m > popmean ? Infinity : -Infinity, df, p: 0 };
  }
  const t = (m - popmean) / Math.sqrt(ss / df / n);
  return { mean: m, t, df, p: Math.min(1, 2 * studentTSf(Math.abs(t), df)) };
}

/**
 * Holm–Bonferroni adjusted p-values (step-down), in the input order: sort ascending, p̃(i) = max over j ≤ i of
 * min(1, (k − j + 1)·p(j)). Rejecting every hypothesis with p̃ < α controls the family-wise error rate at α. Equal to
 * `statsmodels.stats.multitest.multipletests(p, method='holm')[1]`. NaN entries are not part of the family (k counts
 * the finite ones) and stay NaN.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const idx = pValues.map((p, i) => ({ p, i })).filter((e) => Number.isFinite(e.p));
  for (const e of idx) if (e.p < 0 || e.p > 1) throw new Error(`holmAdjust: p-values must be in [0, 1]; got ${e.p}`);
  idx.sort((a, b) => a.p - b.p);
  const k = idx.length;
  const out = pValues.map(() => NaN);
  let running = 0;
  idx.forEach((e, j) => {
    running = Math.max(running, Math.min(1, (k - j) * e.p));
    out[e.i] = running;
  });
  return out;
}

/** One cell of a family tested against a threshold. */
export interface HolmCellVerdict {
  /** Two-sided p of the one-sample t-test against the threshold (NaN: fewer than `minN` values). */
  p: number;
  /** Holm-adjusted over the family. */
  pHolm: number;
  status: VerdictStatus;
}

/**
 * The verdict of every cell of a family "the cell's mean is above (below) `threshold`", corrected for the k cells by
 * Holm–Bonferroni: a cell holds when its adjusted p < alpha and its mean is on the claimed side, fails when adjusted
 * p < alpha on the other side, and is inconclusive otherwise — also when it has fewer than `minN` values (the
 * project's rule: an interval needs n ≥ 5), which then do not count in k.
 */
export function holmVerdicts(
  cells: readonly (readonly number[])[],
  threshold: number,
  holdsWhen: 'above' | 'below',
  options: { alpha?: number; minN?: number } = {},
): HolmCellVerdict[] {
  const alpha = options.alpha ?? 0.05;
  const minN = options.minN ?? 5;
  const tests = cells.map((values) => {
    const v = values.filter(Number.isFinite);
    return v.length >= Math.max(2, minN) ? oneSampleTTest(v, threshold) : null;
  });
  const adjusted = holmAdjust(tests.map((t) => (t === null ? NaN : t.p)));
  return tests.map((t, i) => {
    const pHolm = adjusted[i] as number;
    if (t === null || !(pHolm < alpha)) return { p: t === null ? NaN : t.p, pHolm, status: 'inconclusive' as const };
    const above = t.mean > threshold;
    const holds = holdsWhen === 'above' ? above : !above;
    return { p: t.p, pHolm, status: holds ? ('holds' as const) : ('fails' as const) };
  });
}

/** All cells must hold for a claim made "regardless of" them; one failing cell fails it; otherwise inconclusive. */
export function verdictAll(statuses: readonly VerdictStatus[]): VerdictStatus {
  if (statuses.length === 0) return 'inconclusive';
  if (statuses.some((s) => s === 'fails')) return 'fails';
  return statuses.every((s) => s === 'holds') ? 'holds' : 'inconclusive';
}

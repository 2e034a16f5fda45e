/**
 * The statistics behind notebook 05's transfer verdicts, kept apart from the training so that each can be checked
 * against hand-computed and SciPy values: the options of the mean interval over independent seeds, per-seed freezing slopes, contrasts paired by seed, the Bonferroni level of a family of claims,
 * and the plateau rule that says whether a fine-tuning run had converged.
 */
import type { MeanIntervalOptions } from '../../stats/intervals';

/**
 * The interval rule of the transfer verdicts, on top of stats/intervals meanInterval's (t from n = 5, bootstrap for
 * 2-4): identical values give no interval, since fine-tuned models that agree exactly could not differ (a zero-width
 * interval would claim a certainty that n identical values do not carry), and 4000 bootstrap resamples.
 */
export const TRANSFER_INTERVAL = { identical: 'none', resamples: 4000 } as const satisfies MeanIntervalOptions;

/**
 * Two-sided level of each interval in a family of m claims decided at overall error rate alpha (Bonferroni, the
 * interval form of Holm's first step): 1 − alpha/m; with `equivalence` (two one-sided tests per claim) 1 − 2·alpha/m.
 */
export function bonferroniLevel(alpha: number, m: number, kind: 'two-sided' | 'equivalence' = 'two-sided'): number {
  if (!(alpha > 0 && alpha < 0.5)) throw new Error(`bonferroniLevel: alpha must be in (0, 0.5); got ${alpha}`);
  if (!(Number.isInteger(m) && m >= 1)) throw new Error(`bonferroniLevel: m must be a positive integer; got ${m}`);
  return 1 - ((kind === 'equivalence' ? 2 : 1) * alpha) / m;
}

/** Least-squares slope of y on x (accuracy per frozen layer when x = k); NaN with fewer than 2 distinct x. */
export function leastSquaresSlope(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`leastSquaresSlope: x has ${x.length} values, y ${y.length}`);
  const n = x.length;
  if (n < 2) return NaN;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += ((x[i] as number) - mx) * ((y[i] as number) - my);
    sxx += ((x[i] as number) - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : NaN;
}

/**
 * a(s) − b(s) for every seed s present in both maps with finite values, in ascending seed order: the per-unit
 * differences of a paired design (the same seed's source model and data draws on both sides).
 */
export function pairedBySeed(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): { seeds: number[]; differences: number[] } {
  const seeds = [...a.keys()].filter((s) => b.has(s) && Number.isFinite(a.get(s)) && Number.isFinite(b.get(s))).sort((x, y) => x - y);
  return { seeds, differences: seeds.map((s) => (a.get(s) as number) - (b.get(s) as number)) };
}

export interface PlateauRule {
  /** Share of the epochs in each of the two windows compared (the last ones and the ones just before). */
  window: number;
  /** Converged when the mean loss of the last window is at least (1 − relative) × that of the window before… */
  relative: number;
  /** …or when the last window's mean loss is below this (a loss that small has nothing left to fall). */
  absolute: number;
}

/** The rule fixed before any run: the training loss fell by < 10% over the last 10% of the epochs, or is < 0.05. */
export const FINE_TUNE_PLATEAU: PlateauRule = { window: 0.1, relative: 0.1, absolute: 0.05 };

/**
 * Whether a run's per-epoch training losses had reached a plateau (see PlateauRule); needs ≥ 2 epochs. A run of one
 * epoch cannot show a plateau and does not pass.
 */
export function lossPlateaued(losses: readonly number[], rule: PlateauRule = FINE_TUNE_PLATEAU): boolean {
  const n = losses.length;
  if (n < 2 || !losses.every(Number.isFinite)) return false;
  const w = Math.max(1, Math.min(Math.floor(n / 2), Math.round(rule.window * n)));
  const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const last = mean(losses.slice(n - w));
  const before = mean(losses.slice(n - 2 * w, n - w));
  return last < rule.absolute || last >= (1 - rule.relative) * before;
}

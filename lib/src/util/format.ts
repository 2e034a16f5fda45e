// Number formatting for generated text and tables. Each formatter takes whatever a result field or table cell holds
// and writes 'n/a' for anything that is not a finite number, so a missing value never prints as 'NaN%'.

/** A result field or table cell as a number (NaN when it is not one). */
export function asNumber(x: unknown): number {
  return typeof x === 'number' ? x : NaN;
}

/** A fraction as a percentage: 0.1234 → '12.3%'. */
export function percent(x: unknown, digits = 1): string {
  const v = asNumber(x);
  return Number.isFinite(v) ? `${(100 * v).toFixed(digits)}%` : 'n/a';
}

/** A difference of two fractions in signed percentage points: 0.031 → '+3.1', -0.2 → '-20.0'. */
export function signedPoints(x: unknown, digits = 1): string {
  const v = asNumber(x);
  return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(100 * v).toFixed(digits)}` : 'n/a';
}

/** Scientific notation: 0.000123 → '1.2e-4'. */
export function scientific(x: unknown, digits = 1): string {
  const v = asNumber(x);
  return Number.isFinite(v) ? v.toExponential(digits) : 'n/a';
}

/** Fixed-point notation: 1.2345 → '1.23'. */
export function fixed(x: unknown, digits = 2): string {
  const v = asNumber(x);
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

/** A fraction and its 95% CI as percentages, '61.2% [95% CI 58.0%, 64.4%]'; only the mean when there is no interval. */
export function percentWithCI(mean: unknown, lo: unknown, hi: unknown): string {
  return Number.isFinite(asNumber(lo)) ? `${percent(mean)} [95% CI ${percent(lo)}, ${percent(hi)}]` : percent(mean);
}

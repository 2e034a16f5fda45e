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

/** Significant digits: 0.012345 → '0.0123', 1234.5 → '1.23e+3'. */
export function significant(x: unknown, digits = 3): string {
  const v = asNumber(x);
  return Number.isFinite(v) ? v.toPrecision(digits) : 'n/a';
}

/** Fixed-point with an explicit sign: 0.1234 → '+0.123', -2 → '-2.000' (digits 3). */
export function signedFixed(x: unknown, digits = 2): string {
  const v = asNumber(x);
  return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(digits)}` : 'n/a';
}

/** A multiplicative factor: 0.5 → '×0.500' (half as large), 2 → '×2.00'. */
export function factor(x: unknown, digits = 3): string {
  const v = asNumber(x);
  return Number.isFinite(v) ? `×${v.toPrecision(digits)}` : 'n/a';
}

/**
 * Significant digits for magnitudes in [0.01, 1000), scientific notation outside, '0' for zero: a compact label for
 * numbers whose scale is not known in advance (tolerances, distances): 0.5 → '0.500', 12345 → '1.23e+4'.
 */
export function compact(x: unknown, digits = 3): string {
  const v = asNumber(x);
  if (!Number.isFinite(v)) return 'n/a';
  if (v === 0) return '0';
  return Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? v.toPrecision(digits) : v.toExponential(digits - 1);
}

/** A p-value in two significant digits, or '< floor' below `floor` (default 1e-4): 0.0312 → '0.031', 1e-7 → '< 1e-4'. */
export function pValue(p: unknown, floor = 1e-4): string {
  const v = asNumber(p);
  if (!Number.isFinite(v)) return 'n/a';
  return v < floor ? `< ${floor < 1e-3 ? floor.toExponential() : String(floor)}` : v.toPrecision(2);
}

/** A duration given in milliseconds, in seconds below two minutes and in minutes from there: 4500 → '4.5 s', 150000 → '2.5 min'. */
export function duration(ms: unknown): string {
  const v = asNumber(ms);
  if (!Number.isFinite(v)) return 'n/a';
  return v >= 120000 ? `${(v / 60000).toFixed(1)} min` : `${(v / 1000).toFixed(1)} s`;
}

/** A count of multiply-adds with an SI prefix: 3.2e9 → '3.20 GMAC', 512 → '512 MAC'. */
export function multiplyAdds(n: unknown): string {
  const v = asNumber(n);
  if (!Number.isFinite(v)) return 'n/a';
  const units: [number, string][] = [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M']];
  for (const [scale, prefix] of units) if (Math.abs(v) >= scale) return `${(v / scale).toFixed(2)} ${prefix}MAC`;
  return `${v.toFixed(0)} MAC`;
}

/** Interval bounds in brackets, each written by `format`: '[+1.2, +3.4]'; '[n/a]' when either bound is not finite. */
export function interval(lo: unknown, hi: unknown, format: (x: unknown) => string = fixed): string {
  return Number.isFinite(asNumber(lo)) && Number.isFinite(asNumber(hi)) ? `[${format(lo)}, ${format(hi)}]` : '[n/a]';
}

/** An elapsed time as a clock reading for progress lines: 42000 → '42s', 125000 → '2m05s', 7.2e6 → '2h00m'; '--' when unknown. */
export function clockDuration(ms: unknown): string {
  const v = asNumber(ms);
  if (!Number.isFinite(v) || v < 0) return '--';
  const s = Math.round(v / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A byte count in megabytes: 12345678 → '12.3 MB'. */
export function megabytes(bytes: unknown): string {
  const v = asNumber(bytes);
  return Number.isFinite(v) ? `${(v / 1e6).toFixed(1)} MB` : 'n/a';
}

import { bootstrapCI, meanCI } from './intervals';
/**
 * The three-valued verdicts every notebook prints (holds / fails / inconclusive), decided from an interval and a
 * threshold fixed before the data: a claim holds when the whole interval is on its side of the threshold, fails when
 * the whole interval is on the other side, and is inconclusive when the interval contains the threshold (or there
 * is no interval to decide with).
 */

export type VerdictStatus = 'holds' | 'fails' | 'inconclusive';

/** An estimate with its interval, how many independent units it rests on, and how the interval was made. */
export interface IntervalEstimate {
  estimate: number;
  lo: number;
  hi: number;
  /** Independent units (trained models, replicate curves) behind the interval. */
  n: number;
  /** e.g. 't 95%', 'bootstrap percentile 95%'. */
  method: string;
}

const hasInterval = (i: IntervalEstimate): boolean => Number.isFinite(i.lo) && Number.isFinite(i.hi) && i.lo <= i.hi;

/** The claim is "the quantity is above `threshold`" ('above') or "below it" ('below'). */
export function verdictAgainstThreshold(i: IntervalEstimate, threshold: number, holdsWhen: 'above' | 'below'): VerdictStatus {
  if (!hasInterval(i)) return 'inconclusive';
  if (holdsWhen === 'above') return i.lo > threshold ? 'holds' : i.hi < threshold ? 'fails' : 'inconclusive';
  return i.hi < threshold ? 'holds' : i.lo > threshold ? 'fails' : 'inconclusive';
}

/** The claim is "the quantity lies within [lower, upper]": holds inside, fails when the interval misses the band. */
export function verdictWithinBand(i: IntervalEstimate, lower: number, upper: number): VerdictStatus {
  if (!(lower <= upper)) throw new Error(`verdictWithinBand: need lower <= upper, got ${lower} > ${upper}`);
  if (!hasInterval(i)) return 'inconclusive';
  if (i.lo >= lower && i.hi <= upper) return 'holds';
  if (i.hi < lower || i.lo > upper) return 'fails';
  return 'inconclusive';
}

/** Both parts must hold; either failing fails the claim; otherwise it is inconclusive. */
export function verdictBoth(a: VerdictStatus, b: VerdictStatus): VerdictStatus {
  if (a === 'fails' || b === 'fails') return 'fails';
  return a === 'holds' && b === 'holds' ? 'holds' : 'inconclusive';
}

/**
 * Mean over independent units with a 95% interval: Student-t from 5 units on, a seeded percentile bootstrap of the
 * mean for 2-4 units (the project's rule: a t-interval needs n ≥ 5), no interval below 2. Non-finite values are
 * left out and not counted.
 */
export function meanIntervalEstimate(values: readonly number[], seed: number): IntervalEstimate {
  const v = values.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { estimate: NaN, lo: NaN, hi: NaN, n: 0, method: 'none' };
  const m = v.reduce((s, x) => s + x, 0) / n;
  if (n === 1) return { estimate: m, lo: NaN, hi: NaN, n, method: 'one value' };
  if (v.every((x) => x === v[0])) return { estimate: m, lo: m, hi: m, n, method: 'all equal' };
  if (n >= 5) {
    const ci = meanCI(v, 0.95);
    return { estimate: m, lo: ci.lo, hi: ci.hi, n, method: 't 95%' };
  }
  const ci = bootstrapCI(v, (s) => s.reduce((a, x) => a + x, 0) / s.length, { seed, n: 2000 });
  return { estimate: m, lo: ci.lo, hi: ci.hi, n, method: 'bootstrap 95%' };
}

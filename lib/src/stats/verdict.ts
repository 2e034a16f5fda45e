/**
 * The three-valued verdicts every notebook prints (holds / fails / inconclusive), decided from an interval and a
 * threshold fixed before the data: a claim holds when the whole interval is on its side of the threshold, fails when
 * the whole interval is on the other side, and is inconclusive when the interval contains the threshold (or there
 * is no interval to decide with).
 */

export type VerdictStatus = 'holds' | 'fails' | 'inconclusive';

/** The bounds a verdict is decided from: a MeanCI (stats/intervals) or an IntervalEstimate. */
export interface Interval {
  lo: number;
  hi: number;
}

/**
 * An interval of a statistic that is not a mean (a bootstrap percentile interval of a ratio of argmaxes, say), with
 * how many independent units it rests on and how it was made. A mean over units is a MeanCI (stats/intervals).
 */
export interface IntervalEstimate {
  estimate: number;
  lo: number;
  hi: number;
  /** Independent units (trained models, replicate curves) behind the interval. */
  n: number;
  /** e.g. 't 95%', 'bootstrap percentile 95%'. */
  method: string;
}

const hasInterval = (i: Interval): boolean => Number.isFinite(i.lo) && Number.isFinite(i.hi) && i.lo <= i.hi;

/** The claim is "the quantity is above `threshold`" ('above') or "below it" ('below'). */
export function verdictAgainstThreshold(i: Interval, threshold: number, holdsWhen: 'above' | 'below'): VerdictStatus {
  if (!hasInterval(i)) return 'inconclusive';
  if (holdsWhen === 'above') return i.lo > threshold ? 'holds' : i.hi < threshold ? 'fails' : 'inconclusive';
  return i.hi < threshold ? 'holds' : i.lo > threshold ? 'fails' : 'inconclusive';
}

/** The claim is "the quantity lies within [lower, upper]": holds inside, fails when the interval misses the band. */
export function verdictWithinBand(i: Interval, lower: number, upper: number): VerdictStatus {
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

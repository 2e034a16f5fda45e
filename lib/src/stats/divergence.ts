/**
 * Kullback-Leibler divergences (in nats): between the histograms of two samples on shared bins, and the closed
 * form between two normal distributions.
 */
import { type Sample, requireFiniteNumber, requireInteger, requirePositive, toFiniteArray } from './validate';

/** Options of {@link klHistogram}. */
export interface KlHistogramOptions {
  /** Number of equal-width bins (>= 1). */
  bins: number;
  /** [lo, hi] of the shared bins; default the union range [min(p ∪ q), max(p ∪ q)]. Values outside are ignored. */
  range?: readonly [number, number];
  /**
   * Smoothing: eps is added to every bin's probability (count / total) before the histogram is renormalised, so
   * empty bins of q do not make the divergence infinite. Default 1e-10; 0 disables it (the result may be Infinity).
   */
  eps?: number;
}

/** numpy.histogram with `bins` equal bins on [lo, hi] (last bin closed; same edge rounding rules as numpy). */
function histogramCounts(v: Float64Array, bins: number, lo: number, hi: number): Float64Array {
  const counts = new Float64Array(bins);
  // numpy: edges = linspace(lo, hi, bins + 1); index = floor((x - lo) * bins / (hi - lo)), then corrected
  // against the actual edges so that values on an edge fall in the bin to its right.
  const step = (hi - lo) / bins;
  const edge = (i: number): number => (i === bins ? hi : lo + i * step);
  const norm = bins / (hi - lo);
  for (let k = 0; k < v.length; k++) {
    const x = v[k] as number;
    if (x < lo || x > hi) continue;
    let i = Math.floor((x - lo) * norm);
    if (i === bins) i--;
    if (x < edge(i)) i--;
    else if (i !== bins - 1 && x >= edge(i + 1)) i++;
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

/**
 * KL(P || Q) in nats between the histograms of samples p and q on shared, equal-width bin edges.
 * Each histogram is normalised to probabilities, eps is added to every bin and the result renormalised
 * (see {@link KlHistogramOptions.eps}); then KL = sum_i P_i log(P_i / Q_i).
 * When the range is degenerate (all values equal) it is widened to [lo - 0.5, hi + 0.5], as numpy.histogram does.
 * @throws on empty or non-finite samples, bins < 1, an invalid range, eps < 0, or a sample with no value in range.
 */
export function klHistogram(p: Sample, q: Sample, options: KlHistogramOptions): number {
  if (options === null || typeof options !== 'object') throw new Error('klHistogram: options {bins, range?, eps?} are required');
  const { bins } = options;
  requireInteger('klHistogram', 'options.bins', bins, 1);
  const eps = options.eps ?? 1e-10;
  requireFiniteNumber('klHistogram', 'options.eps', eps);
  if (eps < 0) throw new Error(`klHistogram: options.eps must be >= 0, got ${eps}`);
  const a = toFiniteArray('klHistogram', 'p', p, 1);
  const b = toFiniteArray('klHistogram', 'q', q, 1);
  let lo: number;
  let hi: number;
  if (options.range !== undefined) {
    const r = options.range;
    if (!Array.isArray(r) || r.length !== 2) throw new Error('klHistogram: options.range must be [lo, hi]');
    [lo, hi] = r as [number, number];
    requireFiniteNumber('klHistogram', 'options.range[0]', lo);
    requireFiniteNumber('klHistogram', 'options.range[1]', hi);
    if (!(lo < hi)) throw new Error(`klHistogram: options.range must have lo < hi, got [${lo}, ${hi}]`);
  } else {
    lo = Infinity;
    hi = -Infinity;
    for (const v of [a, b]) {
      for (let i = 0; i < v.length; i++) {
        lo = Math.min(lo, v[i] as number);
        hi = Math.max(hi, v[i] as number);
      }
    }
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
  }
  const ca = histogramCounts(a, bins, lo, hi);
  const cb = histogramCounts(b, bins, lo, hi);
  const probs = (c: Float64Array, name: string): Float64Array => {
    let total = 0;
    for (let i = 0; i < bins; i++) total += c[i] as number;
    if (total === 0) throw new Error(`klHistogram: no value of ${name} lies in the range [${lo}, ${hi}]`);
    const out = new Float64Array(bins);
    let s = 0;
    for (let i = 0; i < bins; i++) {
      out[i] = (c[i] as number) / total + eps;
      s += out[i] as number;
    }
    for (let i = 0; i < bins; i++) out[i] = (out[i] as number) / s;
    return out;
  };
  const pa = probs(ca, 'p');
  const pb = probs(cb, 'q');
  let kl = 0;
  for (let i = 0; i < bins; i++) {
    const x = pa[i] as number;
    if (x === 0) continue;
    const y = pb[i] as number;
    kl += x * Math.log(x / y);
  }
  return Math.max(kl, 0);
}

/** u - log(1 + u), accurate also for small |u| (series), for u > -1. */
function uMinusLog1p(u: number): number {
  if (Math.abs(u) < 1e-3) {
    // u^2/2 - u^3/3 + u^4/4 - ...
    let term = u;
    let sum = 0;
    for (let k = 2; k <= 8; k++) {
      term *= -u;
      sum -= term / k;
    }
    return sum;
  }
  return u - Math.log1p(u);
}

/**
 * Closed-form KL(N(mu1, sd1^2) || N(mu2, sd2^2)) = log(sd2/sd1) + (sd1^2 + (mu1 - mu2)^2) / (2 sd2^2) - 1/2, in nats,
 * written as ((r - 1) - log r)/2 + (mu1 - mu2)^2 / (2 sd2^2) with r = sd1^2/sd2^2 so it stays accurate when the
 * distributions nearly coincide.
 * @throws unless means are finite and standard deviations finite and > 0.
 */
export function klGaussian(mu1: number, sd1: number, mu2: number, sd2: number): number {
  requireFiniteNumber('klGaussian', 'mu1', mu1);
  requirePositive('klGaussian', 'sd1', sd1);
  requireFiniteNumber('klGaussian', 'mu2', mu2);
  requirePositive('klGaussian', 'sd2', sd2);
  const u = ((sd1 - sd2) * (sd1 + sd2)) / (sd2 * sd2); // r - 1
  const dm = (mu1 - mu2) / sd2;
  return 0.5 * uMinusLog1p(u) + 0.5 * dm * dm;
}

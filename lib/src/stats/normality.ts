/**
 * Shapiro-Wilk test of normality: Royston's algorithm AS R94 (1995) as shipped in SciPy (scipy/stats/statlib/
 * swilk.f, called by scipy.stats.shapiro).
 *
 * SciPy's swilk.f works in single precision (Fortran REAL): the centred, sorted sample is rounded to float32 and
 * every operation is rounded to float32. To return SciPy's numbers (not merely close ones - near W = 1 the float32
 * rounding moves the p-value in its 4th digit) this port repeats that arithmetic operation by operation with
 * Math.fround, keeping the same constants (e.g. sqrt(1/2) written as 0.70711) and evaluation order. The tail
 * probability is SciPy's double-precision ALNORM (AS 66), also ported as is.
 */
import { medianOf } from './descriptive';
import { type Sample, isConstant, toFiniteArray } from './validate';

const f = Math.fround;

// swilk.f DATA statements, rounded to float32 as the Fortran compiler does.
const C1 = [0.0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056].map(f);
const C2 = [0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633].map(f);
const C3 = [0.544, -0.39978, 0.025054, -6.714e-4].map(f);
const C4 = [1.3822, -0.77857, 0.062767, -0.0020322].map(f);
const C5 = [-1.5861, -0.31082, -0.083751, 0.0038915].map(f);
const C6 = [-0.4803, -0.082676, 0.0030302].map(f);
const G = [-2.273, 0.459].map(f);
const SQRTH = f(0.70711);
const TH = f(0.375);
const SMALL = f(1e-19);
const PI6 = f(1.909859);
const STQR = f(1.047198);

/** AS 181.2 polynomial c[0] + c[1] x + ... in float32, same evaluation order as swilk.f's POLY. */
function poly(c: readonly number[], x: number): number {
  const nord = c.length;
  let result = c[0] as number;
  if (nord === 1) return result;
  let p = f(x * (c[nord - 1] as number));
  for (let j = nord - 2; j >= 1; j--) p = f(f(p + (c[j] as number)) * x);
  result = f(result + p);
  return result;
}

// AS 111 coefficients (float32), used by swilk.f's PPND for the expected normal order statistics.
const PA = [2.50662823884, -18.61500062529, 41.39119773534, -25.44106049637].map(f);
const PB = [-8.4735109309, 23.08336743743, -21.06224101826, 3.13082909833].map(f);
const PC = [-2.78718931138, -2.29796479134, 4.85014127135, 2.32121276858].map(f);
const PD = [3.54388924762, 1.63706781897].map(f);

/** AS 111 normal quantile in float32 (swilk.f's PPND). */
function ppnd(p: number): number {
  const q = f(p - 0.5);
  if (Math.abs(q) <= f(0.42)) {
    const r = f(q * q);
    const num = f(f(f(f(f(f(PA[3]! * r) + PA[2]!) * r) + PA[1]!) * r) + PA[0]!);
    const den = f(f(f(f(f(f(f(f(PB[3]! * r) + PB[2]!) * r) + PB[1]!) * r) + PB[0]!) * r) + 1);
    return f(f(q * num) / den);
  }
  let r = q > 0 ? f(1 - p) : p;
  r = f(Math.sqrt(f(-f(Math.log(r)))));
  const num = f(f(f(f(f(f(PC[3]! * r) + PC[2]!) * r) + PC[1]!) * r) + PC[0]!);
  const den = f(f(f(f(PD[1]! * r) + PD[0]!) * r) + 1);
  const value = f(num / den);
  return q < 0 ? -value : value;
}

/** AS 66 upper normal tail area (swilk.f's double-precision ALNORM with UPPER = .TRUE.). */
function alnormUpper(x: number): number {
  let up = true;
  let z = x;
  if (z < 0) {
    up = false;
    z = -z;
  }
  let result: number;
  if (!(z <= 7 || (up && z <= 38))) {
    result = 0;
  } else {
    const y = 0.5 * z * z;
    if (z > 1.28) {
      result =
        (0.398942280385 * Math.exp(-y)) /
        (z -
          3.8052e-8 +
          1.00000615302 /
            (z +
              3.98064794e-4 +
              1.98615381364 /
                (z - 0.151679116635 + 5.29330324926 / (z + 4.8385912808 - 15.1508972451 / (z + 0.742380924027 + 30.789933034 / (z + 3.99019417011))))));
    } else {
      result = 0.5 - z * (0.398942280444 - (0.399903438504 * y) / (y + 5.75885480458 - 29.8213557808 / (y + 2.62433121679 + 48.6959930692 / (y + 5.92885724438))));
    }
  }
  return up ? result : 1 - result;
}

/** Shapiro-Wilk coefficients a[0 .. n/2 - 1] for sample size n (float32, swilk.f with INIT = .FALSE.). */
function swilkCoefficients(n: number): number[] {
  const nn2 = Math.floor(n / 2);
  const a = new Array<number>(nn2).fill(0);
  if (n === 3) {
    a[0] = SQRTH;
    return a;
  }
  const an = f(n);
  const an25 = f(an + 0.25);
  let summ2 = 0;
  for (let i = 1; i <= nn2; i++) {
    const ai = ppnd(f(f(f(i) - TH) / an25));
    a[i - 1] = ai;
    summ2 = f(summ2 + f(ai * ai));
  }
  summ2 = f(summ2 * 2);
  const ssumm2 = f(Math.sqrt(summ2));
  const rsn = f(1 / f(Math.sqrt(an)));
  const a0 = a[0] as number;
  const a1 = f(poly(C1, rsn) - f(a0 / ssumm2));
  let i1: number;
  let fac: number;
  if (n > 5) {
    i1 = 3;
    const a1orig = a[1] as number;
    const a2 = f(f(-a1orig / ssumm2) + poly(C2, rsn));
    const num = f(f(summ2 - f(2 * f(a0 * a0))) - f(2 * f(a1orig * a1orig)));
    const den = f(f(1 - f(2 * f(a1 * a1))) - f(2 * f(a2 * a2)));
    fac = f(Math.sqrt(f(num / den)));
    a[0] = a1;
    a[1] = a2;
  } else {
    i1 = 2;
    const num = f(summ2 - f(2 * f(a0 * a0)));
    const den = f(1 - f(2 * f(a1 * a1)));
    fac = f(Math.sqrt(f(num / den)));
    a[0] = a1;
  }
  for (let i = i1; i <= nn2; i++) a[i - 1] = f(-(a[i - 1] as number) / fac);
  return a;
}

/** Result of {@link shapiroWilk}. */
export interface ShapiroWilkResult {
  /** The W statistic (float32 precision, as SciPy). */
  w: number;
  /** p-value for the null hypothesis that the sample comes from a normal distribution. */
  p: number;
}

/**
 * Shapiro-Wilk W test for normality, equal to `scipy.stats.shapiro(x)`.
 * @param x sample of 3 to 5000 finite values, not all equal.
 * @throws if n is outside [3, 5000], x holds a non-finite value, or x is constant (W undefined; SciPy warns and
 *   returns W = 1, p = 1).
 */
export function shapiroWilk(x: Sample): ShapiroWilkResult {
  const v = toFiniteArray('shapiroWilk', 'x', x, 3);
  const n = v.length;
  if (n > 5000) {
    throw new Error(`shapiroWilk: x must have at most 5000 values (AS R94's p-value is only valid up to 5000), got ${n}`);
  }
  if (isConstant(v)) throw new Error('shapiroWilk: x is constant (zero range); W is undefined');
  // As scipy.stats.shapiro: subtract the median in double precision, sort, then hand float32 values to swilk.
  const med = medianOf(v);
  const centred = new Float64Array(n);
  for (let i = 0; i < n; i++) centred[i] = (v[i] as number) - med;
  centred.sort();
  const xs = new Float32Array(centred);
  if (!Number.isFinite(xs[0]) || !Number.isFinite(xs[n - 1])) {
    throw new Error('shapiroWilk: x - median(x) exceeds the float32 range that SciPy\'s single-precision swilk uses');
  }
  const a = swilkCoefficients(n);
  const coef = (k: number): number => a[k - 1] as number; // 1-based A(k)
  const an = f(n);

  const range = f((xs[n - 1] as number) - (xs[0] as number));
  if (range < SMALL) throw new Error('shapiroWilk: x has (numerically) zero range; W is undefined');

  // Mean of the (antisymmetric) coefficients and of the range-scaled data, as in swilk.f loop 50.
  let sx = f((xs[0] as number) / range);
  let sa = -coef(1);
  let j = n - 1;
  for (let i = 2; i <= n; i++) {
    const xi = f((xs[i - 1] as number) / range);
    sx = f(sx + xi);
    if (i !== j) sa = f(sa + Math.sign(i - j) * coef(Math.min(i, j)));
    j--;
  }
  sa = f(sa / an);
  sx = f(sx / an);

  // W as the squared correlation between data and coefficients (loop 60).
  let ssa = 0;
  let ssx = 0;
  let sax = 0;
  j = n;
  for (let i = 1; i <= n; i++) {
    const asa = i !== j ? f(Math.sign(i - j) * coef(Math.min(i, j)) - sa) : f(-sa);
    const xsx = f(f((xs[i - 1] as number) / range) - sx);
    ssa = f(ssa + f(asa * asa));
    ssx = f(ssx + f(xsx * xsx));
    sax = f(sax + f(asa * xsx));
    j--;
  }
  // W1 = 1 - W, computed this way to avoid rounding error for W near 1.
  const ssassx = f(Math.sqrt(f(ssa * ssx)));
  const w1 = f(f(f(ssassx - sax) * f(ssassx + sax)) / f(ssa * ssx));
  const w = f(1 - w1);

  if (n === 3) {
    const pw = f(PI6 * f(f(Math.asin(f(Math.sqrt(w)))) - STQR));
    // At W = 0.75 (the smallest W for n = 3, e.g. ties [1, 1, 2]) float32 rounding gives a p a hair below 0.
    return { w, p: Math.min(1, Math.max(0, pw)) };
  }
  let y = f(Math.log(w1));
  const lxx = f(Math.log(an));
  let m: number;
  let s: number;
  if (n <= 11) {
    const gamma = poly(G, an);
    if (y >= gamma) return { w, p: SMALL };
    y = f(-f(Math.log(f(gamma - y))));
    m = poly(C3, an);
    s = f(Math.exp(poly(C4, an)));
  } else {
    m = poly(C5, lxx);
    s = f(Math.exp(poly(C6, lxx)));
  }
  const p = f(alnormUpper(f(f(y - m) / s)));
  return { w, p };
}

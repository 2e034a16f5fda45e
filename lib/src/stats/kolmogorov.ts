/**
 * Distributions of Kolmogorov-Smirnov statistics, ported from SciPy so that ks2Samp returns SciPy's p-values:
 *  - exact two-sample null distribution (scipy.stats._stats_py: _compute_prob_outside_square and the pythran
 *    _compute_outer_prob_inside_method, Hodges 1958 with Viehmann's 2021 recursion for 1 - p);
 *  - the one-sample two-sided distribution `kstwo` (scipy.stats._ksstats.kolmogn, Simard & L'Ecuyer 2011), which
 *    scipy's ks_2samp uses as its 'asymp' method;
 *  - the one-sided Smirnov distribution (scipy.special.smirnov, Birnbaum & Tingey 1951).
 */
import { logGamma } from './special';

const TWO_128 = 2 ** 128;
const TWO_M128 = 2 ** -128;

/** Probability that a path of the n x n two-sample lattice leaves the band |x - y| < h: P(D_{n,n} >= h/n). */
export function ksProbOutsideSquare(n: number, h: number): number {
  // P = 2 * A0 * (1 - A1 * (1 - A2 * (...))), Horner-like to avoid the cancellation of the alternating sum.
  let p = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
    k--;
  }
  return 2 * p;
}

/**
 * Proportion of lattice paths from (0,0) to (m,n) that do not stay strictly inside |x/m - y/n| < h/lcm(m,n);
 * i.e. the exact two-sided p-value P(D_{m,n} >= h/lcm). Port of SciPy's `_compute_outer_prob_inside_method`.
 */
export function ksProbOutsideInsideMethod(m0: number, n0: number, g: number, h: number): number {
  let m = m0;
  let n = n0;
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = ((A[jj + minj - lastminj] as number) * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, Math.min(maxj - minj + (lastlen - curlen), lenA));
  }
  return A[maxj - minj - 1] as number;
}

/** scipy.special.smirnov(n, x): P(D+_n >= x) for the one-sided one-sample statistic (Birnbaum-Tingey sum). */
export function smirnovSf(n: number, x: number): number {
  if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`smirnovSf: n must be a positive integer, got ${n}`);
  if (!(x >= 0 && x <= 1)) throw new Error(`smirnovSf: x must be in [0, 1], got ${x}`);
  if (x === 0) return 1;
  if (x === 1) return 0;
  // Massart: P(D+ >= x) <= exp(-2 n x^2); below ~1e-326 every term underflows anyway.
  if (2 * n * x * x > 750) return 0;
  // P = x * sum_{v=0}^{floor(n(1-x))} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v); every term is positive, each is
  // evaluated in log space.
  const nn = Math.floor(n * (1 - x));
  const logNFact = logGamma(n + 1);
  let p = 0;
  for (let v = 0; v <= nn; v++) {
    const evn = x + v / n;
    const omevn = 1 - x - v / n;
    if (!(omevn > 0)) continue; // (1 - x - v/n)^(n - v) = 0 since v < n
    const logTerm =
      logNFact - logGamma(v + 1) - logGamma(n - v + 1) + (v - 1) * Math.log(evn) + (n - v) * Math.log(omevn);
    p += Math.exp(logTerm);
  }
  return Math.min(Math.max(p * x, 0), 1);
}

/** p * 2^e without overflowing in the intermediate power of two. */
function ldexp(p: number, e: number): number {
  let v = p;
  let k = e;
  while (k > 1000) {
    v *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    v *= 2 ** -1000;
    k += 1000;
  }
  return v * 2 ** k;
}

function clip01(p: number): number {
  return Math.min(Math.max(p, 0), 1);
}

/** Multiplies two m x m row-major matrices. */
function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k] as number;
      if (aik === 0) continue;
      const rowB = k * m;
      const rowO = i * m;
      for (let j = 0; j < m; j++) out[rowO + j] = (out[rowO + j] as number) + aik * (b[rowB + j] as number);
    }
  }
  return out;
}

function maxAbs(a: Float64Array): number {
  let mx = 0;
  for (let i = 0; i < a.length; i++) mx = Math.max(mx, Math.abs(a[i] as number));
  return mx;
}

/** Pr(D_n <= d) by the Durbin matrix method as in Marsaglia, Tsang & Wang (2003) (SciPy `_kolmogn_DMTW`). */
function kolmogorovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1] as number;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r] as number;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c] as number;
  let Hpwr: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let hExpnt = 0;
  // Binary powering with power-of-two rescaling (exact), tracking the exponents separately. SciPy rescales in long
  // double; Hpwr is rescaled too here so that plain doubles never overflow.
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H, m);
      expnt += hExpnt;
      if (maxAbs(Hpwr) > TWO_128) {
        for (let i = 0; i < Hpwr.length; i++) Hpwr[i] = (Hpwr[i] as number) * TWO_M128;
        expnt += 128;
      }
    }
    H = matmul(H, H, m);
    hExpnt *= 2;
    if (maxAbs(H) > TWO_128) {
      for (let i = 0; i < H.length; i++) H[i] = (H[i] as number) * TWO_M128;
      hExpnt += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = Hpwr[(k - 1) * m + (k - 1)] as number;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < TWO_M128) {
      p *= TWO_128;
      expnt -= 128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip01(p);
}

function pomeranzBounds(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pr(D_n <= x) by Pomeranz's recursion (1974) (SciPy `_kolmogn_Pomeranz`). */
function kolmogorovCdfPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = ((gpower[m - 1] as number) * gOverN) / m;
    twogpower[m] = ((twogpower[m - 1] as number) * twoGOverN) / m;
    onem2gpower[m] = ((onem2gpower[m - 1] as number) * oneMinusTwoGOverN) / m;
  }
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzBounds(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzBounds(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // Entries conv[j1-k1 .. j2-k1] of the full convolution of V0[k1-V0s ..][:ln2] with pwrs[:ln2].
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      const base = k1 - V0s;
      const segLen = Math.min(ln2, npwrs - base); // numpy slicing stops at the end of V0
      let mx = 0;
      for (let c = 0; c < convLen; c++) {
        const idx = convStart + c;
        let s = 0;
        const aMin = Math.max(0, idx - (ln2 - 1));
        const aMax = Math.min(idx, segLen - 1);
        for (let a = aMin; a <= aMax; a++) s += (V0[base + a] as number) * (pwrs[idx - a] as number);
        V1[c] = s;
        if (s > mx) mx = s;
      }
      if (mx > 0 && mx < TWO_M128) {
        for (let c = 0; c < V1.length; c++) V1[c] = (V1[c] as number) * TWO_128;
        expnt -= 128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s] as number;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > TWO_128) {
      ans *= TWO_M128;
      expnt += 128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return clip01(ans);
}

const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT2PI = Math.sqrt(2 * Math.PI);

/** Pelz-Good (1976) asymptotic approximation of Pr(D_n <= x) (SciPy `_kolmogn_PelzGood`). */
function kolmogorovCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qpower = q ** (8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = (K[i] as number) * qpower + (coeffs[i] as number);
  }
  const denoms = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = ((K[i] as number) * q * SQRT2PI) / (denoms[i] as number);
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qp = q ** k2;
    k2extra += k2 * qp;
    const kspi = Math.PI * k;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * k2 * qp;
  }
  K[2] = (K[2] as number) + (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  K[3] = (K[3] as number) + (k3extra * PI2 * SQRT2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += (K[i] as number) / n ** (i / 2);
  return sum;
}

function logNFactorialDivNPowN(n: number): number {
  const c = [
    -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
    -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
  ];
  const rn = 1 / n;
  let poly = 0;
  for (const ci of c) poly = poly * (rn / n) + ci;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

/**
 * Survival function of the two-sided one-sample Kolmogorov-Smirnov statistic, P(D_n > x)
 * (= scipy.stats.kstwo.sf(x, n)), choosing among exact formulas, Durbin's matrix, Pomeranz and Pelz-Good exactly
 * as SciPy's `_kolmogn` does.
 */
export function kolmogorovSf(n: number, x: number): number {
  if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`kolmogorovSf: n must be a positive integer, got ${n}`);
  if (Number.isNaN(x)) throw new Error('kolmogorovSf: x is NaN');
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return clip01(1 - kolmogorovCdfDurbin(n, x));
    if (nxSquared <= 4) return clip01(1 - kolmogorovCdfPomeranz(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  const cdf = n <= 100000 && n * x ** 1.5 <= 1.4 ? kolmogorovCdfDurbin(n, x) : kolmogorovCdfPelzGood(n, x);
  return clip01(1 - cdf);
}

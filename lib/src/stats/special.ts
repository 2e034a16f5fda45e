/**
 * Special functions and the distribution functions the tests need: log-gamma, the regularised incomplete beta
 * function, the normal and Student-t distributions. Double precision throughout; tails are computed directly
 * (never as 1 - something close to 1) and prefactors in log space, so small p-values keep their relative accuracy.
 */

// Lanczos coefficients (g = 671/128, 14 terms) from Numerical Recipes 3rd ed., relative error < 1e-15 for x > 0.
const LANCZOS = [
  57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199, 0.339946499848118887e-4,
  0.465236289270485756e-4, -0.983744753048795646e-4, 0.158088703224912494e-3, -0.210264441724104883e-3,
  0.217439618115212643e-3, -0.164318106536763890e-3, 0.844182239838527433e-4, -0.261908384015814087e-4,
  0.368991826595316234e-5,
];

/** Natural log of the gamma function, for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new Error(`logGamma: x must be > 0, got ${x}`);
  if (x === Infinity) return Infinity;
  let y = x;
  let tmp = x + 5.2421875;
  tmp = (x + 0.5) * Math.log(tmp) - tmp;
  let ser = 0.999999999999997092;
  for (const c of LANCZOS) ser += c / ++y;
  return tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** Stirling-series remainder lgamma(x) - ((x - 1/2) log x - x + log(2 pi)/2), for x >= 10 (error < 1e-16). */
function logGammaCorrection(x: number): number {
  const x2 = 1 / (x * x);
  return (
    (1 / 12 - x2 * (1 / 360 - x2 * (1 / 1260 - x2 * (1 / 1680 - x2 * (1 / 1188 - x2 * (691 / 360360 - x2 / 156)))))) / x
  );
}

const HALF_LOG_2PI = 0.918938533204672742;

/**
 * log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a + b), for a, b > 0. For large arguments the big Stirling terms are
 * cancelled analytically (as R's lbeta), so e.g. log B(5e6, 0.5) keeps full relative accuracy.
 */
export function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (!(p > 0)) throw new Error(`logBeta: a and b must be > 0, got a=${a}, b=${b}`);
  if (p >= 10) {
    const corr = logGammaCorrection(p) + logGammaCorrection(q) - logGammaCorrection(p + q);
    return -0.5 * Math.log(q) + HALF_LOG_2PI + corr + (p - 0.5) * Math.log(p / (p + q)) + q * Math.log1p(-p / (p + q));
  }
  if (q >= 10) {
    const corr = logGammaCorrection(q) - logGammaCorrection(p + q);
    return logGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return logGamma(p) + logGamma(q) - logGamma(p + q);
}

/** Modified Lentz evaluation of the continued fraction for I_x(a, b) (converges fast for x < (a+1)/(a+b+2)). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  // Convergence takes O(sqrt(max(a, b))) steps; the cap only guards against a runaway loop.
  const maxIter = 1000 + Math.ceil(20 * Math.sqrt(Math.max(a, b)));
  for (let m = 1; m <= maxIter; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Both halves of the regularised incomplete beta function: lower = I_x(a, b), upper = 1 - I_x(a, b). */
export interface BetaTails {
  lower: number;
  upper: number;
}

/**
 * I_x(a, b) and its complement, each computed directly on its own side so that neither loses relative accuracy.
 * `y` must equal 1 - x but is passed separately (callers often know it without cancellation); `logX`, `logY` may be
 * given when x or y would underflow.
 */
export function incompleteBetaTails(
  a: number,
  b: number,
  x: number,
  y: number = 1 - x,
  logX: number = Math.log(x),
  logY: number = Math.log(y),
): BetaTails {
  if (!(a > 0) || !(b > 0)) throw new Error(`incompleteBeta: a and b must be > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1) || Number.isNaN(y)) throw new Error(`incompleteBeta: x must be in [0, 1], got ${x}`);
  if (logX === -Infinity || x === 0) return { lower: 0, upper: 1 };
  if (logY === -Infinity || y === 0) return { lower: 1, upper: 0 };
  const logFront = a * logX + b * logY - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) {
    const lower = (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
    return { lower, upper: 1 - lower };
  }
  const upper = (Math.exp(logFront) * betaContinuedFraction(b, a, y)) / b;
  return { lower: 1 - upper, upper };
}

/** Regularised incomplete beta function I_x(a, b) (= scipy.special.betainc(a, b, x)). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  return incompleteBetaTails(a, b, x).lower;
}

// W. J. Cody (1969) rational Chebyshev approximations for erf/erfc (netlib specfun CALERF), ~1e-16 relative.
const ERF_A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const ERF_B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const ERFC_C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const ERFC_D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
const ERFC_P = [
  0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4,
  0.0163153871373020978,
];
const ERFC_Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
const SQRT_PI_INV = 0.56418958354775628695;

/** exp(-y*y) with the square split so the rounding of y*y does not cost relative accuracy for large y. */
function expMinusSquare(y: number): number {
  const ysq = Math.trunc(16 * y) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del);
}

/** Complementary error function erfc(x) = 1 - erf(x), accurate in the far right tail. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) throw new Error('erfc: x is NaN');
  const y = Math.abs(x);
  let result: number;
  if (y <= 0.46875) {
    const ysq = y > 1.11e-16 ? y * y : 0;
    let xnum = ERF_A[4]! * ysq;
    let xden = ysq;
    for (let i = 0; i < 3; i++) {
      xnum = (xnum + ERF_A[i]!) * ysq;
      xden = (xden + ERF_B[i]!) * ysq;
    }
    return 1 - (x * (xnum + ERF_A[3]!)) / (xden + ERF_B[3]!);
  } else if (y <= 4) {
    let xnum = ERFC_C[8]! * y;
    let xden = y;
    for (let i = 0; i < 7; i++) {
      xnum = (xnum + ERFC_C[i]!) * y;
      xden = (xden + ERFC_D[i]!) * y;
    }
    result = ((xnum + ERFC_C[7]!) / (xden + ERFC_D[7]!)) * expMinusSquare(y);
  } else if (y < 26.55) {
    const ysq = 1 / (y * y);
    let xnum = ERFC_P[5]! * ysq;
    let xden = ysq;
    for (let i = 0; i < 4; i++) {
      xnum = (xnum + ERFC_P[i]!) * ysq;
      xden = (xden + ERFC_Q[i]!) * ysq;
    }
    result = (ysq * (xnum + ERFC_P[4]!)) / (xden + ERFC_Q[4]!);
    result = ((SQRT_PI_INV - result) / y) * expMinusSquare(y);
  } else {
    result = 0;
  }
  return x < 0 ? 2 - result : result;
}

/** Standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** Standard normal CDF P(Z <= z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Standard normal survival function P(Z > z), accurate for large z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Standard normal quantile, Wichura's AS 241 (PPND16), ~1e-16 relative. */
export function normalPpf(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new Error(`normalPpf: p must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r +
          45921.953931549871457) *
          r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((5226.495278852854561 * r + 28729.085735721942674) * r + 39307.89580009271061) * r +
        21213.794301586595867) *
        r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value =
      (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
        1.27045825245236838258) *
        r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
        0.14810397642748007459) *
        r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    value =
      (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
        0.026532189526576123093) *
        r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) *
        r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -value : value;
}

/** Both tails of Student's t at t with df degrees of freedom: lower = P(T <= t), upper = P(T > t). */
export interface StudentTTails {
  lower: number;
  upper: number;
}

function checkDf(fn: string, df: number): void {
  if (!(df > 0) || Number.isNaN(df)) throw new Error(`${fn}: df must be > 0, got ${df}`);
}

/**
 * Student's t CDF and survival function at once, via P(|T| > |t|) = I_{df/(df+t^2)}(df/2, 1/2).
 * Works for non-integer df (Welch) and keeps tiny tail probabilities accurate.
 */
export function studentTTails(t: number, df: number): StudentTTails {
  checkDf('studentT', df);
  if (Number.isNaN(t)) throw new Error('studentT: t is NaN');
  if (t === Infinity) return { lower: 1, upper: 0 };
  if (t === -Infinity) return { lower: 0, upper: 1 };
  if (t === 0) return { lower: 0.5, upper: 0.5 };
  if (df === Infinity) return { lower: normalCdf(t), upper: normalSf(t) };
  // x = df / (df + t^2) = 1 / (1 + r^2) with r = |t| / sqrt(df); logs kept separately so x may underflow.
  const r = Math.abs(t) / Math.sqrt(df);
  let x: number;
  let y: number;
  let logX: number;
  let logY: number;
  if (r < 1e100) {
    const r2 = r * r;
    x = 1 / (1 + r2);
    y = r2 / (1 + r2);
    logX = -Math.log1p(r2);
    logY = -Math.log1p(1 / r2);
  } else {
    logX = -2 * Math.log(r);
    x = Math.exp(logX);
    logY = 0;
    y = 1;
  }
  const tails = incompleteBetaTails(df / 2, 0.5, x, y, logX, logY);
  const beyond = 0.5 * tails.lower; // P(T > |t|)
  const within = 0.5 + 0.5 * tails.upper; // P(T <= |t|)
  return t > 0 ? { lower: within, upper: beyond } : { lower: beyond, upper: within };
}

/** Student's t CDF P(T <= t) (= scipy.special.stdtr(df, t)). */
export function studentTCdf(t: number, df: number): number {
  return studentTTails(t, df).lower;
}

/** Student's t survival function P(T > t). */
export function studentTSf(t: number, df: number): number {
  return studentTTails(t, df).upper;
}

/** Student's t density. */
export function studentTPdf(t: number, df: number): number {
  checkDf('studentTPdf', df);
  const logPdf =
    logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df);
  return Math.exp(logPdf);
}

/**
 * Student's t quantile (= scipy.stats.t.ppf(p, df)). Closed forms for df = 1, 2; otherwise a Cornish-Fisher start
 * refined by Newton steps on the tail probability, kept inside a bisection bracket.
 */
export function studentTPpf(p: number, df: number): number {
  checkDf('studentTPpf', df);
  if (!(p >= 0 && p <= 1)) throw new Error(`studentTPpf: p must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // Solve for the upper tail: t > 0 with P(T > t) = tail.
  const tail = p < 0.5 ? p : 1 - p;
  const sign = p < 0.5 ? -1 : 1;
  if (df === 1) return sign / Math.tan(Math.PI * tail);
  if (df === 2) return (sign * (1 - 2 * tail)) / Math.sqrt(2 * tail * (1 - tail));
  if (df === Infinity) return sign * -normalPpf(tail);
  const z = -normalPpf(tail);
  const z2 = z * z;
  let t =
    z +
    (z * (z2 + 1)) / (4 * df) +
    (z * ((5 * z2 + 16) * z2 + 3)) / (96 * df * df) +
    (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / (384 * df ** 3) +
    (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / (92160 * df ** 4);
  if (!(t > 0) || !Number.isFinite(t)) t = z > 0 ? z : 1;
  // Bracket [lo, hi] with sf(lo) >= tail >= sf(hi).
  let lo = 0;
  let hi = t;
  while (studentTSf(hi, df) > tail) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) return sign * Infinity;
  }
  t = hi === t ? t : (lo + hi) / 2;
  const logTail = Math.log(tail);
  for (let iter = 0; iter < 200; iter++) {
    const sf = studentTSf(t, df);
    if (sf > tail) lo = t;
    else hi = t;
    const pdf = studentTPdf(t, df);
    // Newton on log sf(t) = log tail: d/dt log sf = -pdf / sf.
    let next = pdf > 0 && sf > 0 ? t + ((Math.log(sf) - logTail) * sf) / pdf : NaN;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-15 * Math.abs(t)) {
      t = next;
      break;
    }
    t = next;
  }
  return sign * t;
}

/**
 * Linear centred kernel alignment (CKA) between two representations of the same n examples
 * (Kornblith et al. 2019, "Similarity of Neural Network Representations Revisited"), and its debiased form
 * (Nguyen, Raghu & Kornblith 2021) that uses the unbiased HSIC estimator of Song et al. (2012).
 */
import { type Matrix, toCheckedMatrix } from './validate';

/** Options of {@link linearCKA}. */
export interface LinearCKAOptions {
  /** Use the unbiased HSIC estimator (needs n >= 4). Default false. */
  debiased?: boolean;
  /**
   * How to compute: 'features' works with p x q cross-products (O(n (p + q)^2), memory O((p + q)^2)), 'gram' with
   * n x n Gram matrices (O(n^2 (p + q)), memory O(n^2)). Default 'auto' picks the cheaper; both give the same value.
   */
  method?: 'auto' | 'features' | 'gram';
}

/** Centres each column in place (subtracts the column mean). */
function centreColumns(data: Float64Array, rows: number, cols: number): void {
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += data[r * cols + c] as number;
    const m = s / rows;
    for (let r = 0; r < rows; r++) data[r * cols + c] = (data[r * cols + c] as number) - m;
  }
}

/** A^T B for row-major A (n x p) and B (n x q): a p x q row-major result. */
function crossProduct(a: Float64Array, p: number, b: Float64Array, q: number, n: number): Float64Array {
  const out = new Float64Array(p * q);
  for (let r = 0; r < n; r++) {
    const ar = r * p;
    const br = r * q;
    for (let i = 0; i < p; i++) {
      const v = a[ar + i] as number;
      if (v === 0) continue;
      const oi = i * q;
      for (let j = 0; j < q; j++) out[oi + j] = (out[oi + j] as number) + v * (b[br + j] as number);
    }
  }
  return out;
}

/** |A^T A|_F^2 for row-major A (n x p), accumulating only the upper triangle of the symmetric A^T A. */
function selfCrossSumOfSquares(a: Float64Array, p: number, n: number): number {
  const out = new Float64Array(p * p);
  for (let r = 0; r < n; r++) {
    const ar = r * p;
    for (let i = 0; i < p; i++) {
      const v = a[ar + i] as number;
      if (v === 0) continue;
      const oi = i * p;
      for (let j = i; j < p; j++) out[oi + j] = (out[oi + j] as number) + v * (a[ar + j] as number);
    }
  }
  let diag = 0;
  let off = 0;
  for (let i = 0; i < p; i++) {
    diag += (out[i * p + i] as number) ** 2;
    for (let j = i + 1; j < p; j++) off += (out[i * p + j] as number) ** 2;
  }
  return diag + 2 * off;
}

function sumOfSquares(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (a[i] as number);
  return s;
}

/** Squared norm of each row. */
function rowSquaredNorms(a: Float64Array, n: number, p: number): Float64Array {
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let i = 0; i < p; i++) s += (a[r * p + i] as number) ** 2;
    out[r] = s;
  }
  return out;
}

/**
 * Unbiased estimate of <K, L> for centred features (Kornblith's `_debiased_dot_product_similarity_helper`):
 * xty - n/(n-2) * sum_i |x_i|^2 |y_i|^2 + |X|_F^2 |Y|_F^2 / ((n-1)(n-2)), with xty = |X^T Y|_F^2.
 */
function debiasedDot(xty: number, rowsX: Float64Array, rowsY: Float64Array, normX: number, normY: number, n: number): number {
  let dot = 0;
  for (let i = 0; i < n; i++) dot += (rowsX[i] as number) * (rowsY[i] as number);
  return xty - (n / (n - 2)) * dot + (normX * normY) / ((n - 1) * (n - 2));
}

function ckaFeatureSpace(x: Float64Array, p: number, y: Float64Array, q: number, n: number, debiased: boolean): number {
  let xy = sumOfSquares(crossProduct(x, p, y, q, n));
  let xx = selfCrossSumOfSquares(x, p, n);
  let yy = selfCrossSumOfSquares(y, q, n);
  if (debiased) {
    const rx = rowSquaredNorms(x, n, p);
    const ry = rowSquaredNorms(y, n, q);
    const nx = rx.reduce((s, v) => s + v, 0);
    const ny = ry.reduce((s, v) => s + v, 0);
    xy = debiasedDot(xy, rx, ry, nx, ny, n);
    xx = debiasedDot(xx, rx, rx, nx, nx, n);
    yy = debiasedDot(yy, ry, ry, ny, ny, n);
  }
  return finishCKA(xy, xx, yy);
}

/** Gram matrix A A^T (n x n) of row-major A (n x p). */
function gram(a: Float64Array, n: number, p: number): Float64Array {
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let c = 0; c < p; c++) s += (a[i * p + c] as number) * (a[j * p + c] as number);
      k[i * n + j] = s;
      k[j * n + i] = s;
    }
  }
  return k;
}

/**
 * Centres a Gram matrix in place: H K H, or for the unbiased estimator the U-centring of Kornblith's
 * `center_gram(unbiased=True)` (zero diagonal, means over n - 2).
 */
function centreGram(k: Float64Array, n: number, unbiased: boolean): void {
  if (unbiased) for (let i = 0; i < n; i++) k[i * n + i] = 0;
  const means = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += k[i * n + j] as number;
    means[j] = unbiased ? s / (n - 2) : s / n;
  }
  let total = 0;
  for (let j = 0; j < n; j++) total += means[j] as number;
  const shift = unbiased ? total / (2 * (n - 1)) : total / n / 2;
  for (let j = 0; j < n; j++) means[j] = (means[j] as number) - shift;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) k[i * n + j] = (k[i * n + j] as number) - (means[i] as number) - (means[j] as number);
  }
  if (unbiased) for (let i = 0; i < n; i++) k[i * n + i] = 0;
}

function ckaGram(x: Float64Array, p: number, y: Float64Array, q: number, n: number, debiased: boolean): number {
  const k = gram(x, n, p);
  const l = gram(y, n, q);
  centreGram(k, n, debiased);
  centreGram(l, n, debiased);
  let kl = 0;
  let kk = 0;
  let ll = 0;
  for (let i = 0; i < n * n; i++) {
    const a = k[i] as number;
    const b = l[i] as number;
    kl += a * b;
    kk += a * a;
    ll += b * b;
  }
  return finishCKA(kl, kk, ll);
}

function finishCKA(xy: number, xx: number, yy: number): number {
  if (!(xx > 0) || !(yy > 0)) {
    const which = !(xx > 0) ? 'X' : 'Y';
    throw new Error(`linearCKA: ${which} has no variance across examples (after centring); CKA is undefined`);
  }
  return xy / Math.sqrt(xx * yy);
}

/**
 * Linear CKA between representations X (n x p) and Y (n x q) of the same n examples (rows are examples):
 * CKA = |Y^T X|_F^2 / (|X^T X|_F |Y^T Y|_F) after centring each feature (column). With `debiased`, the three
 * HSIC terms use the unbiased estimator (Nguyen et al. 2021), which corrects the upward bias for small n / wide
 * features; it can be slightly negative.
 *
 * Matrices are `number[][]` (one row per example) or `{data, rows, cols}` row-major (Float64Array, Float32Array
 * or number[]). Invariant to orthogonal transforms and isotropic scaling of X or Y; CKA(X, X) = 1.
 * @throws if row counts differ, n < 2 (n < 4 when debiased), entries are non-finite, or a representation is constant.
 */
export function linearCKA(X: Matrix, Y: Matrix, options: LinearCKAOptions = {}): number {
  const debiased = options.debiased ?? false;
  const method = options.method ?? 'auto';
  if (method !== 'auto' && method !== 'features' && method !== 'gram') {
    throw new Error(`linearCKA: options.method must be 'auto', 'features' or 'gram', got ${String(method)}`);
  }
  const mx = toCheckedMatrix('linearCKA', 'X', X);
  const my = toCheckedMatrix('linearCKA', 'Y', Y);
  if (mx.rows !== my.rows) {
    throw new Error(`linearCKA: X and Y must have the same number of rows (examples), got ${mx.rows} and ${my.rows}`);
  }
  const n = mx.rows;
  const minRows = debiased ? 4 : 2;
  if (n < minRows) {
    throw new Error(`linearCKA: needs at least ${minRows} examples (rows)${debiased ? ' for the debiased estimator' : ''}, got ${n}`);
  }
  const p = mx.cols;
  const q = my.cols;
  centreColumns(mx.data, n, p);
  centreColumns(my.data, n, q);
  const featureCost = n * (p * q + p * p + q * q);
  const gramCost = n * n * (p + q) + 3 * n * n;
  const useGram = method === 'gram' || (method === 'auto' && gramCost < featureCost);
  return useGram ? ckaGram(mx.data, p, my.data, q, n, debiased) : ckaFeatureSpace(mx.data, p, my.data, q, n, debiased);
}

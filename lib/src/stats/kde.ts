/**
 * One-dimensional Gaussian kernel density estimate, equal to `scipy.stats.gaussian_kde(x)(grid)`.
 */
import { meanOf, sumSquaredDeviations } from './descriptive';
import { type Sample, isConstant, requirePositive, toFiniteArray } from './validate';

/**
 * Bandwidth choice, as scipy's `bw_method`: 'scott' (factor n^(-1/5), the default), 'silverman'
 * (factor (3n/4)^(-1/5)), or a number used directly as the factor. The kernel standard deviation is
 * factor * std(x, ddof=1).
 */
export type KdeBandwidth = 'scott' | 'silverman' | number;

/**
 * Gaussian KDE of sample `x` evaluated at each point of `grid`:
 * density(g) = 1/(n h sqrt(2 pi)) * sum_i exp(-(g - x_i)^2 / (2 h^2)), h = factor * std(x, ddof=1).
 * @throws if x has fewer than 2 values or is constant (zero bandwidth; SciPy raises a singular-matrix error),
 *   a value is non-finite, or the bandwidth is invalid.
 */
export function gaussianKDE(x: Sample, grid: Sample, bw: KdeBandwidth = 'scott'): number[] {
  const data = toFiniteArray('gaussianKDE', 'x', x, 2);
  const points = toFiniteArray('gaussianKDE', 'grid', grid, 0);
  if (isConstant(data)) throw new Error('gaussianKDE: x is constant; the bandwidth (std of x) is zero');
  const n = data.length;
  let factor: number;
  if (bw === 'scott') factor = n ** (-1 / 5);
  else if (bw === 'silverman') factor = ((n * 3) / 4) ** (-1 / 5);
  else if (typeof bw === 'number') {
    requirePositive('gaussianKDE', 'bw', bw);
    factor = bw;
  } else throw new Error(`gaussianKDE: bw must be 'scott', 'silverman' or a positive number, got ${String(bw)}`);
  const sd = Math.sqrt(sumSquaredDeviations(data, meanOf(data)) / (n - 1));
  const h = sd * factor;
  const norm = 1 / (n * h * Math.sqrt(2 * Math.PI));
  const out = new Array<number>(points.length);
  for (let g = 0; g < points.length; g++) {
    const pt = points[g] as number;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = (pt - (data[i] as number)) / h;
      s += Math.exp(-0.5 * z * z);
    }
    out[g] = s * norm;
  }
  return out;
}

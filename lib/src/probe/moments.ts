/**
 * Streaming per-unit mean and variance, in float64: each batch is summarised exactly (two passes over the batch),
 * then merged with Chan et al.'s pairwise formula — as stable as Welford and exact up to rounding (agrees with a
 * two-pass computation over all data to ~1e-12 relative).
 */
export class RunningMoments {
  /** Values seen per unit. */
  count = 0;
  readonly mean: Float64Array;
  /** Sum of squared deviations from the mean, per unit. */
  readonly m2: Float64Array;

  constructor(readonly units: number) {
    if (!Number.isInteger(units) || units < 1) throw new Error(`RunningMoments: units must be a positive integer, got ${units}`);
    this.mean = new Float64Array(units);
    this.m2 = new Float64Array(units);
  }

  /** Adds `rows` observations of all units: `values` is rows × units row-major (NHWC conv output = (N·H·W) × C). */
  addRows(values: Float32Array | Float64Array, rows: number): void {
    const d = this.units;
    if (values.length !== rows * d) throw new Error(`RunningMoments.addRows: ${values.length} values, expected rows·units = ${rows}·${d}`);
    if (rows === 0) return;
    const batchMean = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      for (let u = 0; u < d; u++) batchMean[u] = (batchMean[u] as number) + (values[o + u] as number);
    }
    for (let u = 0; u < d; u++) batchMean[u] = (batchMean[u] as number) / rows;
    const batchM2 = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      for (let u = 0; u < d; u++) {
        const dev = (values[o + u] as number) - (batchMean[u] as number);
        batchM2[u] = (batchM2[u] as number) + dev * dev;
      }
    }
    this.mergeParts(rows, batchMean, batchM2);
  }

  /** Merges another accumulator of the same units into this one (Chan's parallel formula). */
  merge(other: RunningMoments): void {
    if (other.units !== this.units) throw new Error(`RunningMoments.merge: ${other.units} units vs ${this.units}`);
    this.mergeParts(other.count, other.mean, other.m2);
  }

  private mergeParts(nb: number, meanB: Float64Array, m2B: Float64Array): void {
    if (nb === 0) return;
    const na = this.count;
    const n = na + nb;
    for (let u = 0; u < this.units; u++) {
      const delta = (meanB[u] as number) - (this.mean[u] as number);
      this.mean[u] = (this.mean[u] as number) + (delta * nb) / n;
      this.m2[u] = (this.m2[u] as number) + (m2B[u] as number) + (delta * delta * na * nb) / n;
    }
    this.count = n;
  }

  /** Variance per unit with `ddof` (0 = population, 1 = sample, as torch.std default); NaN when count ≤ ddof. */
  variance(ddof = 0): Float64Array {
    const out = new Float64Array(this.units);
    const denom = this.count - ddof;
    for (let u = 0; u < this.units; u++) out[u] = denom > 0 ? (this.m2[u] as number) / denom : NaN;
    return out;
  }

  /** √variance(ddof). */
  std(ddof = 0): Float64Array {
    return this.variance(ddof).map(Math.sqrt);
  }
}

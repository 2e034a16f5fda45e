/**
 * Streaming per-unit mean and variance (Welford within a batch, Chan et al. pairwise merge between batches), in
 * float64. Exact up to rounding: agrees with a two-pass computation to ~1e-12 relative.
 */
export class RunningMoments {
  /** Values seen per unit. */
  count = 0;
  readonly mean: Float64Array;
  /** Sum of squared deviations from the mean, per unit. */
  readonly m2: Float64Array;

  constructor(readonly units: number) {
    this.mean = new Float64Array(units);
    this.m2 = new Float64Array(units);
  }

  /** Adds `rows` observations of all units: `values` is rows × units row-major (NHWC conv output = (N·H·W) × C). */
  addRows(values: Float32Array | Float64Array, rows: number): void {
    void values;
    void rows;
    throw new Error('RunningMoments.addRows: not implemented yet');
  }

  /** Merges another accumulator of the same units into this one (Chan's parallel formula). */
  merge(other: RunningMoments): void {
    void other;
    throw new Error('RunningMoments.merge: not implemented yet');
  }

  /** Variance per unit with `ddof` (0 = population, 1 = sample, as torch.std default); NaN when count ≤ ddof. */
  variance(ddof = 0): Float64Array {
    void ddof;
    throw new Error('RunningMoments.variance: not implemented yet');
  }

  /** √variance(ddof). */
  std(ddof = 0): Float64Array {
    void ddof;
    throw new Error('RunningMoments.std: not implemented yet');
  }
}

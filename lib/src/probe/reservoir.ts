/**
 * Uniform random sample of fixed size per channel from a stream (reservoir sampling, Algorithm L with geometric
 * skips), seeded: the same stream and seed give the same sample. Used for per-kernel activation samples (seed 001:
 * 4000 values per kernel).
 */
export class ReservoirSampler {
  /** Values offered per channel so far. */
  seen = 0;

  constructor(
    readonly channels: number,
    readonly capacity: number,
    seed: number,
  ) {
    void seed;
    throw new Error('ReservoirSampler: not implemented yet');
  }

  /** Offers `rows` observations of every channel: `values` is rows × channels row-major. */
  addRows(values: Float32Array, rows: number): void {
    void values;
    void rows;
    throw new Error('ReservoirSampler.addRows: not implemented yet');
  }

  /** The sample of one channel: min(seen, capacity) values (a copy). */
  sample(channel: number): Float32Array {
    void channel;
    throw new Error('ReservoirSampler.sample: not implemented yet');
  }
}

import { createRng, type Rng } from '../util/random';

/** Child seed of a channel, so each channel's sample depends only on (seed, channel, its own stream). */
function channelSeed(seed: number, channel: number): number {
  return (Math.imul((Math.trunc(seed) >>> 0) ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(channel + 1, 0xc2b2ae35)) >>> 0;
}

/** Uniform in (0, 1): never 0, so logs stay finite. */
function openUnit(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.next();
  return u;
}

/**
 * Uniform random sample of fixed size per channel from a stream (reservoir sampling, Li's Algorithm L with
 * geometric skips: O(k·log(n/k)) random draws instead of one per value), seeded: the same stream and seed give the
 * same sample. Used for per-kernel activation samples (the original masking study: 4000 values per kernel).
 */
export class ReservoirSampler {
  /** Values offered per channel so far. */
  seen = 0;
  private readonly reservoirs: Float32Array[];
  private readonly rngs: Rng[];
  /** Per channel: log-weight W of Algorithm L and the stream index of the next value to take. */
  private readonly w: Float64Array;
  private readonly nextIndex: Float64Array;

  constructor(
    readonly channels: number,
    readonly capacity: number,
    seed: number,
  ) {
    if (!Number.isInteger(channels) || channels < 1) throw new Error(`ReservoirSampler: channels must be a positive integer, got ${channels}`);
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`ReservoirSampler: capacity must be a positive integer, got ${capacity}`);
    this.reservoirs = Array.from({ length: channels }, () => new Float32Array(capacity));
    this.rngs = Array.from({ length: channels }, (_, c) => createRng(channelSeed(seed, c)));
    this.w = new Float64Array(channels);
    this.nextIndex = new Float64Array(channels);
  }

  private skip(c: number, from: number): void {
    const rng = this.rngs[c] as Rng;
    this.w[c] = (this.w[c] as number) * Math.exp(Math.log(openUnit(rng)) / this.capacity);
    const gap = Math.floor(Math.log(openUnit(rng)) / Math.log(1 - (this.w[c] as number)));
    this.nextIndex[c] = from + gap + 1;
  }

  /** Offers `rows` observations of every channel: `values` is rows × channels row-major. */
  addRows(values: Float32Array, rows: number): void {
    const C = this.channels;
    const k = this.capacity;
    if (values.length !== rows * C) throw new Error(`ReservoirSampler.addRows: ${values.length} values, expected rows·channels = ${rows}·${C}`);
    const start = this.seen;
    const end = start + rows;
    for (let c = 0; c < C; c++) {
      const res = this.reservoirs[c] as Float32Array;
      let i = start;
      // Fill phase: the first k values are taken as they come.
      for (; i < Math.min(end, k); i++) res[i] = values[(i - start) * C + c] as number;
      if (i === k && start < k) {
        this.w[c] = 1;
        this.skip(c, k - 1);
      }
      if (end <= k) continue;
      while ((this.nextIndex[c] as number) < end) {
        const j = this.nextIndex[c] as number;
        res[(this.rngs[c] as Rng).int(k)] = values[(j - start) * C + c] as number;
        this.skip(c, j);
      }
    }
    this.seen = end;
  }

  /** The sample of one channel: min(seen, capacity) values (a copy), in reservoir order. */
  sample(channel: number): Float32Array {
    const res = this.reservoirs[channel];
    if (!res) throw new Error(`ReservoirSampler.sample: channel ${channel} outside 0..${this.channels - 1}`);
    return res.slice(0, Math.min(this.seen, this.capacity));
  }
}

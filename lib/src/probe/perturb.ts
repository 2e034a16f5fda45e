import type { ParameterSelection } from './distance';
import type { ParameterSnapshot } from './snapshot';

/**
 * θ → −θ for every entry (seed 002's "sign flip"). `batchNormStatistics: true` also flips BN moving mean and
 * variance (as the original: the running variance becomes negative); false leaves them (the meaningful variant).
 */
export function flipSigns(snapshot: ParameterSnapshot, options: { batchNormStatistics: boolean; include?: ParameterSelection }): ParameterSnapshot {
  void snapshot;
  void options;
  throw new Error('flipSigns: not implemented yet');
}

/** θ → θ + delta for every selected entry (seed 002's "distortion": delta = 1e-6, all entries). Default include 'all'. */
export function shiftConstant(snapshot: ParameterSnapshot, delta: number, options: { include?: ParameterSelection } = {}): ParameterSnapshot {
  void snapshot;
  void delta;
  void options;
  throw new Error('shiftConstant: not implemented yet');
}

/** θ → θ + σ·|θ|·ε, ε ~ N(0, 1) seeded (util/random), per element. Default include 'trainable'. */
export function addRelativeNoise(
  snapshot: ParameterSnapshot,
  sigma: number,
  seed: number,
  options: { include?: ParameterSelection } = {},
): ParameterSnapshot {
  void snapshot;
  void sigma;
  void seed;
  void options;
  throw new Error('addRelativeNoise: not implemented yet');
}

/** (1 − α)·a + α·b for every entry (1-D loss interpolation between two solutions; α outside [0,1] extrapolates). */
export function interpolateSnapshots(a: ParameterSnapshot, b: ParameterSnapshot, alpha: number): ParameterSnapshot {
  void a;
  void b;
  void alpha;
  throw new Error('interpolateSnapshots: not implemented yet');
}

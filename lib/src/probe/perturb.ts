import { createRng } from '../util/random';
import type { ParameterSelection } from './distance';
import { mapSnapshot, type ParameterSnapshot, type SnapshotEntry } from './snapshot';

function chooser(include: ParameterSelection | undefined, fallback: 'trainable' | 'all'): (e: SnapshotEntry) => boolean {
  const sel = include ?? fallback;
  if (sel === 'all') return () => true;
  if (sel === 'trainable') return (e) => e.trainable;
  return sel;
}

const isBatchNormStatistic = (e: SnapshotEntry): boolean => e.kind === 'bn-moving-mean' || e.kind === 'bn-moving-variance';

/**
 * θ → −θ for every entry (the original parameter-change study's "sign flip"). `batchNormStatistics: true` also flips BN moving mean and
 * variance (as the original: the running variance becomes negative); false leaves them (the meaningful variant).
 */
export function flipSigns(snapshot: ParameterSnapshot, options: { batchNormStatistics: boolean; include?: ParameterSelection }): ParameterSnapshot {
  const keep = chooser(options.include, 'all');
  return mapSnapshot(
    snapshot,
    (e) => (keep(e) && (options.batchNormStatistics || !isBatchNormStatistic(e)) ? e.values.map((v) => -v) : Float32Array.from(e.values)),
    `${snapshot.label}-flipped`,
  );
}

/** θ → θ + delta for every selected entry (the original parameter-change study's "distortion": delta = 1e-6, all entries). Default include 'all'. */
export function shiftConstant(snapshot: ParameterSnapshot, delta: number, options: { include?: ParameterSelection } = {}): ParameterSnapshot {
  if (!Number.isFinite(delta)) throw new Error(`shiftConstant: delta must be finite, got ${delta}`);
  const keep = chooser(options.include, 'all');
  return mapSnapshot(snapshot, (e) => (keep(e) ? e.values.map((v) => v + delta) : Float32Array.from(e.values)), `${snapshot.label}-shifted`);
}

/** θ → θ + σ·|θ|·ε, ε ~ N(0, 1) seeded (util/random), per element. Default include 'trainable'. */
export function addRelativeNoise(
  snapshot: ParameterSnapshot,
  sigma: number,
  seed: number,
  options: { include?: ParameterSelection } = {},
): ParameterSnapshot {
  if (!(sigma >= 0)) throw new Error(`addRelativeNoise: sigma must be ≥ 0, got ${sigma}`);
  const keep = chooser(options.include, 'trainable');
  const rng = createRng(seed);
  // Draws happen for selected entries only, in snapshot order: the noise of a parameter depends on the selection.
  return mapSnapshot(
    snapshot,
    (e) => (keep(e) ? e.values.map((v) => v + sigma * Math.abs(v) * rng.normal()) : Float32Array.from(e.values)),
    `${snapshot.label}-noise${sigma}`,
  );
}

/** (1 − α)·a + α·b for every entry (1-D loss interpolation between two solutions; α outside [0,1] extrapolates). */
export function interpolateSnapshots(a: ParameterSnapshot, b: ParameterSnapshot, alpha: number): ParameterSnapshot {
  if (!Number.isFinite(alpha)) throw new Error(`interpolateSnapshots: alpha must be finite, got ${alpha}`);
  const byName = new Map(b.entries.map((e) => [e.name, e]));
  return mapSnapshot(
    a,
    (ea) => {
      const eb = byName.get(ea.name);
      if (!eb || eb.values.length !== ea.values.length) {
        throw new Error(`interpolateSnapshots: '${ea.name}' is missing or has another size in '${b.label}'`);
      }
      const out = new Float32Array(ea.values.length);
      for (let i = 0; i < out.length; i++) out[i] = (1 - alpha) * (ea.values[i] as number) + alpha * (eb.values[i] as number);
      return out;
    },
    `${a.label}~${b.label}@${alpha}`,
  );
}

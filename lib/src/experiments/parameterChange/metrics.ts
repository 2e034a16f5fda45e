/**
 * Metrics of notebook 02 ("how much of a network moves in training") computed from two or more parameter snapshots:
 * changed fraction as a curve over the tolerance, the tolerance at which a given share stays unchanged, samples of
 * initial/final values split into changed and unchanged, distances along the snapshot path, and a mean ± CI
 * aggregation of tidy rows. Pure functions: no tensors, no training.
 */
import type { ParameterKind } from '../../models/parameters';
import type { ParameterSelection, Tolerance } from '../../probe/distance';
import type { ParameterSnapshot, SnapshotEntry } from '../../probe/snapshot';
import { createRng } from '../../util/random';

/**
 * How the tolerance τ of a curve enters |θ − θ₀| ≤ atol + rtol·|θ₀|:
 * - 'relative': rtol = τ, atol = the curve's fixed atol (default 1e-8, numpy's; only matters for θ₀ = 0);
 * - 'absolute': atol = τ, rtol = 0.
 */
export type ToleranceMode = 'relative' | 'absolute';

export interface ChangedFractionCurveOptions {
  mode: ToleranceMode;
  /** Tolerances τ, strictly increasing and ≥ 0. */
  taus: readonly number[];
  /** atol of the 'relative' mode (default 1e-8). */
  fixedAtol?: number;
  /** Which entries count (default 'trainable': weights, biases, BN gamma/beta; not BN moving statistics). */
  include?: ParameterSelection;
}

/** One point of a changed-fraction curve, for all selected parameters (group 'all') or one parameter kind. */
export type ChangedFractionPoint = {
  mode: ToleranceMode;
  tau: number;
  atol: number;
  rtol: number;
  /** 'all' or a ParameterKind. */
  group: 'all' | ParameterKind;
  changed: number;
  total: number;
  /** changed / total: share of elements with |θ − θ₀| > atol + rtol·|θ₀|. */
  fraction: number;
};

function selects(include: ParameterSelection, entry: SnapshotEntry): boolean {
  if (include === 'all') return true;
  if (include === 'trainable') return entry.trainable;
  return include(entry);
}

/** Pairs the selected entries of two snapshots by name; error names the first missing entry or size mismatch. */
export function pairedEntries(
  before: ParameterSnapshot,
  after: ParameterSnapshot,
  include: ParameterSelection = 'trainable',
): { before: SnapshotEntry; after: SnapshotEntry }[] {
  const byName = new Map(after.entries.map((e) => [e.name, e]));
  const pairs: { before: SnapshotEntry; after: SnapshotEntry }[] = [];
  for (const b of before.entries) {
    if (!selects(include, b)) continue;
    const a = byName.get(b.name);
    if (a === undefined) {
      throw new Error(`snapshot '${after.label}' has no parameter '${b.name}' (present in '${before.label}')`);
    }
    if (a.values.length !== b.values.length) {
      throw new Error(`parameter '${b.name}' has ${b.values.length} values in '${before.label}' but ${a.values.length} in '${after.label}'`);
    }
    pairs.push({ before: b, after: a });
  }
  if (pairs.length === 0) throw new Error(`no parameters selected in snapshot '${before.label}'`);
  return pairs;
}

function checkTaus(taus: readonly number[]): void {
  if (taus.length === 0) throw new Error('changedFractionCurve: taus is empty');
  for (let i = 0; i < taus.length; i++) {
    const t = taus[i] as number;
    if (!(t >= 0) || !Number.isFinite(t)) throw new Error(`changedFractionCurve: taus[${i}] must be a finite number ≥ 0; got ${t}`);
    if (i > 0 && !(t > (taus[i - 1] as number))) throw new Error(`changedFractionCurve: taus must be strictly increasing; taus[${i}] = ${t} after ${taus[i - 1]}`);
  }
}

/**
 * Changed fraction at every tolerance of a grid, for all selected parameters and per parameter kind, in one pass.
 * An element is unchanged at τ when |θ − θ₀| ≤ atol(τ) + rtol(τ)·|θ₀| (evaluated in float64, as written). The
 * predicate is monotone in τ, so each element's first unchanged grid index is found by binary search: the result is
 * exactly what evaluating the inequality at every grid point would give.
 */
export function changedFractionCurve(
  before: ParameterSnapshot,
  after: ParameterSnapshot,
  options: ChangedFractionCurveOptions,
): ChangedFractionPoint[] {
  const { mode, taus } = options;
  checkTaus(taus);
  const fixedAtol = options.fixedAtol ?? 1e-8;
  const g = taus.length;
  const atolAt = (k: number): number => (mode === 'relative' ? fixedAtol : (taus[k] as number));
  const rtolAt = (k: number): number => (mode === 'relative' ? (taus[k] as number) : 0);
  // firstUnchanged[k] counts elements whose first unchanged grid index is k (k = g: changed at every τ).
  const kinds = new Map<ParameterKind, { first: Float64Array; total: number }>();
  for (const { before: b, after: a } of pairedEntries(before, after, options.include ?? 'trainable')) {
    let acc = kinds.get(b.kind);
    if (acc === undefined) {
      acc = { first: new Float64Array(g + 1), total: 0 };
      kinds.set(b.kind, acc);
    }
    const x0 = b.values;
    const x1 = a.values;
    for (let i = 0; i < x0.length; i++) {
      const v0 = x0[i] as number;
      const d = Math.abs((x1[i] as number) - v0);
      const m0 = Math.abs(v0);
      let lo = 0;
      let hi = g; // answer in [lo, hi]
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (d <= atolAt(mid) + rtolAt(mid) * m0) hi = mid;
        else lo = mid + 1;
      }
      acc.first[lo] = (acc.first[lo] as number) + 1;
    }
    acc.total += x0.length;
  }
  const points: ChangedFractionPoint[] = [];
  const emit = (group: 'all' | ParameterKind, first: Float64Array, total: number): void => {
    let unchanged = 0;
    for (let k = 0; k < g; k++) {
      unchanged += first[k] as number;
      const changed = total - unchanged;
      points.push({ mode, tau: taus[k] as number, atol: atolAt(k), rtol: rtolAt(k), group, changed, total, fraction: changed / total });
    }
  };
  const all = new Float64Array(g + 1);
  let allTotal = 0;
  for (const acc of kinds.values()) {
    for (let k = 0; k <= g; k++) all[k] = (all[k] as number) + (acc.first[k] as number);
    allTotal += acc.total;
  }
  emit('all', all, allTotal);
  for (const [kind, acc] of kinds) emit(kind, acc.first, acc.total);
  return points;
}

/** a^(1−t)·b^t, exactly a at t = 0 and b at t = 1. */
function logInterpolate(a: number, b: number, t: number): number {
  if (t <= 0) return a;
  if (t >= 1) return b;
  return Math.exp(Math.log(a) + t * (Math.log(b) - Math.log(a)));
}

/**
 * The smallest tolerance at which at least `share` of the elements are unchanged, from a curve of (τ, changed
 * fraction) sorted by τ: linear interpolation in log τ between the two grid points that bracket it (the first grid
 * point when it already holds there, when that τ is 0 or the curve starts above). null when no grid point reaches it.
 */
export function toleranceForUnchangedShare(curve: readonly { tau: number; fraction: number }[], share: number): number | null {
  if (!(share >= 0 && share <= 1)) throw new Error(`toleranceForUnchangedShare: share must be in [0, 1]; got ${share}`);
  for (let k = 0; k < curve.length; k++) {
    const p = curve[k] as { tau: number; fraction: number };
    if (1 - p.fraction >= share) {
      if (k === 0) return p.tau;
      const q = curve[k - 1] as { tau: number; fraction: number };
      if (!(q.tau > 0)) return p.tau;
      const u0 = 1 - q.fraction;
      const u1 = 1 - p.fraction;
      return logInterpolate(q.tau, p.tau, u1 === u0 ? 1 : (share - u0) / (u1 - u0));
    }
  }
  return null;
}

/**
 * The largest tolerance up to which at least `share` of the elements are still changed (changed fraction ≥ share),
 * log-interpolated like {@link toleranceForUnchangedShare}; null when even the first grid point has fewer changed.
 * Returns the last τ of the grid when the share holds everywhere on it.
 */
export function toleranceForChangedShare(curve: readonly { tau: number; fraction: number }[], share: number): number | null {
  if (!(share >= 0 && share <= 1)) throw new Error(`toleranceForChangedShare: share must be in [0, 1]; got ${share}`);
  if (curve.length === 0) return null;
  if ((curve[0] as { fraction: number }).fraction < share) return null;
  for (let k = 1; k < curve.length; k++) {
    const p = curve[k] as { tau: number; fraction: number };
    if (p.fraction < share) {
      const q = curve[k - 1] as { tau: number; fraction: number };
      if (!(q.tau > 0)) return q.tau;
      return logInterpolate(q.tau, p.tau, p.fraction === q.fraction ? 0 : (q.fraction - share) / (q.fraction - p.fraction));
    }
  }
  return (curve[curve.length - 1] as { tau: number }).tau;
}

/** Initial and final values of a uniform random subset of elements, split by changed / unchanged at one tolerance. */
export interface ChangedValueSample {
  tolerance: Tolerance;
  /** Elements the sample was drawn from, and how many of them changed (exact, not from the sample). */
  population: number;
  populationChanged: number;
  initialChanged: number[];
  initialUnchanged: number[];
  finalChanged: number[];
  finalUnchanged: number[];
}

/**
 * Draws up to `samples` elements uniformly (without replacement, seeded) from the selected entries (default: conv and
 * dense weights) and returns their initial and final values split by the changed mask at `tolerance`. The sample keeps
 * the changed/unchanged proportions, so histograms of counts show them.
 */
export function changedValueSample(
  before: ParameterSnapshot,
  after: ParameterSnapshot,
  tolerance: Tolerance,
  options: { samples: number; seed: number; include?: ParameterSelection },
): ChangedValueSample {
  const include = options.include ?? ((e: SnapshotEntry) => e.kind === 'conv-weight' || e.kind === 'dense-weight');
  const pairs = pairedEntries(before, after, include);
  const offsets: number[] = [];
  let population = 0;
  for (const p of pairs) {
    offsets.push(population);
    population += p.before.values.length;
  }
  const isChanged = (v0: number, v1: number): boolean => Math.abs(v1 - v0) > tolerance.atol + tolerance.rtol * Math.abs(v0);
  let populationChanged = 0;
  for (const p of pairs) {
    for (let i = 0; i < p.before.values.length; i++) {
      if (isChanged(p.before.values[i] as number, p.after.values[i] as number)) populationChanged++;
    }
  }
  const take = Math.min(options.samples, population);
  const rng = createRng(options.seed);
  // Floyd's algorithm: `take` distinct indices without materialising a permutation of the population.
  const chosen = new Set<number>();
  for (let j = population - take; j < population; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  const sorted = [...chosen].sort((a, b) => a - b);
  const out: ChangedValueSample = {
    tolerance, population, populationChanged,
    initialChanged: [], initialUnchanged: [], finalChanged: [], finalUnchanged: [],
  };
  let entry = 0;
  for (const idx of sorted) {
    while (entry + 1 < pairs.length && (offsets[entry + 1] as number) <= idx) entry++;
    const p = pairs[entry] as { before: SnapshotEntry; after: SnapshotEntry };
    const i = idx - (offsets[entry] as number);
    const v0 = p.before.values[i] as number;
    const v1 = p.after.values[i] as number;
    if (isChanged(v0, v1)) {
      out.initialChanged.push(v0);
      out.finalChanged.push(v1);
    } else {
      out.initialUnchanged.push(v0);
      out.finalUnchanged.push(v1);
    }
  }
  return out;
}

/** A snapshot on the training path with its position in epochs (init = 0, after 0-based epoch e = e + 1). */
export interface PathPoint {
  label: string;
  epoch: number;
  snapshot: ParameterSnapshot;
}

/** One step of the snapshot path. */
export type PathStep = {
  from: string;
  to: string;
  fromEpoch: number;
  toEpoch: number;
  /** ‖θ_to − θ_from‖₂. */
  stepDistance: number;
  /** ‖θ_to − θ_init‖₂. */
  distanceFromInit: number;
  /** Both divided by ‖θ_init‖₂. */
  relativeStepDistance: number;
  relativeDistanceFromInit: number;
};

function l2(values: Float32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] as number) * (values[i] as number);
  return s;
}

function squaredDistance(pairs: readonly { before: SnapshotEntry; after: SnapshotEntry }[]): number {
  let s = 0;
  for (const { before: b, after: a } of pairs) {
    for (let i = 0; i < b.values.length; i++) {
      const d = (a.values[i] as number) - (b.values[i] as number);
      s += d * d;
    }
  }
  return s;
}

/** Distances between consecutive snapshots of a path (first point = init) and from init, over the selected entries. */
export function snapshotPathDistances(path: readonly PathPoint[], include: ParameterSelection = 'trainable'): PathStep[] {
  if (path.length < 2) throw new Error(`snapshotPathDistances: need at least 2 snapshots, got ${path.length}`);
  const init = (path[0] as PathPoint).snapshot;
  let initNorm2 = 0;
  for (const e of init.entries) if (selects(include, e)) initNorm2 += l2(e.values);
  const initNorm = Math.sqrt(initNorm2);
  const steps: PathStep[] = [];
  for (let k = 1; k < path.length; k++) {
    const prev = path[k - 1] as PathPoint;
    const cur = path[k] as PathPoint;
    const stepDistance = Math.sqrt(squaredDistance(pairedEntries(prev.snapshot, cur.snapshot, include)));
    const distanceFromInit = Math.sqrt(squaredDistance(pairedEntries(init, cur.snapshot, include)));
    steps.push({
      from: prev.label, to: cur.label, fromEpoch: prev.epoch, toEpoch: cur.epoch,
      stepDistance, distanceFromInit,
      relativeStepDistance: stepDistance / initNorm,
      relativeDistanceFromInit: distanceFromInit / initNorm,
    });
  }
  return steps;
}

export { meanCIByGroup } from '../../report/groups';

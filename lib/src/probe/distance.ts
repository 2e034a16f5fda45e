import type { ParameterKind } from '../models/parameters';
import type { ParameterSnapshot, SnapshotEntry } from './snapshot';

/**
 * Which entries a measure uses: 'trainable' (default for distances: weights, biases, BN gamma/beta), 'all' (also BN
 * moving statistics = the PyTorch state_dict), or a predicate.
 */
export type ParameterSelection = 'trainable' | 'all' | ((entry: SnapshotEntry) => boolean);

export interface SelectionOptions {
  include?: ParameterSelection;
}

/** Element-wise tolerance: an element is UNCHANGED when |θ − θ₀| ≤ atol + rtol·|θ₀| (numpy.isclose convention). */
export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Distances of one group (parameter, layer or kind). */
export interface DistanceRow {
  /** Parameter name, layer name or kind, depending on `by`. */
  group: string;
  size: number;
  /** ‖θ − θ₀‖₂. */
  distance: number;
  /** ‖θ₀‖₂ and ‖θ‖₂. */
  normBefore: number;
  normAfter: number;
  /** distance / normBefore (relative per-layer distance; NaN when normBefore = 0). */
  relativeDistance: number;
  /** distance / normAfter (the change rate of this group). */
  changeRate: number;
}

function selector(include: ParameterSelection | undefined, fallback: 'trainable' | 'all'): (e: SnapshotEntry) => boolean {
  const sel = include ?? fallback;
  if (sel === 'all') return () => true;
  if (sel === 'trainable') return (e) => e.trainable;
  return sel;
}

/** The entries of `include` (default 'trainable'); exported for the perturbations and other areas. */
export function selectEntries(snapshot: ParameterSnapshot, include?: ParameterSelection, fallback: 'trainable' | 'all' = 'trainable'): SnapshotEntry[] {
  const keep = selector(include, fallback);
  return snapshot.entries.filter(keep);
}

/** Pairs of selected entries of two snapshots by name; errors name the first mismatch. */
function pairs(a: ParameterSnapshot, b: ParameterSnapshot, include?: ParameterSelection): [SnapshotEntry, SnapshotEntry][] {
  const keep = selector(include, 'trainable');
  const byName = new Map(b.entries.map((e) => [e.name, e]));
  const out: [SnapshotEntry, SnapshotEntry][] = [];
  for (const ea of a.entries) {
    if (!keep(ea)) continue;
    const eb = byName.get(ea.name);
    if (!eb) throw new Error(`snapshots '${a.label}' and '${b.label}' differ: '${ea.name}' is missing in '${b.label}'`);
    if (eb.values.length !== ea.values.length) {
      throw new Error(`snapshots '${a.label}' and '${b.label}' differ: '${ea.name}' has ${ea.values.length} vs ${eb.values.length} values`);
    }
    out.push([ea, eb]);
  }
  for (const eb of b.entries) {
    if (keep(eb) && !a.entries.some((e) => e.name === eb.name)) {
      throw new Error(`snapshots '${a.label}' and '${b.label}' differ: '${eb.name}' is missing in '${a.label}'`);
    }
  }
  return out;
}

function sumSquares(values: Float32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    s += v * v;
  }
  return s;
}

function sumSquaredDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    s += d * d;
  }
  return s;
}

/** ‖θ‖₂ over the selected entries (float64 accumulation). */
export function l2Norm(snapshot: ParameterSnapshot, options: SelectionOptions = {}): number {
  let s = 0;
  for (const e of selectEntries(snapshot, options.include)) s += sumSquares(e.values);
  return Math.sqrt(s);
}

/** ‖a − b‖₂ over the selected entries; the snapshots must hold the same names and sizes (error names the first mismatch). */
export function l2Distance(a: ParameterSnapshot, b: ParameterSnapshot, options: SelectionOptions = {}): number {
  let s = 0;
  for (const [ea, eb] of pairs(a, b, options.include)) s += sumSquaredDiff(ea.values, eb.values);
  return Math.sqrt(s);
}

/** Change rate ‖θ₀ − θ‖₂ / ‖θ‖₂ (the original parameter-change study's definition; denominator = the later state θ). */
export function changeRate(theta0: ParameterSnapshot, theta: ParameterSnapshot, options: SelectionOptions = {}): number {
  return l2Distance(theta0, theta, options) / l2Norm(theta, options);
}

function groupOf(e: SnapshotEntry, by: 'parameter' | 'layer' | 'kind'): string {
  return by === 'parameter' ? e.name : by === 'layer' ? e.layer : e.kind;
}

/** Per-parameter ('parameter', default), per-layer or per-kind distances, in first-seen order. */
export function distancesBy(
  before: ParameterSnapshot,
  after: ParameterSnapshot,
  options: SelectionOptions & { by?: 'parameter' | 'layer' | 'kind' } = {},
): DistanceRow[] {
  const by = options.by ?? 'parameter';
  const acc = new Map<string, { size: number; d2: number; b2: number; a2: number }>();
  for (const [eb, ea] of pairs(before, after, options.include)) {
    const key = groupOf(eb, by);
    const g = acc.get(key) ?? { size: 0, d2: 0, b2: 0, a2: 0 };
    g.size += eb.values.length;
    g.d2 += sumSquaredDiff(eb.values, ea.values);
    g.b2 += sumSquares(eb.values);
    g.a2 += sumSquares(ea.values);
    acc.set(key, g);
  }
  return [...acc].map(([group, g]) => {
    const distance = Math.sqrt(g.d2);
    const normBefore = Math.sqrt(g.b2);
    const normAfter = Math.sqrt(g.a2);
    return {
      group,
      size: g.size,
      distance,
      normBefore,
      normAfter,
      relativeDistance: normBefore > 0 ? distance / normBefore : NaN,
      changeRate: normAfter > 0 ? distance / normAfter : NaN,
    };
  });
}

function checkTolerance(t: Tolerance): void {
  if (!(t.atol >= 0) || !(t.rtol >= 0)) throw new Error(`tolerance must have atol ≥ 0 and rtol ≥ 0, got atol=${t.atol}, rtol=${t.rtol}`);
}

function countChanged(before: Float32Array, after: Float32Array, t: Tolerance): number {
  let changed = 0;
  for (let i = 0; i < before.length; i++) {
    const b = before[i] as number;
    // NaN differences count as changed (the comparison is false).
    if (!(Math.abs((after[i] as number) - b) <= t.atol + t.rtol * Math.abs(b))) changed++;
  }
  return changed;
}

/** 1 where the element changed beyond the tolerance, else 0. */
export function changedMask(before: Float32Array, after: Float32Array, tolerance: Tolerance): Uint8Array {
  checkTolerance(tolerance);
  if (before.length !== after.length) throw new Error(`changedMask: ${before.length} vs ${after.length} values`);
  const out = new Uint8Array(before.length);
  for (let i = 0; i < before.length; i++) {
    const b = before[i] as number;
    out[i] = Math.abs((after[i] as number) - b) <= tolerance.atol + tolerance.rtol * Math.abs(b) ? 0 : 1;
  }
  return out;
}

/** Share of selected elements with |θ − θ₀| > atol + rtol·|θ₀| (i.e. 1 − share unchanged). */
export function changedFraction(
  before: ParameterSnapshot,
  after: ParameterSnapshot,
  tolerance: Tolerance & SelectionOptions,
): number {
  checkTolerance(tolerance);
  let changed = 0;
  let total = 0;
  for (const [eb, ea] of pairs(before, after, tolerance.include)) {
    changed += countChanged(eb.values, ea.values, tolerance);
    total += eb.values.length;
  }
  return total > 0 ? changed / total : NaN;
}

export interface ChangedRow {
  group: string;
  kind?: ParameterKind;
  changed: number;
  total: number;
  fraction: number;
}

/** changedFraction per parameter, layer or kind (rows in first-seen order; `kind` set when by = 'parameter' or 'kind'). */
export function changedFractionBy(
  before: ParameterSnapshot,
  after: ParameterSnapshot,
  options: Tolerance & SelectionOptions & { by: 'parameter' | 'layer' | 'kind' },
): ChangedRow[] {
  checkTolerance(options);
  const acc = new Map<string, ChangedRow>();
  for (const [eb, ea] of pairs(before, after, options.include)) {
    const group = groupOf(eb, options.by);
    const row = acc.get(group) ?? { group, changed: 0, total: 0, fraction: NaN, ...(options.by !== 'layer' ? { kind: eb.kind } : {}) };
    row.changed += countChanged(eb.values, ea.values, options);
    row.total += eb.values.length;
    acc.set(group, row);
  }
  return [...acc.values()].map((r) => ({ ...r, fraction: r.total > 0 ? r.changed / r.total : NaN }));
}

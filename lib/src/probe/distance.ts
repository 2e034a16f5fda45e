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

/** ‖θ‖₂ over the selected entries (float64 accumulation). */
export function l2Norm(snapshot: ParameterSnapshot, options: SelectionOptions = {}): number {
  void snapshot;
  void options;
  throw new Error('l2Norm: not implemented yet');
}

/** ‖a − b‖₂ over the selected entries; the snapshots must hold the same names and sizes (error names the first mismatch). */
export function l2Distance(a: ParameterSnapshot, b: ParameterSnapshot, options: SelectionOptions = {}): number {
  void a;
  void b;
  void options;
  throw new Error('l2Distance: not implemented yet');
}

/** Change rate ‖θ₀ − θ‖₂ / ‖θ‖₂ (seed 002's definition; denominator = the later state θ). */
export function changeRate(theta0: ParameterSnapshot, theta: ParameterSnapshot, options: SelectionOptions = {}): number {
  void theta0;
  void theta;
  void options;
  throw new Error('changeRate: not implemented yet');
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

/** Per-parameter ('parameter', default), per-layer or per-kind distances, in first-seen order. */
export function distancesBy(
  before: ParameterSnapshot,
  after: ParameterSnapshot,
  options: SelectionOptions & { by?: 'parameter' | 'layer' | 'kind' } = {},
): DistanceRow[] {
  void before;
  void after;
  void options;
  throw new Error('distancesBy: not implemented yet');
}

/** 1 where the element changed beyond the tolerance, else 0. */
export function changedMask(before: Float32Array, after: Float32Array, tolerance: Tolerance): Uint8Array {
  void before;
  void after;
  void tolerance;
  throw new Error('changedMask: not implemented yet');
}

/** Share of selected elements with |θ − θ₀| > atol + rtol·|θ₀| (i.e. 1 − share unchanged). */
export function changedFraction(
  before: ParameterSnapshot,
  after: ParameterSnapshot,
  tolerance: Tolerance & SelectionOptions,
): number {
  void before;
  void after;
  void tolerance;
  throw new Error('changedFraction: not implemented yet');
}

export interface ChangedRow {
  group: string;
  kind?: ParameterKind;
  changed: number;
  total: number;
  fraction: number;
}

/** changedFraction per parameter, layer or kind. */
export function changedFractionBy(
  before: ParameterSnapshot,
  after: ParameterSnapshot,
  options: Tolerance & SelectionOptions & { by: 'parameter' | 'layer' | 'kind' },
): ChangedRow[] {
  void before;
  void after;
  void options;
  throw new Error('changedFractionBy: not implemented yet');
}

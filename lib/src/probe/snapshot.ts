import * as tf from '@tensorflow/tfjs';
import type { ParameterInfo } from '../models/parameters';

/** One weight's values at one moment. `trainable: false` marks BN moving statistics. */
export interface SnapshotEntry extends ParameterInfo {
  values: Float32Array;
}

/** All weights of a model at one moment (e.g. 'init', 'epoch-5', 'best', 'last'), in model weight order. */
export interface ParameterSnapshot {
  label: string;
  entries: readonly SnapshotEntry[];
}

/** Copies every weight of the model (trainable and BN moving statistics) into Float32Arrays. */
export function takeSnapshot(model: tf.LayersModel, label = ''): ParameterSnapshot {
  void model;
  void label;
  throw new Error('takeSnapshot: not implemented yet');
}

/**
 * Writes a snapshot back into a model by canonical parameter name. Every model weight must be in the snapshot with
 * the same shape (error names the parameter otherwise); extra snapshot entries are an error too unless
 * `allowExtra`. With `only`, just the selected entries are written.
 */
export function writeSnapshot(
  model: tf.LayersModel,
  snapshot: ParameterSnapshot,
  options: { allowExtra?: boolean; only?: (entry: SnapshotEntry) => boolean } = {},
): void {
  void model;
  void snapshot;
  void options;
  throw new Error('writeSnapshot: not implemented yet');
}

/** The entry of that name; throws listing the available names if absent. */
export function snapshotEntry(snapshot: ParameterSnapshot, name: string): SnapshotEntry {
  void snapshot;
  void name;
  throw new Error('snapshotEntry: not implemented yet');
}

/** A new snapshot with `fn` applied to each entry's values (fn must return a new array of the same length). */
export function mapSnapshot(
  snapshot: ParameterSnapshot,
  fn: (entry: SnapshotEntry) => Float32Array,
  label: string = snapshot.label,
): ParameterSnapshot {
  void snapshot;
  void fn;
  void label;
  throw new Error('mapSnapshot: not implemented yet');
}

/** Deep copy. */
export function cloneSnapshot(snapshot: ParameterSnapshot, label: string = snapshot.label): ParameterSnapshot {
  void snapshot;
  void label;
  throw new Error('cloneSnapshot: not implemented yet');
}

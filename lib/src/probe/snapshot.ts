import * as tf from '@tensorflow/tfjs';
import { describeParameters, layerVariablesByName, type ParameterInfo } from '../models/parameters';

/** One weight's values at one moment. `trainable: false` marks BN moving statistics. */
export interface SnapshotEntry extends ParameterInfo {
  values: Float32Array;
}

/** All weights of a model at one moment (e.g. 'init', 'epoch-5', 'best', 'last'), in model weight order. */
export interface ParameterSnapshot {
  label: string;
  entries: readonly SnapshotEntry[];
}

/** Copies every weight of the model (learned parameters and BN moving statistics) into Float32Arrays. */
export function takeSnapshot(model: tf.LayersModel, label = ''): ParameterSnapshot {
  const variables = layerVariablesByName(model);
  const entries = describeParameters(model).map((info): SnapshotEntry => {
    const variable = variables.get(info.name) as tf.LayerVariable;
    const values = Float32Array.from(variable.read().dataSync() as Float32Array);
    return { ...info, shape: [...info.shape], values };
  });
  return { label, entries };
}

/**
 * Writes a snapshot back into a model by canonical parameter name. Every model weight must be in the snapshot with
 * the same shape (error names the parameter otherwise); extra snapshot entries are an error too unless
 * `allowExtra`. With `only`, just the selected entries are written (and missing ones are not an error).
 */
export function writeSnapshot(
  model: tf.LayersModel,
  snapshot: ParameterSnapshot,
  options: { allowExtra?: boolean; only?: (entry: SnapshotEntry) => boolean } = {},
): void {
  const variables = layerVariablesByName(model);
  const byName = new Map(snapshot.entries.map((e) => [e.name, e]));
  if (!options.only) {
    for (const name of variables.keys()) {
      if (!byName.has(name)) {
        throw new Error(`writeSnapshot: snapshot '${snapshot.label}' has no entry for model weight '${name}'`);
      }
    }
  }
  const writes: [tf.LayerVariable, SnapshotEntry][] = [];
  for (const entry of snapshot.entries) {
    if (options.only && !options.only(entry)) continue;
    const variable = variables.get(entry.name);
    if (!variable) {
      if (options.allowExtra) continue;
      throw new Error(`writeSnapshot: snapshot entry '${entry.name}' matches no weight of model '${model.name}'`);
    }
    const shape = variable.shape as number[];
    if (!tf.util.arraysEqual(shape, entry.shape) || entry.values.length !== entry.size) {
      throw new Error(
        `writeSnapshot: '${entry.name}' has shape [${entry.shape}] (${entry.values.length} values) in the snapshot, ` +
          `[${shape}] in the model`,
      );
    }
    writes.push([variable, entry]);
  }
  for (const [variable, entry] of writes) {
    tf.tidy(() => {
      variable.write(tf.tensor(entry.values, entry.shape, 'float32'));
    });
  }
}

/** The entry of that name; throws listing the available names if absent. */
export function snapshotEntry(snapshot: ParameterSnapshot, name: string): SnapshotEntry {
  const e = snapshot.entries.find((x) => x.name === name);
  if (!e) {
    throw new Error(`snapshot '${snapshot.label}' has no parameter '${name}'; it has ${snapshot.entries.map((x) => x.name).join(', ')}`);
  }
  return e;
}

/** A new snapshot with `fn` applied to each entry's values (fn must return a new array of the same length). */
export function mapSnapshot(
  snapshot: ParameterSnapshot,
  fn: (entry: SnapshotEntry) => Float32Array,
  label: string = snapshot.label,
): ParameterSnapshot {
  return {
    label,
    entries: snapshot.entries.map((e) => {
      const values = fn(e);
      if (values.length !== e.values.length) {
        throw new Error(`mapSnapshot: function returned ${values.length} values for '${e.name}', expected ${e.values.length}`);
      }
      if (values === e.values) throw new Error(`mapSnapshot: function must return a new array for '${e.name}', not mutate the input`);
      return { ...e, shape: [...e.shape], values };
    }),
  };
}

/** Deep copy. */
export function cloneSnapshot(snapshot: ParameterSnapshot, label: string = snapshot.label): ParameterSnapshot {
  return mapSnapshot(snapshot, (e) => Float32Array.from(e.values), label);
}

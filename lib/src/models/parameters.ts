import * as tf from '@tensorflow/tfjs';

/**
 * What a parameter is, for per-kind reports (seed 002 reports conv / dense / bias / BN separately).
 * BN moving statistics are not trainable but are part of the state (PyTorch state_dict) and of snapshots.
 */
export type ParameterKind =
  | 'conv-weight'
  | 'depthwise-weight'
  | 'dense-weight'
  | 'conv-bias'
  | 'dense-bias'
  | 'bn-gamma'
  | 'bn-beta'
  | 'bn-moving-mean'
  | 'bn-moving-variance'
  | 'other';

/** One weight of a model, described by its canonical name `<layer>/<weight>` (e.g. `conv1/kernel`, `bn1/gamma`). */
export interface ParameterInfo {
  /** Canonical name `<layer>/<weight>`, stable across model instances (tfjs `originalName`, no `_1` suffix). */
  name: string;
  /** Layer name, e.g. `conv1`. */
  layer: string;
  kind: ParameterKind;
  shape: number[];
  size: number;
  /** False for BN moving statistics (and anything frozen with `layer.trainable = false`). */
  trainable: boolean;
}

/**
 * Kind of a weight from its canonical name and shape: `…/kernel` of rank 4 → conv-weight, rank 2 → dense-weight;
 * `…/depthwise_kernel` → depthwise-weight; `…/pointwise_kernel` → conv-weight; `…/bias` with rank-4/2 sibling decided
 * by `layerClass` ('Conv2D' | 'Dense' | …) when given, else 'conv-bias' if the layer name starts with conv, else
 * 'dense-bias'; `…/gamma|beta|moving_mean|moving_variance` → bn-*.
 */
export function parameterKind(name: string, shape?: readonly number[], layerClass?: string): ParameterKind {
  void name;
  void shape;
  void layerClass;
  throw new Error('parameterKind: not implemented yet');
}

/** All weights of a model (trainable first in model order, then non-trainable), with names, kinds and shapes. */
export function describeParameters(model: tf.LayersModel): ParameterInfo[] {
  void model;
  throw new Error('describeParameters: not implemented yet');
}

/** Number of scalar parameters; `trainableOnly` (default false) leaves out BN moving statistics. */
export function countParameters(model: tf.LayersModel, options: { trainableOnly?: boolean } = {}): number {
  void model;
  void options;
  throw new Error('countParameters: not implemented yet');
}

/** Canonical name of a tfjs LayerVariable (strips the `_N` suffix tfjs adds when a model is built twice). */
export function canonicalWeightName(variable: tf.LayerVariable): string {
  return variable.originalName;
}

/**
 * The model's trainable weights as tf.Variables keyed by canonical name (what `tf.variableGrads` and the optimisers
 * take). Respects `layer.trainable = false` (frozen layers are left out).
 */
export function trainableVariablesByName(model: tf.LayersModel): Map<string, tf.Variable> {
  void model;
  throw new Error('trainableVariablesByName: not implemented yet');
}

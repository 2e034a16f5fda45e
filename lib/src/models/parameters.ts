import * as tf from '@tensorflow/tfjs';

/**
 * What a parameter is, for per-kind reports (the original parameter-change study reports conv / dense / bias / BN separately).
 * BN moving statistics are not learned but are part of the state (PyTorch state_dict) and of snapshots.
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
  /**
   * True for learned parameters (weights, biases, BN gamma/beta), false for BN moving statistics. Independent of
   * freezing a layer (`layer.trainable = false`): a frozen weight is still a learned parameter.
   */
  trainable: boolean;
}

const CONV_LAYER_CLASSES = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'DepthwiseConv2D', 'SeparableConv2D']);

/**
 * Kind of a weight from its canonical name, its shape and (best) its layer's class name:
 * `…/kernel` of rank 4 → conv-weight, rank 2 → dense-weight; `…/depthwise_kernel` → depthwise-weight;
 * `…/pointwise_kernel` → conv-weight; `…/bias` → conv-bias for conv layer classes, dense-bias for Dense (without a
 * class: conv-bias when the layer name contains 'conv', 'dw', 'pw' or 'proj', else dense-bias);
 * `…/gamma | beta | moving_mean | moving_variance` → bn-*.
 */
export function parameterKind(name: string, shape?: readonly number[], layerClass?: string): ParameterKind {
  const slash = name.lastIndexOf('/');
  const layer = slash >= 0 ? name.slice(0, slash) : '';
  const short = (slash >= 0 ? name.slice(slash + 1) : name).replace(/_\d+$/, '');
  switch (short) {
    case 'kernel':
      if (shape && shape.length === 2) return 'dense-weight';
      if (shape && shape.length >= 3) return 'conv-weight';
      if (layerClass === 'Dense') return 'dense-weight';
      if (layerClass && CONV_LAYER_CLASSES.has(layerClass)) return 'conv-weight';
      return /conv|proj/i.test(layer) ? 'conv-weight' : 'dense-weight';
    case 'depthwise_kernel':
      return 'depthwise-weight';
    case 'pointwise_kernel':
      return 'conv-weight';
    case 'bias':
      if (layerClass === 'Dense') return 'dense-bias';
      if (layerClass && CONV_LAYER_CLASSES.has(layerClass)) return 'conv-bias';
      return /conv|dw|pw|proj/i.test(layer) ? 'conv-bias' : 'dense-bias';
    case 'gamma':
      return 'bn-gamma';
    case 'beta':
      return 'bn-beta';
    case 'moving_mean':
      return 'bn-moving-mean';
    case 'moving_variance':
      return 'bn-moving-variance';
    default:
      return 'other';
  }
}

function concreteShape(shape: readonly (number | null)[], name: string): number[] {
  return shape.map((d) => {
    if (d === null) throw new Error(`parameter '${name}' has an unknown dimension in shape [${shape.join(', ')}]`);
    return d;
  });
}

/** Layers of a model, descending into nested models, in model order. */
function flatLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) out.push(...flatLayers(layer));
    else out.push(layer);
  }
  return out;
}

/**
 * All weights of a model with names, kinds and shapes: learned parameters first, then BN moving statistics, each in
 * layer order (the order of tfjs `model.weights` for unfrozen models).
 */
export function describeParameters(model: tf.LayersModel): ParameterInfo[] {
  const learned: ParameterInfo[] = [];
  const statistics: ParameterInfo[] = [];
  const seen = new Set<string>();
  for (const layer of flatLayers(model)) {
    const cls = layer.getClassName();
    for (const w of layer.weights) {
      const name = w.originalName;
      if (seen.has(name)) throw new Error(`describeParameters: two weights share the name '${name}'; give layers unique names`);
      seen.add(name);
      const shape = concreteShape(w.shape, name);
      const kind = parameterKind(name, shape, cls);
      const info: ParameterInfo = {
        name,
        layer: name.slice(0, name.lastIndexOf('/')),
        kind,
        shape,
        size: shape.reduce((a, b) => a * b, 1),
        trainable: kind !== 'bn-moving-mean' && kind !== 'bn-moving-variance',
      };
      (info.trainable ? learned : statistics).push(info);
    }
  }
  return [...learned, ...statistics];
}

/** Number of scalar parameters; `trainableOnly` (default false) leaves out BN moving statistics. */
export function countParameters(model: tf.LayersModel, options: { trainableOnly?: boolean } = {}): number {
  let n = 0;
  for (const p of describeParameters(model)) if (p.trainable || !options.trainableOnly) n += p.size;
  return n;
}

/** Canonical name of a tfjs LayerVariable (strips the `_N` suffix tfjs adds when a model is built twice). */
export function canonicalWeightName(variable: tf.LayerVariable): string {
  return variable.originalName;
}

/** The tf.Variable behind a LayerVariable (what tf.variableGrads differentiates). */
export function variableOf(weight: tf.LayerVariable): tf.Variable {
  const v = weight.read();
  if (!(v instanceof tf.Variable)) throw new Error(`weight '${weight.originalName}' is not backed by a tf.Variable`);
  return v;
}

/** Every weight of the model (incl. BN moving statistics) as LayerVariables keyed by canonical name. */
export function layerVariablesByName(model: tf.LayersModel): Map<string, tf.LayerVariable> {
  const out = new Map<string, tf.LayerVariable>();
  for (const layer of flatLayers(model)) for (const w of layer.weights) out.set(w.originalName, w);
  return out;
}

/**
 * The model's trainable weights as tf.Variables keyed by canonical name (what `tf.variableGrads` and the optimisers
 * take). Respects `layer.trainable = false` (frozen layers are left out).
 */
export function trainableVariablesByName(model: tf.LayersModel): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const w of model.trainableWeights) out.set(w.originalName, variableOf(w));
  return out;
}

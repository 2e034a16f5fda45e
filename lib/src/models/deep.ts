import * as tf from '@tensorflow/tfjs';
import type { ModelInitOptions } from './common';
import { applyLayer } from './blocks';
import { initializeModel } from './init';

export interface DeepNetOptions extends ModelInitOptions {
  /** Number of hidden layers of the same width (e.g. 20). */
  depth: number;
  /** Hidden width (dense units, or conv channels when `conv` is true). */
  width: number;
  /** Add an identity skip `H = F(x) + x` around each hidden layer after the first. */
  residual: boolean;
  activation: 'relu' | 'sigmoid' | 'tanh';
  /** Use 3×3 convs on images instead of dense layers on the flattened input (default false). */
  conv?: boolean;
  /** Input shape (default [28, 28, 1]). */
  inputShape?: readonly number[];
  classes?: number;
}

/**
 * Deep plain vs residual stack for the vanishing-gradient demonstration (teaching notebook): flatten (dense) or not
 * (conv), `h1` = layer(input), then for i = 2..depth: `h{i}` = act(layer(h{i-1})) [+ h{i-1} when residual], then
 * (global average pool for conv) and `fc_out`. Hidden layers are named `hidden{i}` (their weights are
 * `hidden{i}/kernel`, handy for per-layer gradient norms), activations `act{i}`, skips `add{i}`.
 */
export function deepNet(options: DeepNetOptions): tf.LayersModel {
  const { depth, width, residual, activation } = options;
  const conv = options.conv ?? false;
  const inputShape = [...(options.inputShape ?? [28, 28, 1])];
  const classes = options.classes ?? 10;
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`deepNet: depth must be a positive integer, got ${depth}`);
  const input = tf.input({ shape: inputShape, name: 'input' });
  let h: tf.SymbolicTensor = input;
  if (!conv && inputShape.length > 1) h = applyLayer(tf.layers.flatten({ name: 'flatten' }), h);
  const hiddenLayer = (i: number): tf.layers.Layer =>
    conv
      ? tf.layers.conv2d({ name: `hidden${i}`, filters: width, kernelSize: 3, padding: 'same', kernelInitializer: 'zeros' })
      : tf.layers.dense({ name: `hidden${i}`, units: width, kernelInitializer: 'zeros' });
  for (let i = 1; i <= depth; i++) {
    const a = applyLayer(tf.layers.activation({ name: `act${i}`, activation }), applyLayer(hiddenLayer(i), h));
    h = residual && i > 1 ? applyLayer(tf.layers.add({ name: `add${i}` }), [a, h]) : a;
  }
  if (conv) h = applyLayer(tf.layers.globalAveragePooling2d({ name: 'gap' }), h);
  const out = applyLayer(tf.layers.dense({ name: 'fc_out', units: classes, kernelInitializer: 'zeros' }), h);
  const model = tf.model({ inputs: input, outputs: out, name: residual ? 'deep_residual' : 'deep_plain' });
  initializeModel(model, { scheme: options.init ?? 'torch-default', seed: options.seed });
  return model;
}

import * as tf from '@tensorflow/tfjs';
import type { ModelInitOptions } from './common';
import { applyLayer, batchNormLayer } from './blocks';
import { initializeModel } from './init';

export interface VggOptions extends ModelInitOptions {
  /**
   * Convs per stage; a 2×2 maxpool follows each stage. Default [2, 2, 3, 3] (VGG-16-like for 32×32, 4 pools → 2×2).
   * VGG-19 layout: [2, 2, 4, 4, 4] (5 pools → 1×1).
   */
  stages?: readonly number[];
  /** Channels of the first stage; doubles per stage, capped at 8·width (VGG: 64 → 512). Default 64. */
  width?: number;
  /** BatchNorm after every conv (vgg*_bn). Default true. */
  batchNorm?: boolean;
  /** Conv biases also when BN follows (torchvision vgg*_bn keeps them; default true). Without BN convs always have one. */
  convBias?: boolean;
  /** Hidden units of the classifier's dense layers (default [] → flatten → one dense to classes). */
  classifierHidden?: readonly number[];
  inputShape?: readonly [number, number, number];
  classes?: number;
}

/**
 * VGG-style net for 32×32×3: stages of 3×3 'same' convs (+BN) + ReLU, 2×2 maxpool after each stage, flatten, dense
 * classifier. Layer names: conv{s}_{i} (s, i from 1), bn{s}_{i}, relu{s}_{i}, pool{s}, flatten, fc1…fcN.
 */
export function vggSmall(options: VggOptions): tf.LayersModel {
  const stages = [...(options.stages ?? [2, 2, 3, 3])];
  const width = options.width ?? 64;
  const bn = options.batchNorm ?? true;
  const convBias = options.convBias ?? true;
  const inputShape = [...(options.inputShape ?? [32, 32, 3])];
  const classes = options.classes ?? 10;
  if (!Number.isInteger(width) || width < 1) throw new Error(`vggSmall: width must be a positive integer, got ${width}`);
  const input = tf.input({ shape: inputShape, name: 'input' });
  let x: tf.SymbolicTensor = input;
  stages.forEach((convs, s) => {
    const filters = Math.min(width * 2 ** s, 8 * width);
    for (let i = 1; i <= convs; i++) {
      const id = `${s + 1}_${i}`;
      x = applyLayer(
        tf.layers.conv2d({ name: `conv${id}`, filters, kernelSize: 3, padding: 'same', useBias: convBias || !bn, kernelInitializer: 'zeros' }),
        x,
      );
      if (bn) x = applyLayer(batchNormLayer(`bn${id}`), x);
      x = applyLayer(tf.layers.activation({ name: `relu${id}`, activation: 'relu' }), x);
    }
    x = applyLayer(tf.layers.maxPooling2d({ name: `pool${s + 1}`, poolSize: 2, strides: 2 }), x);
  });
  x = applyLayer(tf.layers.flatten({ name: 'flatten' }), x);
  const hidden = [...(options.classifierHidden ?? [])];
  hidden.forEach((units, i) => {
    x = applyLayer(tf.layers.dense({ name: `fc${i + 1}`, units, kernelInitializer: 'zeros' }), x);
    x = applyLayer(tf.layers.activation({ name: `fc${i + 1}_relu`, activation: 'relu' }), x);
  });
  x = applyLayer(tf.layers.dense({ name: `fc${hidden.length + 1}`, units: classes, kernelInitializer: 'zeros' }), x);
  const model = tf.model({ inputs: input, outputs: x, name: 'vgg_small' });
  initializeModel(model, { scheme: options.init ?? 'torch-default', seed: options.seed });
  return model;
}

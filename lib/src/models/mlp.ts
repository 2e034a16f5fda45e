import * as tf from '@tensorflow/tfjs';
import type { ModelInitOptions } from './common';
import { initializeModel } from './init';

export interface MlpOptions extends ModelInitOptions {
  /** Input features (default 784 = 28·28). With `inputShape` of rank > 1 a Flatten layer comes first. */
  inputSize?: number;
  /** Hidden width(s): `256` or `[256, 128]`. Layers are named fc1, fc2, …; the output layer is the last fcN. */
  hidden: number | readonly number[];
  /** Output classes (default 10). */
  classes?: number;
  /** Hidden activation (default 'relu'). Activations are separate layers named relu1, relu2, … (probe targets). */
  activation?: 'relu' | 'sigmoid' | 'tanh' | 'linear';
  /** Input shape before flattening (default [inputSize]); e.g. [28, 28, 1] to feed images directly. */
  inputShape?: readonly number[];
}

/**
 * MLP `Linear(784, w) → ReLU → Linear(w, 10)` (the original activation-variance study) and deeper variants. Layer names: `flatten` (when the
 * input shape has rank > 1), `fc1`, `relu1`, …, `fc{n+1}` (logits).
 * Parameters: Σ (in·out + out) over the dense layers; 784→256→10: 784·256+256 + 256·10+10 = 203,530.
 */
export function mlp(options: MlpOptions): tf.LayersModel {
  const inputSize = options.inputSize ?? 784;
  const inputShape = [...(options.inputShape ?? [inputSize])];
  const flatSize = inputShape.reduce((a, b) => a * b, 1);
  if (flatSize !== inputSize) {
    throw new Error(`mlp: inputShape [${inputShape.join(', ')}] has ${flatSize} values but inputSize is ${inputSize}`);
  }
  const hidden = typeof options.hidden === 'number' ? [options.hidden] : [...options.hidden];
  for (const w of hidden) {
    if (!Number.isInteger(w) || w < 1) throw new Error(`mlp: hidden widths must be positive integers, got ${w}`);
  }
  const classes = options.classes ?? 10;
  const activation = options.activation ?? 'relu';
  const layers: tf.layers.Layer[] = [];
  if (inputShape.length > 1) layers.push(tf.layers.flatten({ name: 'flatten', inputShape }));
  hidden.forEach((units, i) => {
    layers.push(
      tf.layers.dense({
        name: `fc${i + 1}`,
        units,
        kernelInitializer: 'zeros',
        ...(layers.length === 0 ? { inputShape } : {}),
      }),
    );
    layers.push(tf.layers.activation({ name: `${activation}${i + 1}`, activation }));
  });
  layers.push(
    tf.layers.dense({
      name: `fc${hidden.length + 1}`,
      units: classes,
      kernelInitializer: 'zeros',
      ...(layers.length === 0 ? { inputShape } : {}),
    }),
  );
  const model = tf.sequential({ name: 'mlp', layers });
  initializeModel(model, { scheme: options.init ?? 'torch-default', seed: options.seed });
  return model;
}

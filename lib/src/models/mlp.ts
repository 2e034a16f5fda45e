import * as tf from '@tensorflow/tfjs';
import type { ModelInitOptions } from './common';

export interface MlpOptions extends ModelInitOptions {
  /** Input features (default 784 = 28·28; the model flattens any input of that many values). */
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
 * MLP `Linear(784, w) → ReLU → Linear(w, 10)` (seed 003) and deeper variants. Layer names: `flatten` (when the
 * input shape has rank > 1), `fc1`, `relu1`, …, `fc{n+1}` (logits).
 * Parameters: Σ (in·out + out) over the dense layers; 784→256→10: 784·256+256 + 256·10+10 = 203,530.
 */
export function mlp(options: MlpOptions): tf.LayersModel {
  void options;
  throw new Error('mlp: not implemented yet');
}

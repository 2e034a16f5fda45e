import * as tf from '@tensorflow/tfjs';
import type { ModelInitOptions } from './common';

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
  void options;
  throw new Error('deepNet: not implemented yet');
}

import * as tf from '@tensorflow/tfjs';
import type { ModelInitOptions } from './common';

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
  void options;
  throw new Error('vggSmall: not implemented yet');
}

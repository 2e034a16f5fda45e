import * as tf from '@tensorflow/tfjs';
import type { ModelInitOptions } from './common';

export interface ResNetOptions extends ModelInitOptions {
  /** Basic blocks per stage (default [2, 2, 2, 2] = ResNet-18). */
  blocksPerStage?: readonly number[];
  /** Channels of the stem and first stage; doubled per stage (default 64 → 64/128/256/512). */
  width?: number;
  /** BatchNorm in stem and blocks (default true). false = the "no BN" control (convs get biases instead). */
  batchNorm?: boolean;
  inputShape?: readonly [number, number, number];
  classes?: number;
}

/**
 * ResNet-18-style net for 32×32 (the CIFAR variant: 3×3 stem conv stride 1, no stem maxpool), four stages of basic
 * blocks (stride 2 and a 1×1 conv + BN projection at the start of stages 2–4), global average pool, fc.
 * Layer names: stem_conv, stem_bn, stem_relu, s{stage}b{block}_conv1 / _bn1 / _relu1 / _conv2 / _bn2 / _proj_conv /
 * _proj_bn / _add / _relu2, gap, fc.
 */
export function resnet18(options: ResNetOptions): tf.LayersModel {
  void options;
  throw new Error('resnet18: not implemented yet');
}

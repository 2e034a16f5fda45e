import * as tf from '@tensorflow/tfjs';
import type { ModelInitOptions } from './common';
import { applyLayer, convBnRelu, residualBasicBlock } from './blocks';
import { initializeModel } from './init';

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
  const blocks = [...(options.blocksPerStage ?? [2, 2, 2, 2])];
  const width = options.width ?? 64;
  const bn = options.batchNorm ?? true;
  const inputShape = [...(options.inputShape ?? [32, 32, 3])];
  const classes = options.classes ?? 10;
  if (!Number.isInteger(width) || width < 1) throw new Error(`resnet18: width must be a positive integer, got ${width}`);
  const input = tf.input({ shape: inputShape, name: 'input' });
  let x = convBnRelu(input, { conv: 'stem_conv', bn: 'stem_bn', relu: 'stem_relu', filters: width, kernelSize: 3, batchNorm: bn });
  blocks.forEach((count, s) => {
    for (let b = 1; b <= count; b++) {
      x = residualBasicBlock(x, {
        name: `s${s + 1}b${b}`,
        filters: width * 2 ** s,
        stride: s > 0 && b === 1 ? 2 : 1,
        batchNorm: bn,
      });
    }
  });
  x = applyLayer(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  x = applyLayer(tf.layers.dense({ name: 'fc', units: classes, kernelInitializer: 'zeros' }), x);
  const model = tf.model({ inputs: input, outputs: x, name: bn ? 'resnet18' : 'resnet18_nobn' });
  initializeModel(model, { scheme: options.init ?? 'torch-default', seed: options.seed });
  return model;
}

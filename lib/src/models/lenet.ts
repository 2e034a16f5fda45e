import * as tf from '@tensorflow/tfjs';
import type { ModelInitOptions } from './common';
import { initializeModel } from './init';

export interface LeNetOptions extends ModelInitOptions {
  /**
   * 'parameter-dynamics' (default): the LeNet of the parameter-dynamics project (notebooks 02, 04) on 32×32×C: conv1 C→6 k5 → maxpool 2 → ReLU → conv2 6→16 k5 →
   * maxpool 2 → ReLU → flatten (400) → fc1 120 → ReLU → fc2 84 → ReLU → fc3 classes.
   * 'classic': the 28×28×C form with padding 'same' on conv1 (LeCun's 32×32 input = 28×28 padded by 2), ReLU before
   * pool: conv1 C→6 k5 same → ReLU → maxpool → conv2 6→16 k5 → ReLU → maxpool → 400 → 120 → 84 → classes.
   */
  variant?: 'parameter-dynamics' | 'classic';
  /** Input channels (default 3 for parameter-dynamics, 1 for classic). */
  channels?: number;
  classes?: number;
}

/**
 * LeNet-5. Layer names: conv1, pool1, relu1, conv2, pool2, relu2, flatten, fc1, relu3, fc2, relu4, fc3.
 * Parameters (parameter-dynamics variant, C=3, 10 classes): conv1 3·25·6+6=456, conv2 6·25·16+16=2,416, fc1 400·120+120=48,120,
 * fc2 120·84+84=10,164, fc3 84·10+10=850 → 62,006.
 */
export function lenet5(options: LeNetOptions): tf.LayersModel {
  const variant = options.variant ?? 'parameter-dynamics';
  const channels = options.channels ?? (variant === 'parameter-dynamics' ? 3 : 1);
  const classes = options.classes ?? 10;
  const side = variant === 'parameter-dynamics' ? 32 : 28;
  const conv = (name: string, filters: number, padding: 'valid' | 'same', inputShape?: number[]): tf.layers.Layer =>
    tf.layers.conv2d({ name, filters, kernelSize: 5, padding, kernelInitializer: 'zeros', ...(inputShape ? { inputShape } : {}) });
  const pool = (name: string): tf.layers.Layer => tf.layers.maxPooling2d({ name, poolSize: 2, strides: 2 });
  const relu = (name: string): tf.layers.Layer => tf.layers.activation({ name, activation: 'relu' });
  const layers =
    variant === 'parameter-dynamics'
      ? [conv('conv1', 6, 'valid', [side, side, channels]), pool('pool1'), relu('relu1'), conv('conv2', 16, 'valid'), pool('pool2'), relu('relu2')]
      : [conv('conv1', 6, 'same', [side, side, channels]), relu('relu1'), pool('pool1'), conv('conv2', 16, 'valid'), relu('relu2'), pool('pool2')];
  layers.push(
    tf.layers.flatten({ name: 'flatten' }),
    tf.layers.dense({ name: 'fc1', units: 120, kernelInitializer: 'zeros' }),
    relu('relu3'),
    tf.layers.dense({ name: 'fc2', units: 84, kernelInitializer: 'zeros' }),
    relu('relu4'),
    tf.layers.dense({ name: 'fc3', units: classes, kernelInitializer: 'zeros' }),
  );
  const model = tf.sequential({ name: `lenet5_${variant}`, layers });
  initializeModel(model, { scheme: options.init ?? 'torch-default', seed: options.seed });
  return model;
}

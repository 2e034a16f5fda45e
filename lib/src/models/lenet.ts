import * as tf from '@tensorflow/tfjs';
import type { ModelInitOptions } from './common';

export interface LeNetOptions extends ModelInitOptions {
  /**
   * 'seed002' (default): the parameter-dynamics LeNet on 32×32×C: conv1 C→6 k5 → maxpool 2 → ReLU → conv2 6→16 k5 →
   * maxpool 2 → ReLU → flatten (400) → fc1 120 → ReLU → fc2 84 → ReLU → fc3 classes.
   * 'classic': the 28×28×C form with padding 'same' on conv1 (LeCun's 32×32 input = 28×28 padded by 2), ReLU before
   * pool: conv1 C→6 k5 same → ReLU → maxpool → conv2 6→16 k5 → ReLU → maxpool → 400 → 120 → 84 → classes.
   */
  variant?: 'seed002' | 'classic';
  /** Input channels (default 3 for seed002, 1 for classic). */
  channels?: number;
  classes?: number;
}

/**
 * LeNet-5. Layer names: conv1, pool1, relu1, conv2, pool2, relu2, flatten, fc1, relu3, fc2, relu4, fc3.
 * Parameters (seed002, C=3, 10 classes): conv1 3·25·6+6=456, conv2 6·25·16+16=2,416, fc1 400·120+120=48,120,
 * fc2 120·84+84=10,164, fc3 84·10+10=850 → 62,006.
 */
export function lenet5(options: LeNetOptions): tf.LayersModel {
  void options;
  throw new Error('lenet5: not implemented yet');
}

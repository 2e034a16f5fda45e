import * as tf from '@tensorflow/tfjs';

/**
 * Reusable functional pieces (tf.layers, functional API): each takes a SymbolicTensor and returns one, naming its
 * layers `${name}_…`. Convs are 'same'-padded, biasless when followed by BatchNorm. Initialise the finished model with
 * `initializeModel` (the builders in this folder do).
 */
export interface BlockCommonOptions {
  /** Prefix for the layer names (must be unique in the model). */
  name: string;
  /** BatchNorm after convs (default true). */
  batchNorm?: boolean;
}

export interface ResidualBlockOptions extends BlockCommonOptions {
  /** Output channels (basic) / bottleneck width (bottleneck: output = 4·filters). */
  filters: number;
  /** Stride of the first 3×3 conv (basic) or of the 3×3 conv (bottleneck); default 1. */
  stride?: number;
}

/**
 * Basic residual block: conv3×3(stride)-BN-ReLU-conv3×3-BN + shortcut, then ReLU. The shortcut is the identity, or
 * a 1×1 conv(stride)+BN projection when stride ≠ 1 or channels change. Layers: `${name}_conv1`, `_bn1`, `_relu1`,
 * `_conv2`, `_bn2`, `_proj_conv`, `_proj_bn`, `_add`, `_relu2`.
 * Params (BN, c→c, no projection): 2·(9c²) + 2·(2c) trainable + 2·(2c) moving stats.
 */
export function residualBasicBlock(x: tf.SymbolicTensor, options: ResidualBlockOptions): tf.SymbolicTensor {
  void x;
  void options;
  throw new Error('residualBasicBlock: not implemented yet');
}

/**
 * Bottleneck block: conv1×1(f)-BN-ReLU-conv3×3(f, stride)-BN-ReLU-conv1×1(4f)-BN + shortcut, ReLU. Projection
 * shortcut when stride ≠ 1 or input channels ≠ 4f. Layers `${name}_conv1..3`, `_bn1..3`, `_relu1..3`, `_proj_conv`,
 * `_proj_bn`, `_add`.
 */
export function residualBottleneckBlock(x: tf.SymbolicTensor, options: ResidualBlockOptions): tf.SymbolicTensor {
  void x;
  void options;
  throw new Error('residualBottleneckBlock: not implemented yet');
}

export interface DenseBlockOptions extends BlockCommonOptions {
  /** Number of dense layers. */
  layers: number;
  /** Growth rate k: channels each layer adds. */
  growthRate: number;
  /** DenseNet-B 1×1 bottleneck with 4k channels before each 3×3 (default true). */
  bottleneck?: boolean;
}

/**
 * DenseNet block: layer i gets the concatenation of the block input and all earlier layer outputs; each layer is
 * (BN-ReLU-conv1×1(4k))-BN-ReLU-conv3×3(k) (pre-activation, as DenseNet). Output channels: c_in + layers·k.
 * Layers `${name}_l{i}_bn1`, `_relu1`, `_conv1`, `_bn2`, `_relu2`, `_conv2`, `_concat`.
 */
export function denseBlock(x: tf.SymbolicTensor, options: DenseBlockOptions): tf.SymbolicTensor {
  void x;
  void options;
  throw new Error('denseBlock: not implemented yet');
}

export interface InceptionOptions extends BlockCommonOptions {
  /** Branch 1: 1×1 conv channels. */
  conv1x1: number;
  /** Branch 2: 1×1 reduce then 3×3: [reduce, out]. */
  conv3x3: readonly [number, number];
  /** Branch 3: 1×1 reduce then 5×5: [reduce, out]. */
  conv5x5: readonly [number, number];
  /** Branch 4: 3×3 maxpool stride 1 then 1×1 projection channels. */
  poolProjection: number;
}

/**
 * GoogLeNet inception module (v1, with 1×1 reductions): four parallel branches concatenated on channels
 * (output channels = conv1x1 + conv3x3[1] + conv5x5[1] + poolProjection). Each conv is followed by (BN and) ReLU.
 * Layers `${name}_b1_conv`, `_b2_reduce`, `_b2_conv`, `_b3_reduce`, `_b3_conv`, `_b4_pool`, `_b4_conv`, `_concat`.
 */
export function inceptionModule(x: tf.SymbolicTensor, options: InceptionOptions): tf.SymbolicTensor {
  void x;
  void options;
  throw new Error('inceptionModule: not implemented yet');
}

export interface SeparableConvOptions extends BlockCommonOptions {
  /** Output channels of the pointwise conv. */
  filters: number;
  /** Depthwise kernel size (default 3). */
  kernelSize?: number;
  /** Depthwise stride (default 1). */
  stride?: number;
}

/**
 * MobileNet depthwise-separable conv: depthwise 3×3 (stride) - BN - ReLU - pointwise 1×1 (filters) - BN - ReLU.
 * Layers `${name}_dw`, `_dw_bn`, `_dw_relu`, `_pw`, `_pw_bn`, `_pw_relu`. Params (no bias, BN): 9·c_in + c_in·f
 * (+ 2·c_in + 2·f BN trainable) vs 9·c_in·f for a full 3×3 conv.
 */
export function depthwiseSeparableConv(x: tf.SymbolicTensor, options: SeparableConvOptions): tf.SymbolicTensor {
  void x;
  void options;
  throw new Error('depthwiseSeparableConv: not implemented yet');
}

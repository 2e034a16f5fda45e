import * as tf from '@tensorflow/tfjs';
import { TORCH_BN_EPSILON, TORCH_BN_MOMENTUM } from './common';

/**
 * Reusable functional pieces (tf.layers, functional API): each takes a SymbolicTensor and returns one, naming its
 * layers `${name}_…`. Convs are 'same'-padded, biasless when followed by BatchNorm (with a bias otherwise).
 * Initialise the finished model with `initializeModel` (the builders in this folder do).
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

function apply(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  const y = layer.apply(x);
  if (Array.isArray(y) || !(y instanceof tf.SymbolicTensor)) {
    throw new Error(`layer '${layer.name}' did not return one SymbolicTensor (was it given a concrete tensor?)`);
  }
  return y;
}

function channelsOf(x: tf.SymbolicTensor): number {
  const c = x.shape[x.shape.length - 1];
  if (c === null || c === undefined) throw new Error('block input must have a known channel count (NHWC)');
  return c;
}

/** conv (same padding, bias only without BN) → optional BN → optional ReLU, layers `${name}`, `${bn}`, `${relu}`. */
export function convBnRelu(
  x: tf.SymbolicTensor,
  options: {
    conv: string;
    bn?: string;
    relu?: string;
    filters: number;
    kernelSize: number;
    strides?: number;
    batchNorm: boolean;
  },
): tf.SymbolicTensor {
  let y = apply(
    tf.layers.conv2d({
      name: options.conv,
      filters: options.filters,
      kernelSize: options.kernelSize,
      strides: options.strides ?? 1,
      padding: 'same',
      useBias: !options.batchNorm,
      kernelInitializer: 'zeros',
    }),
    x,
  );
  if (options.batchNorm) {
    if (!options.bn) throw new Error(`convBnRelu: a BN layer name is needed for '${options.conv}'`);
    y = apply(batchNormLayer(options.bn), y);
  }
  if (options.relu) y = apply(tf.layers.activation({ name: options.relu, activation: 'relu' }), y);
  return y;
}

/** BatchNormalization with PyTorch's defaults (momentum 0.1 ⇔ tfjs 0.9, eps 1e-5). */
export function batchNormLayer(name: string): tf.layers.Layer {
  return tf.layers.batchNormalization({ name, momentum: TORCH_BN_MOMENTUM, epsilon: TORCH_BN_EPSILON });
}

function relu(name: string): tf.layers.Layer {
  return tf.layers.activation({ name, activation: 'relu' });
}

function shortcut(x: tf.SymbolicTensor, name: string, outChannels: number, stride: number, bn: boolean): tf.SymbolicTensor {
  if (stride === 1 && channelsOf(x) === outChannels) return x;
  return convBnRelu(x, { conv: `${name}_proj_conv`, bn: `${name}_proj_bn`, filters: outChannels, kernelSize: 1, strides: stride, batchNorm: bn });
}

/**
 * Basic residual block: conv3×3(stride)-BN-ReLU-conv3×3-BN + shortcut, then ReLU. The shortcut is the identity, or
 * a 1×1 conv(stride)+BN projection when stride ≠ 1 or channels change. Layers: `${name}_conv1`, `_bn1`, `_relu1`,
 * `_conv2`, `_bn2`, `_proj_conv`, `_proj_bn`, `_add`, `_relu2`.
 * Params (BN, c→c, no projection): 2·(9c²) + 2·(2c) trainable + 2·(2c) moving stats.
 */
export function residualBasicBlock(x: tf.SymbolicTensor, options: ResidualBlockOptions): tf.SymbolicTensor {
  const { name, filters } = options;
  const stride = options.stride ?? 1;
  const bn = options.batchNorm ?? true;
  let y = convBnRelu(x, { conv: `${name}_conv1`, bn: `${name}_bn1`, relu: `${name}_relu1`, filters, kernelSize: 3, strides: stride, batchNorm: bn });
  y = convBnRelu(y, { conv: `${name}_conv2`, bn: `${name}_bn2`, filters, kernelSize: 3, batchNorm: bn });
  const s = shortcut(x, name, filters, stride, bn);
  const sum = apply(tf.layers.add({ name: `${name}_add` }), [y, s]);
  return apply(relu(`${name}_relu2`), sum);
}

/**
 * Bottleneck block: conv1×1(f)-BN-ReLU-conv3×3(f, stride)-BN-ReLU-conv1×1(4f)-BN + shortcut, ReLU. Projection
 * shortcut when stride ≠ 1 or input channels ≠ 4f. Layers `${name}_conv1..3`, `_bn1..3`, `_relu1..3`, `_proj_conv`,
 * `_proj_bn`, `_add`.
 */
export function residualBottleneckBlock(x: tf.SymbolicTensor, options: ResidualBlockOptions): tf.SymbolicTensor {
  const { name, filters } = options;
  const stride = options.stride ?? 1;
  const bn = options.batchNorm ?? true;
  let y = convBnRelu(x, { conv: `${name}_conv1`, bn: `${name}_bn1`, relu: `${name}_relu1`, filters, kernelSize: 1, batchNorm: bn });
  y = convBnRelu(y, { conv: `${name}_conv2`, bn: `${name}_bn2`, relu: `${name}_relu2`, filters, kernelSize: 3, strides: stride, batchNorm: bn });
  y = convBnRelu(y, { conv: `${name}_conv3`, bn: `${name}_bn3`, filters: 4 * filters, kernelSize: 1, batchNorm: bn });
  const s = shortcut(x, name, 4 * filters, stride, bn);
  const sum = apply(tf.layers.add({ name: `${name}_add` }), [y, s]);
  return apply(relu(`${name}_relu3`), sum);
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
 * Layers `${name}_l{i}_bn1`, `_relu1`, `_conv1`, `_bn2`, `_relu2`, `_conv2`, `${name}_concat{i}`.
 * Without BN the convs carry biases and the BN layers are left out.
 */
export function denseBlock(x: tf.SymbolicTensor, options: DenseBlockOptions): tf.SymbolicTensor {
  const { name, growthRate } = options;
  const bn = options.batchNorm ?? true;
  const bottleneck = options.bottleneck ?? true;
  let features = x;
  for (let i = 1; i <= options.layers; i++) {
    const p = `${name}_l${i}`;
    let y = features;
    const preAct = (suffix: string): void => {
      if (bn) y = apply(batchNormLayer(`${p}_bn${suffix}`), y);
      y = apply(relu(`${p}_relu${suffix}`), y);
    };
    if (bottleneck) {
      preAct('1');
      y = apply(
        tf.layers.conv2d({ name: `${p}_conv1`, filters: 4 * growthRate, kernelSize: 1, padding: 'same', useBias: !bn, kernelInitializer: 'zeros' }),
        y,
      );
    }
    preAct('2');
    y = apply(
      tf.layers.conv2d({ name: `${p}_conv2`, filters: growthRate, kernelSize: 3, padding: 'same', useBias: !bn, kernelInitializer: 'zeros' }),
      y,
    );
    features = apply(tf.layers.concatenate({ name: `${name}_concat${i}`, axis: -1 }), [features, y]);
  }
  return features;
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
 * Layers `${name}_b1_conv`, `_b2_reduce`, `_b2_conv`, `_b3_reduce`, `_b3_conv`, `_b4_pool`, `_b4_conv`, `_concat`
 * (+ `_bn` / `_relu` suffixed per conv).
 */
export function inceptionModule(x: tf.SymbolicTensor, options: InceptionOptions): tf.SymbolicTensor {
  const { name } = options;
  const bn = options.batchNorm ?? true;
  const unit = (input: tf.SymbolicTensor, conv: string, filters: number, kernelSize: number): tf.SymbolicTensor =>
    convBnRelu(input, { conv, bn: `${conv}_bn`, relu: `${conv}_relu`, filters, kernelSize, batchNorm: bn });
  const b1 = unit(x, `${name}_b1_conv`, options.conv1x1, 1);
  const b2 = unit(unit(x, `${name}_b2_reduce`, options.conv3x3[0], 1), `${name}_b2_conv`, options.conv3x3[1], 3);
  const b3 = unit(unit(x, `${name}_b3_reduce`, options.conv5x5[0], 1), `${name}_b3_conv`, options.conv5x5[1], 5);
  const pooled = apply(tf.layers.maxPooling2d({ name: `${name}_b4_pool`, poolSize: 3, strides: 1, padding: 'same' }), x);
  const b4 = unit(pooled, `${name}_b4_conv`, options.poolProjection, 1);
  return apply(tf.layers.concatenate({ name: `${name}_concat`, axis: -1 }), [b1, b2, b3, b4]);
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
 * Layers `${name}_dw`, `_dw_bn`, `_dw_relu`, `_pw`, `_pw_bn`, `_pw_relu`. Params (no bias, BN): k²·c_in + c_in·f
 * (+ 2·c_in + 2·f BN trainable) vs k²·c_in·f for a full k×k conv.
 */
export function depthwiseSeparableConv(x: tf.SymbolicTensor, options: SeparableConvOptions): tf.SymbolicTensor {
  const { name } = options;
  const bn = options.batchNorm ?? true;
  let y = apply(
    tf.layers.depthwiseConv2d({
      name: `${name}_dw`,
      kernelSize: options.kernelSize ?? 3,
      strides: options.stride ?? 1,
      padding: 'same',
      depthMultiplier: 1,
      useBias: !bn,
      depthwiseInitializer: 'zeros',
    }),
    x,
  );
  if (bn) y = apply(batchNormLayer(`${name}_dw_bn`), y);
  y = apply(relu(`${name}_dw_relu`), y);
  return convBnRelu(y, { conv: `${name}_pw`, bn: `${name}_pw_bn`, relu: `${name}_pw_relu`, filters: options.filters, kernelSize: 1, batchNorm: bn });
}

/** Internal helper for the builders: applies a layer to one symbolic input. */
export function applyLayer(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return apply(layer, x);
}

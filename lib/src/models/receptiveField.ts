import * as tf from '@tensorflow/tfjs';
import { initializeModel } from './init';

/**
 * Geometry and cost of convolution stacks, computed analytically (no tensors): output sizes, receptive field,
 * parameters and multiply-accumulates per layer. `layerCosts` does the same bookkeeping for a built tf.LayersModel
 * (from its weight shapes and output shapes), and `convStackModel` builds a stack as a tf model, so the two can be
 * checked against each other and against a gradient-measured receptive field.
 *
 * Conventions: square kernels; 'valid' = no padding, 'same' = TensorFlow's (output = ceil(input/stride), the extra
 * pixel of an odd total padding goes after), a number = that many zero pixels on every side (PyTorch's padding).
 * MACs count the multiply-accumulates of conv and dense layers only (1 MAC = 2 FLOPs); pooling, BatchNorm, biases,
 * activations, additions and concatenations are left out, as in the usual "GMACs" tables.
 */
export type ConvStackLayerType = 'conv' | 'depthwise' | 'maxpool' | 'avgpool';

export interface ConvStackLayer {
  name: string;
  type: ConvStackLayerType;
  /** Square kernel (pooling window) size. */
  kernel: number;
  /** Default 1 for convs; default `kernel` for pooling, as tf/torch pools. */
  stride?: number;
  /** 'valid' (default), 'same', or zero pixels on every side. */
  padding?: number | 'same' | 'valid';
  /** Dilation (default 1): the kernel spans dilation·(kernel − 1) + 1 pixels. */
  dilation?: number;
  /** Output channels of a 'conv' (required for it); depthwise and pooling keep the channel count. */
  filters?: number;
  /** Grouped convolution (AlexNet's two-GPU split: groups 2); default 1. */
  groups?: number;
  /** Conv bias (default true). */
  bias?: boolean;
}

export interface FeatureMapShape {
  height: number;
  width: number;
  channels: number;
}

/** One layer of `convStackGeometry` (a flat row: fits a CSV table). */
export interface ConvStackRow {
  [key: string]: string | number;
  layer: string;
  type: ConvStackLayerType;
  kernel: number;
  stride: number;
  /** Zero padding before the first row/column (after: see `padAfter`). */
  padBefore: number;
  padAfter: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  /** Side of the square of input pixels that can influence one output unit. */
  receptiveField: number;
  /** Distance in input pixels between neighbouring output units (product of strides so far). */
  jump: number;
  /** Input coordinate (pixel index, may be negative: padding) of the centre of output unit 0's receptive field. */
  firstCenter: number;
  parameters: number;
  macs: number;
  cumulativeParameters: number;
  cumulativeMacs: number;
}

function positiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`${what} must be a positive integer; got ${String(value)}`);
  }
  return value;
}

/** Padding before/after and output size along one axis. */
function axisGeometry(size: number, span: number, stride: number, padding: ConvStackLayer['padding'], where: string): { out: number; before: number; after: number } {
  if (padding === undefined || padding === 'valid') {
    const out = Math.floor((size - span) / stride) + 1;
    if (out < 1) throw new Error(`${where}: a ${span}-pixel window does not fit a ${size}-pixel input without padding`);
    return { out, before: 0, after: 0 };
  }
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + span - size, 0);
    const before = Math.floor(total / 2);
    return { out, before, after: total - before };
  }
  if (!(Number.isInteger(padding) && padding >= 0)) throw new Error(`${where}: padding must be 'same', 'valid' or a non-negative integer; got ${String(padding)}`);
  const out = Math.floor((size + 2 * padding - span) / stride) + 1;
  if (out < 1) throw new Error(`${where}: a ${span}-pixel window does not fit a ${size}-pixel input padded by ${padding}`);
  return { out, before: padding, after: padding };
}

/**
 * Walks a stack of convs and pools from an input shape and returns one row per layer: output size, receptive field
 * (r_out = r_in + (k_eff − 1)·j_in, j_out = j_in·s, with k_eff = d·(k − 1) + 1), parameters and MACs
 * (conv: H_out·W_out·C_out·k²·C_in/groups; depthwise: H_out·W_out·C·k²).
 */
export function convStackGeometry(layers: readonly ConvStackLayer[], input: FeatureMapShape): ConvStackRow[] {
  let h = positiveInt(input.height, 'convStackGeometry: input.height');
  let w = positiveInt(input.width, 'convStackGeometry: input.width');
  let c = positiveInt(input.channels, 'convStackGeometry: input.channels');
  let receptiveField = 1;
  let jump = 1;
  let firstCenter = 0;
  let cumulativeParameters = 0;
  let cumulativeMacs = 0;
  const names = new Set<string>();
  return layers.map((layer, i) => {
    const where = `convStackGeometry: layer ${i} ('${layer.name}')`;
    if (names.has(layer.name)) throw new Error(`${where}: the name is used twice`);
    names.add(layer.name);
    const k = positiveInt(layer.kernel, `${where} kernel`);
    const isPool = layer.type === 'maxpool' || layer.type === 'avgpool';
    const stride = positiveInt(layer.stride ?? (isPool ? k : 1), `${where} stride`);
    const dilation = positiveInt(layer.dilation ?? 1, `${where} dilation`);
    const groups = positiveInt(layer.groups ?? 1, `${where} groups`);
    const span = dilation * (k - 1) + 1;
    const rows = axisGeometry(h, span, stride, layer.padding, where);
    const cols = axisGeometry(w, span, stride, layer.padding, where);
    let outChannels = c;
    let parameters = 0;
    let macs = 0;
    if (layer.type === 'conv') {
      outChannels = positiveInt(layer.filters, `${where} filters`);
      if (c % groups !== 0 || outChannels % groups !== 0) {
        throw new Error(`${where}: groups ${groups} must divide the input channels ${c} and the filters ${outChannels}`);
      }
      parameters = k * k * (c / groups) * outChannels + (layer.bias ?? true ? outChannels : 0);
      macs = rows.out * cols.out * outChannels * k * k * (c / groups);
    } else if (layer.type === 'depthwise') {
      if (groups !== 1) throw new Error(`${where}: a depthwise conv takes no groups (it is one group per channel)`);
      parameters = k * k * c + (layer.bias ?? true ? c : 0);
      macs = rows.out * cols.out * c * k * k;
    } else if (!isPool) {
      throw new Error(`${where}: type must be conv, depthwise, maxpool or avgpool; got '${String(layer.type)}'`);
    }
    firstCenter += ((span - 1) / 2 - rows.before) * jump;
    receptiveField += (span - 1) * jump;
    jump *= stride;
    cumulativeParameters += parameters;
    cumulativeMacs += macs;
    const row: ConvStackRow = {
      layer: layer.name, type: layer.type, kernel: k, stride, padBefore: rows.before, padAfter: rows.after,
      inHeight: h, inWidth: w, inChannels: c, outHeight: rows.out, outWidth: cols.out, outChannels,
      receptiveField, jump, firstCenter, parameters, macs, cumulativeParameters, cumulativeMacs,
    };
    h = rows.out;
    w = cols.out;
    c = outChannels;
    return row;
  });
}

/** Receptive field of the last layer of the stack (1 for an empty stack). */
export function stackReceptiveField(layers: readonly ConvStackLayer[], input: FeatureMapShape): number {
  const rows = convStackGeometry(layers, input);
  return rows.length === 0 ? 1 : (rows[rows.length - 1] as ConvStackRow).receptiveField;
}

/**
 * AlexNet's five convs and three max pools on 227×227×3 (Krizhevsky et al. 2012: 96-256-384-384-256 filters, conv1
 * 11×11 stride 4, overlapping 3×3 stride-2 pools). `twoGpu: true` uses the paper's split: conv2, conv4 and conv5
 * only see the half of the channels on their own GPU (groups 2).
 */
export function alexNetConvStack(options: { twoGpu?: boolean } = {}): ConvStackLayer[] {
  const g = options.twoGpu ? 2 : 1;
  return [
    { name: 'conv1', type: 'conv', kernel: 11, stride: 4, filters: 96 },
    { name: 'pool1', type: 'maxpool', kernel: 3, stride: 2 },
    { name: 'conv2', type: 'conv', kernel: 5, padding: 2, filters: 256, groups: g },
    { name: 'pool2', type: 'maxpool', kernel: 3, stride: 2 },
    { name: 'conv3', type: 'conv', kernel: 3, padding: 1, filters: 384 },
    { name: 'conv4', type: 'conv', kernel: 3, padding: 1, filters: 384, groups: g },
    { name: 'conv5', type: 'conv', kernel: 3, padding: 1, filters: 256, groups: g },
    { name: 'pool5', type: 'maxpool', kernel: 3, stride: 2 },
  ];
}

/** VGG-16's 13 convs (3×3, padding 1) and five 2×2 max pools (Simonyan & Zisserman 2015, configuration D). */
export function vgg16ConvStack(): ConvStackLayer[] {
  const stages: [number, number][] = [[2, 64], [2, 128], [3, 256], [3, 512], [3, 512]];
  const out: ConvStackLayer[] = [];
  stages.forEach(([convs, filters], s) => {
    for (let i = 1; i <= convs; i++) out.push({ name: `conv${s + 1}_${i}`, type: 'conv', kernel: 3, padding: 1, filters });
    out.push({ name: `pool${s + 1}`, type: 'maxpool', kernel: 2, stride: 2 });
  });
  return out;
}

/** Cost of one layer of a built model. */
export interface LayerCost {
  [key: string]: string | number;
  layer: string;
  className: string;
  /** e.g. '16x16x32' (batch dimension left out). */
  outputShape: string;
  parameters: number;
  macs: number;
}

function layerOutputShape(layer: tf.layers.Layer): number[] {
  const shape = layer.outputShape;
  if (!Array.isArray(shape) || Array.isArray(shape[0])) throw new Error(`layerCosts: layer '${layer.name}' has several outputs`);
  return (shape as (number | null)[]).slice(1).map((d) => {
    if (d === null) throw new Error(`layerCosts: layer '${layer.name}' has an unknown output dimension`);
    return d;
  });
}

/**
 * Parameters (all weights, BN moving statistics included, as `layer.countParams()`) and MACs of every layer of a
 * model, from its weight and output shapes: Conv2D H·W·k_h·k_w·C_in·C_out, DepthwiseConv2D H·W·k_h·k_w·C_in·m, Dense
 * (on a rank-2 input) in·out; every other layer 0 MACs.
 */
export function layerCosts(model: tf.LayersModel): LayerCost[] {
  return model.layers.map((layer) => {
    const className = layer.getClassName();
    const out = layerOutputShape(layer);
    let macs = 0;
    const kernel = layer.weights.find((w) => /\/(depthwise_)?kernel$/.test(w.originalName));
    const spatial = out.length === 3 ? (out[0] as number) * (out[1] as number) : 1;
    if (kernel && (className === 'Conv2D' || className === 'DepthwiseConv2D')) {
      const [kh, kw, cin, mult] = kernel.shape as number[];
      macs = spatial * (kh as number) * (kw as number) * (cin as number) * (mult as number);
    } else if (kernel && className === 'Dense') {
      if (out.length !== 1) throw new Error(`layerCosts: Dense layer '${layer.name}' on a rank-${out.length + 1} input is not supported`);
      const [fanIn, units] = kernel.shape as number[];
      macs = (fanIn as number) * (units as number);
    } else if (kernel) {
      throw new Error(`layerCosts: no MAC rule for layer '${layer.name}' of class ${className}`);
    }
    return { layer: layer.name, className, outputShape: out.join('x'), parameters: layer.countParams(), macs };
  });
}

/** Totals of `layerCosts`: all weights, learned ones (no BN moving statistics) and MACs for one example. */
export function modelCost(model: tf.LayersModel): { parameters: number; learnedParameters: number; macs: number } {
  let parameters = 0;
  let macs = 0;
  for (const row of layerCosts(model)) {
    parameters += row.parameters;
    macs += row.macs;
  }
  let statistics = 0;
  for (const w of model.weights) if (/moving_(mean|variance)$/.test(w.originalName)) statistics += w.shape.reduce((a: number, b) => a * (b as number), 1);
  return { parameters, learnedParameters: parameters - statistics, macs };
}

export interface ConvStackModelOptions {
  /** Use this many channels in every conv instead of `filters` (cheap probes of geometry). */
  channels?: number;
  /** Max pools become average pools (a max pool routes the gradient to one input: useless for measuring extent). */
  poolsAsAverage?: boolean;
  /** Build grouped convs as ordinary convs (tf.layers has no groups); otherwise groups > 1 is an error. */
  ignoreGroups?: boolean;
  /** Init seed ('torch-default' scheme). */
  seed?: number;
}

/**
 * The stack as a tf.LayersModel with linear convs (no activations): numeric padding becomes a ZeroPadding2D layer
 * `${name}_pad` followed by a 'valid' layer. Layer names are the stack's names.
 */
export function convStackModel(layers: readonly ConvStackLayer[], input: FeatureMapShape, options: ConvStackModelOptions = {}): tf.LayersModel {
  convStackGeometry(layers, input); // validates sizes and names
  const x = tf.input({ shape: [input.height, input.width, input.channels], name: 'input' });
  let y: tf.SymbolicTensor = x;
  const apply = (layer: tf.layers.Layer): void => {
    const out = layer.apply(y);
    if (Array.isArray(out) || !(out instanceof tf.SymbolicTensor)) throw new Error(`convStackModel: layer '${layer.name}' gave no single output`);
    y = out;
  };
  for (const layer of layers) {
    const isPool = layer.type === 'maxpool' || layer.type === 'avgpool';
    const stride = layer.stride ?? (isPool ? layer.kernel : 1);
    let padding: 'same' | 'valid' = 'valid';
    if (layer.padding === 'same') padding = 'same';
    else if (typeof layer.padding === 'number' && layer.padding > 0) {
      apply(tf.layers.zeroPadding2d({ name: `${layer.name}_pad`, padding: layer.padding }));
    }
    if ((layer.groups ?? 1) > 1 && !options.ignoreGroups) {
      throw new Error(`convStackModel: layer '${layer.name}' has groups ${layer.groups}; tf.layers has no grouped conv (pass ignoreGroups to build it ungrouped)`);
    }
    const dilationRate = layer.dilation ?? 1;
    if (layer.type === 'conv') {
      const filters = options.channels ?? positiveInt(layer.filters, `convStackModel: '${layer.name}' filters`);
      apply(tf.layers.conv2d({ name: layer.name, filters, kernelSize: layer.kernel, strides: stride, padding, dilationRate, useBias: layer.bias ?? true }));
    } else if (layer.type === 'depthwise') {
      apply(tf.layers.depthwiseConv2d({ name: layer.name, kernelSize: layer.kernel, strides: stride, padding, dilationRate, useBias: layer.bias ?? true }));
    } else {
      const pool = layer.type === 'avgpool' || options.poolsAsAverage ? tf.layers.averagePooling2d : tf.layers.maxPooling2d;
      if (dilationRate !== 1) throw new Error(`convStackModel: pooling layer '${layer.name}' cannot be dilated`);
      apply(pool({ name: layer.name, poolSize: layer.kernel, strides: stride, padding }));
    }
  }
  const model = tf.model({ inputs: x, outputs: y, name: 'conv_stack' });
  initializeModel(model, { scheme: 'torch-default', seed: options.seed ?? 0 });
  return model;
}

/**
 * Models of the masking study: the small VGG-style CNN of protocol A, and Tiny Darknet rebuilt at another input
 * resolution with a new classification head (protocol B). Every transfer model is a fresh instance whose backbone
 * weights are copied from the pretrained one and whose head is initialised from the run's seed.
 */
import * as tf from '@tensorflow/tfjs';
import { initializeModel } from '../models/init';
import { vggSmall } from '../models/vgg';
import { takeSnapshot, writeSnapshot, type ParameterSnapshot } from '../probe/snapshot';
import { convLayerNames } from './kernelSimilarityCapture';

/** Architecture of the protocol-A CNN (VGG-style, no BatchNorm, as torchvision's VGG the seed used). */
export interface MaskingCnnSpec {
  /** Channels of the first stage, doubling per stage. */
  width: number;
  /** Convs per stage; a 2×2 max-pool follows each stage. */
  stages: number[];
  inputShape: [number, number, number];
  classes: number;
}

/** Name of the classification head of every masking model (its weights are never transferred). */
export const MASKING_HEAD_LAYERS = ['fc1', 'head'] as const;

function isHeadLayer(layer: string): boolean {
  return (MASKING_HEAD_LAYERS as readonly string[]).includes(layer);
}

/** The protocol-A CNN: convs conv{s}_{i} + ReLU, pools, flatten, one dense head 'fc1'. */
export function maskingCnn(spec: MaskingCnnSpec, seed: number): tf.LayersModel {
  return vggSmall({ width: spec.width, stages: spec.stages, batchNorm: false, classifierHidden: [], inputShape: spec.inputShape, classes: spec.classes, seed });
}

/** Copies every non-head weight of `pretrained` into `model` (same layer names and shapes). */
export function transferBackbone(model: tf.LayersModel, pretrained: ParameterSnapshot): void {
  writeSnapshot(model, pretrained, { allowExtra: true, only: (e) => !isHeadLayer(e.layer) });
}

/** BatchNorm layers (by name) that directly follow each conv layer. */
function batchNormFollowers(model: tf.LayersModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const inbound = layer.inboundNodes[0]?.inboundLayers[0];
    if (inbound) out.set(inbound.name, layer.name);
  }
  return out;
}

/**
 * Freezes (layer.trainable = false) the first `k` conv layers and the BatchNorm layer right after each; `k` larger
 * than the number of convs freezes the whole backbone (a linear probe). Returns the frozen layer names.
 */
export function freezeFirstConvs(model: tf.LayersModel, k: number): string[] {
  if (!(Number.isInteger(k) && k >= 0)) throw new Error(`freezeFirstConvs: k must be a non-negative integer, got ${k}`);
  const convs = convLayerNames(model);
  const bn = batchNormFollowers(model);
  const frozen: string[] = [];
  for (const name of convs.slice(0, k)) {
    model.getLayer(name).trainable = false;
    frozen.push(name);
    const b = bn.get(name);
    if (b) {
      model.getLayer(b).trainable = false;
      frozen.push(b);
    }
  }
  return frozen;
}

/** Creates a copy of a layer from its config (same name, so canonical weight names match the original). */
function cloneLayer(layer: tf.layers.Layer): tf.layers.Layer {
  const config = layer.getConfig();
  switch (layer.getClassName()) {
    case 'Conv2D':
      return tf.layers.conv2d(config as unknown as Parameters<typeof tf.layers.conv2d>[0]);
    case 'BatchNormalization':
      return tf.layers.batchNormalization(config as unknown as Parameters<typeof tf.layers.batchNormalization>[0]);
    case 'LeakyReLU':
      return tf.layers.leakyReLU(config as unknown as Parameters<typeof tf.layers.leakyReLU>[0]);
    case 'MaxPooling2D':
      return tf.layers.maxPooling2d(config as unknown as Parameters<typeof tf.layers.maxPooling2d>[0]);
    case 'Activation':
      return tf.layers.activation(config as unknown as Parameters<typeof tf.layers.activation>[0]);
    default:
      throw new Error(`cloneLayer: layer '${layer.name}' of class ${layer.getClassName()} is not supported for rebuilding`);
  }
}

export interface DarknetTransferOptions {
  /** Square input side (224 = the original; smaller is cheaper on a CPU, the backbone is fully convolutional). */
  inputSize: number;
  classes: number;
  /** Seed of the new head (and of all weights when `pretrained` is false). */
  seed: number;
  /** Copy the pretrained backbone (default true); false = the same architecture from scratch. */
  pretrained?: boolean;
}

/**
 * Tiny Darknet rebuilt for transfer: the pretrained chain up to the layer before its 1000-class 1×1 conv, at
 * `inputSize`×`inputSize`, then global average pooling and a new dense head 'head' with `classes` outputs. Layer
 * names are the original's (conv2d_1 ... conv2d_15, batch_normalization_*), so weights copy by name.
 */
export function darknetTransferModel(darknet: tf.LayersModel, options: DarknetTransferOptions): tf.LayersModel {
  const { inputSize, classes, seed } = options;
  if (!(Number.isInteger(inputSize) && inputSize >= 4)) throw new Error(`darknetTransferModel: inputSize must be an integer >= 4, got ${inputSize}`);
  const layers = darknet.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const lastConv = [...layers].reverse().findIndex((l) => l.getClassName() === 'Conv2D');
  if (lastConv < 0) throw new Error(`darknetTransferModel: model '${darknet.name}' has no Conv2D layer`);
  const backbone = layers.slice(0, layers.length - 1 - lastConv);
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input' });
  let x: tf.SymbolicTensor = input;
  for (const layer of backbone) x = cloneLayer(layer).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ name: 'head', units: classes, kernelInitializer: 'zeros' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x, name: `darknet_transfer_${inputSize}` });
  initializeModel(model, { seed });
  if (options.pretrained ?? true) transferBackbone(model, takeSnapshot(darknet, 'pretrained'));
  return model;
}

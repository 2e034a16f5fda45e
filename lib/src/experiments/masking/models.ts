/**
 * Models of the masking study: the small VGG-style CNN of protocol A, and Tiny Darknet rebuilt at another input
 * resolution with a new classification head (protocol B). Every transfer model is a fresh instance whose backbone
 * weights are copied from the pretrained one and whose head is initialised from the run's seed.
 */
import * as tf from '@tensorflow/tfjs';
import { TORCH_BN_MOMENTUM } from '../../models/common';
import { initializeModel } from '../../models/init';
import { vggSmall } from '../../models/vgg';
import { takeSnapshot, writeSnapshot, type ParameterSnapshot } from '../../probe/snapshot';
import { convLayerNames } from '../../probe/kernelCapture';

/** Architecture of the protocol-A CNN (VGG-style, no BatchNorm, as torchvision's VGG the original study used). */
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
function cloneLayer(layer: tf.layers.Layer, batchNormMomentum?: number): tf.layers.Layer {
  const config = layer.getConfig();
  switch (layer.getClassName()) {
    case 'Conv2D':
      return tf.layers.conv2d(config as unknown as Parameters<typeof tf.layers.conv2d>[0]);
    case 'BatchNormalization':
      return tf.layers.batchNormalization({
        ...(config as unknown as Parameters<typeof tf.layers.batchNormalization>[0]),
        ...(batchNormMomentum === undefined ? {} : { momentum: batchNormMomentum }),
      });
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
  /**
   * Fold each BatchNorm into the conv before it (default false): w·γ/√(σ²+ε) and bias β − γμ/√(σ²+ε), exactly the
   * network in inference mode, so fine-tuning keeps the pretraining normalisation statistics.
   */
  foldBatchNorm?: boolean;
  /**
   * Momentum of the moving statistics of unfolded BatchNorm layers in tfjs terms (default 0.9 = PyTorch's 0.1, the
   * original study's framework: the statistics follow the new data within tens of steps; the converted Keras model has 0.99,
   * which leaves ImageNet statistics in place for hundreds of steps and breaks evaluation after a short fine-tune).
   */
  batchNormMomentum?: number;
}

/** γ/√(σ²+ε) and β − γμ/√(σ²+ε) of a BatchNormalization layer (center/scale respected). */
function batchNormAffine(bn: tf.layers.Layer): { scale: Float32Array; shift: Float32Array } {
  const config = bn.getConfig();
  const eps = Number(config['epsilon'] ?? 1e-3);
  const weights = new Map(bn.weights.map((w) => [w.originalName.slice(w.originalName.lastIndexOf('/') + 1), w.read().dataSync() as Float32Array]));
  const mean = weights.get('moving_mean');
  const variance = weights.get('moving_variance');
  if (!mean || !variance) throw new Error(`batchNormAffine: '${bn.name}' has no moving statistics`);
  const gamma = weights.get('gamma');
  const beta = weights.get('beta');
  const scale = Float32Array.from(variance, (v, c) => (gamma ? (gamma[c] as number) : 1) / Math.sqrt(v + eps));
  const shift = Float32Array.from(mean, (m, c) => (beta ? (beta[c] as number) : 0) - m * (scale[c] as number));
  return { scale, shift };
}

/**
 * Tiny Darknet rebuilt for transfer: the pretrained chain up to the layer before its 1000-class 1×1 conv, at
 * `inputSize`×`inputSize`, then global average pooling and a new dense head 'head' with `classes` outputs. Layer
 * names are the original's (conv2d_1 ... conv2d_15, batch_normalization_*), so weights copy by name.
 */
export function darknetTransferModel(darknet: tf.LayersModel, options: DarknetTransferOptions): tf.LayersModel {
  const { inputSize, classes, seed } = options;
  const fold = options.foldBatchNorm ?? false;
  const momentum = options.batchNormMomentum ?? TORCH_BN_MOMENTUM;
  if (!(Number.isInteger(inputSize) && inputSize >= 4)) throw new Error(`darknetTransferModel: inputSize must be an integer >= 4, got ${inputSize}`);
  const layers = darknet.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const lastConv = [...layers].reverse().findIndex((l) => l.getClassName() === 'Conv2D');
  if (lastConv < 0) throw new Error(`darknetTransferModel: model '${darknet.name}' has no Conv2D layer`);
  const backbone = layers.slice(0, layers.length - 1 - lastConv);
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input' });
  let x: tf.SymbolicTensor = input;
  /** conv name → the BatchNorm folded into it. */
  const folded = new Map<string, tf.layers.Layer>();
  for (let i = 0; i < backbone.length; i++) {
    const layer = backbone[i] as tf.layers.Layer;
    const next = backbone[i + 1];
    if (fold && layer.getClassName() === 'Conv2D' && next?.getClassName() === 'BatchNormalization') {
      const config = { ...layer.getConfig(), useBias: true };
      x = tf.layers.conv2d(config as unknown as Parameters<typeof tf.layers.conv2d>[0]).apply(x) as tf.SymbolicTensor;
      folded.set(layer.name, next);
      i++;
      continue;
    }
    x = cloneLayer(layer, momentum).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ name: 'head', units: classes, kernelInitializer: 'zeros' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x, name: `darknet_transfer_${inputSize}` });
  initializeModel(model, { seed });
  if (!(options.pretrained ?? true)) return model;
  const unfolded = takeSnapshot(darknet, 'pretrained');
  transferBackbone(model, { ...unfolded, entries: unfolded.entries.filter((e) => !folded.has(e.layer) && ![...folded.values()].some((bn) => bn.name === e.layer)) });
  for (const [convName, bn] of folded) {
    const conv = darknet.getLayer(convName);
    const kernel = conv.getWeights()[0] as tf.Tensor;
    const oldBias = conv.getWeights()[1]?.dataSync() as Float32Array | undefined;
    const { scale, shift } = batchNormAffine(bn);
    const bias = Float32Array.from(shift, (b, c) => b + (oldBias ? (oldBias[c] as number) * (scale[c] as number) : 0));
    tf.tidy(() => model.getLayer(convName).setWeights([tf.mul(kernel, tf.tensor1d(scale)), tf.tensor1d(bias)]));
  }
  return model;
}

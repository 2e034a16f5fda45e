/**
 * Per-kernel activation capture for the statistics-guided masking study (the original masking study): one pass of a dataset through a
 * network in inference mode, keeping for every kernel (output channel) of the chosen conv layers a seeded uniform
 * sample of its activation values (all images × positions) and the channel and spatial Gram matrices.
 */
import * as tf from '@tensorflow/tfjs';
import { layerOutputModel } from './activations';
import { ReservoirSampler } from './reservoir';
import { inOrder, type LabelledBatchSource } from '../data/source';

export interface KernelCaptureOptions {
  /** Conv layers whose kernels are compared and masked (default: every Conv2D layer of the model, in order). */
  layers?: readonly string[];
  /**
   * Layer whose output is sampled for a conv layer (default: the conv layer itself, i.e. pre-activation outputs, as
   * the original's forward hooks on conv modules). E.g. `{ conv1_1: 'relu1_1' }` to sample after the ReLU.
   */
  probeLayerOf?: Readonly<Record<string, string>>;
  /** Values kept per kernel (seeded reservoir sample; default 4000 as the original). */
  samplesPerKernel?: number;
  /** Seed of the samples (default 0). Layer l uses seed + 7919·l, as lib/src/probe. */
  seed?: number;
  /** Images per forward pass (default 64). */
  batchSize?: number;
  /** Use only the first `maxExamples` images of the source (default all). */
  maxExamples?: number;
  /** Accumulate channel and spatial Gram matrices (default true). */
  gram?: boolean;
}

/** What was captured for one conv layer on one dataset. */
export interface LayerKernelCapture {
  /** The conv layer whose kernels these are. */
  layer: string;
  /** The layer whose output was sampled. */
  probeLayer: string;
  /** Number of kernels (output channels). */
  kernels: number;
  height: number;
  width: number;
  examples: number;
  /** Per kernel: a uniform sample (min(values seen, samplesPerKernel)) of its raw activation values. */
  samples: Float32Array[];
  /** C×C row-major: mean over images of FᵀF / (H·W), F the (H·W)×C activations of one image. Empty without gram. */
  channelGram: Float64Array;
  /** C blocks of H×H: per kernel, mean over images of A Aᵀ / W, A its H×W activation map. Empty without gram. */
  spatialGram: Float64Array;
}

/** The captures of all chosen layers on one dataset, in layer order. */
export interface KernelActivationCapture {
  layers: LayerKernelCapture[];
  examples: number;
  seed: number;
  samplesPerKernel: number;
}

/** Names of the model's Conv2D layers, in model order. */
export function convLayerNames(model: tf.LayersModel): string[] {
  return model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.name);
}

function checkConvLayers(model: tf.LayersModel, layers: readonly string[]): void {
  if (layers.length === 0) throw new Error(`captureKernelActivations: model '${model.name}' has no Conv2D layer to compare`);
  const known = new Map(model.layers.map((l) => [l.name, l.getClassName()]));
  for (const name of layers) {
    const cls = known.get(name);
    if (cls === undefined) throw new Error(`captureKernelActivations: model '${model.name}' has no layer '${name}'; conv layers: ${convLayerNames(model).join(', ')}`);
    if (cls !== 'Conv2D') throw new Error(`captureKernelActivations: layer '${name}' is a ${cls} layer, expected a Conv2D layer`);
  }
}

/**
 * Runs the source through the model (inference mode: BatchNorm uses its moving statistics) and captures every chosen
 * conv layer's per-kernel activation sample and Gram matrices. Deterministic: the same model, source, options and
 * seed give bit-identical samples. Holds one batch of activations at a time.
 */
export async function captureKernelActivations(
  model: tf.LayersModel,
  source: LabelledBatchSource,
  options: KernelCaptureOptions = {},
): Promise<KernelActivationCapture> {
  const layers = [...(options.layers ?? convLayerNames(model))];
  checkConvLayers(model, layers);
  const probeLayers = layers.map((l) => options.probeLayerOf?.[l] ?? l);
  const samplesPerKernel = options.samplesPerKernel ?? 4000;
  const seed = options.seed ?? 0;
  const batchSize = options.batchSize ?? 64;
  const withGram = options.gram ?? true;
  if (!(Number.isInteger(samplesPerKernel) && samplesPerKernel >= 2)) {
    throw new Error(`captureKernelActivations: samplesPerKernel must be an integer >= 2, got ${samplesPerKernel}`);
  }
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`captureKernelActivations: batchSize must be a positive integer, got ${batchSize}`);
  const total = Math.min(source.count, options.maxExamples ?? source.count);
  if (total < 1) throw new Error('captureKernelActivations: the source has no examples');
  const probe = layerOutputModel(model, probeLayers);
  const captures: LayerKernelCapture[] = [];
  const reservoirs: ReservoirSampler[] = [];
  probeLayers.forEach((probeLayer, li) => {
    const shape = (probe.outputs[li] as tf.SymbolicTensor).shape;
    if (shape.length !== 4) throw new Error(`captureKernelActivations: output of '${probeLayer}' has rank ${shape.length}, expected 4 (N, H, W, C)`);
    const [, h, w, c] = shape as [null, number, number, number];
    captures.push({
      layer: layers[li] as string,
      probeLayer,
      kernels: c,
      height: h,
      width: w,
      examples: 0,
      samples: [],
      channelGram: new Float64Array(withGram ? c * c : 0),
      spatialGram: new Float64Array(withGram ? c * h * h : 0),
    });
    reservoirs.push(new ReservoirSampler(c, samplesPerKernel, seed + li * 7919));
  });
  for (const { batch } of inOrder(source, batchSize, total)) {
    const n = batch.labels.length;
    const outs = tf.tidy(() => {
      const y = probe.apply(tf.tensor(batch.xs, batch.shape, 'float32'), { training: false });
      return (Array.isArray(y) ? y : [y]) as tf.Tensor[];
    });
    try {
      for (let li = 0; li < captures.length; li++) {
        const cap = captures[li] as LayerKernelCapture;
        const out = outs[li] as tf.Tensor4D;
        const values = (await out.data()) as Float32Array;
        (reservoirs[li] as ReservoirSampler).addRows(values, values.length / cap.kernels);
        if (withGram) {
          const { h, w, c } = { h: cap.height, w: cap.width, c: cap.kernels };
          const [channel, spatial] = tf.tidy(() => {
            const flat = tf.reshape(out, [n, h * w, c]);
            const cg = tf.div(tf.sum(tf.matMul(flat, flat, true, false), 0), h * w);
            const maps = tf.reshape(tf.transpose(out, [0, 3, 1, 2]), [n * c, h, w]);
            const sg = tf.div(tf.sum(tf.reshape(tf.matMul(maps, maps, false, true), [n, c, h, h]), 0), w);
            return [cg, sg];
          });
          const [cgValues, sgValues] = await Promise.all([channel.data(), spatial.data()]);
          tf.dispose([channel, spatial]);
          for (let i = 0; i < cgValues.length; i++) cap.channelGram[i] = (cap.channelGram[i] as number) + (cgValues[i] as number);
          for (let i = 0; i < sgValues.length; i++) cap.spatialGram[i] = (cap.spatialGram[i] as number) + (sgValues[i] as number);
        }
        cap.examples += n;
      }
    } finally {
      tf.dispose(outs);
    }
  }
  captures.forEach((cap, li) => {
    const r = reservoirs[li] as ReservoirSampler;
    cap.samples = Array.from({ length: cap.kernels }, (_, c) => r.sample(c));
    for (let i = 0; i < cap.channelGram.length; i++) cap.channelGram[i] = (cap.channelGram[i] as number) / cap.examples;
    for (let i = 0; i < cap.spatialGram.length; i++) cap.spatialGram[i] = (cap.spatialGram[i] as number) / cap.examples;
  });
  return { layers: captures, examples: total, seed, samplesPerKernel };
}

/**
 * The BatchNorm layer applied directly to each conv layer's output, if any (found from the model graph): its
 * gamma/beta belong to the same kernels and are masked with them.
 */
export function batchNormAfterConv(model: tf.LayersModel, convLayers: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const wanted = new Set(convLayers);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    for (const node of layer.inboundNodes) {
      const inbound = node.inboundLayers;
      if (inbound.length === 1 && wanted.has((inbound[0] as tf.layers.Layer).name)) out[(inbound[0] as tf.layers.Layer).name] = layer.name;
    }
  }
  return out;
}

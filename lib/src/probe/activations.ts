import * as tf from '@tensorflow/tfjs';
import { inOrder, type LabelledBatchSource } from '../data/source';
import { RunningMoments } from './moments';
import { ReservoirSampler } from './reservoir';

export interface ActivationProbeOptions {
  /** Names of the layers whose outputs are probed (e.g. 'relu1', 'conv3_1'). */
  layers: readonly string[];
  /** Default 256. */
  batchSize?: number;
  /**
   * 'auto' (default): rank-4 outputs (N,H,W,C) are reduced per channel over N·H·W, other outputs per unit over N.
   * 'unit': every output element (H·W·C of them) is its own unit.
   */
  reduce?: 'auto' | 'unit';
  /** Keep a seeded reservoir sample of this many values per unit/channel (default 0 = none). */
  samplesPerUnit?: number;
  /** Seed of the reservoir samples (default 0). */
  seed?: number;
  /** Keep the full N × d feature matrix (d = flattened output size) of these layers (or all with `true`). */
  features?: boolean | readonly string[];
  /** A unit is "ever active" when some value is > this (default 0: post-ReLU active). */
  activeThreshold?: number;
  /** Only the first `maxExamples` examples of the source (default all). */
  maxExamples?: number;
}

/** Statistics of one probed layer over the whole source. */
export interface LayerActivationStats {
  layer: string;
  /** Output shape without the batch axis. */
  outputShape: number[];
  reduce: 'channel' | 'unit';
  /** Number of units (channels for 'channel'). */
  units: number;
  /** Examples seen. */
  examples: number;
  /** Running moments per unit (count = values per unit). */
  moments: RunningMoments;
  /** Population mean / variance / std per unit (ddof 0; use moments.variance(1) for the sample variance). */
  mean: Float64Array;
  variance: Float64Array;
  std: Float64Array;
  min: Float32Array;
  max: Float32Array;
  /** 1 when the unit exceeded activeThreshold at least once. */
  everActive: Uint8Array;
  /** Reservoir samples per unit, when asked. */
  samples?: Float32Array[];
  /** examples × featureDim row-major, when asked. */
  features?: Float32Array;
  featureDim: number;
}

/** A model sharing `model`'s layers whose outputs are the named layers' outputs (in that order). Never dispose it (that would dispose the shared weights). */
export function layerOutputModel(model: tf.LayersModel, layers: readonly string[]): tf.LayersModel {
  if (layers.length === 0) throw new Error('layerOutputModel: no layer names given');
  const known = model.layers.map((l) => l.name);
  const outputs = layers.map((name) => {
    if (!known.includes(name)) throw new Error(`layerOutputModel: model '${model.name}' has no layer '${name}'; layers: ${known.join(', ')}`);
    const out = model.getLayer(name).output;
    if (Array.isArray(out)) throw new Error(`layerOutputModel: layer '${name}' has several outputs`);
    return out;
  });
  return tf.model({ inputs: model.inputs, outputs });
}

interface Accumulator {
  stats: LayerActivationStats;
  reservoir?: ReservoirSampler;
  keepFeatures: boolean;
}

/**
 * Runs the model in inference mode over the source batch by batch and accumulates statistics of the named layers'
 * outputs, never holding more than one batch of activations (plus the feature matrices asked for).
 */
export async function probeActivations(
  model: tf.LayersModel,
  source: LabelledBatchSource,
  options: ActivationProbeOptions,
): Promise<Map<string, LayerActivationStats>> {
  const probe = layerOutputModel(model, options.layers);
  const total = Math.min(source.count, options.maxExamples ?? source.count);
  if (total < 1) throw new Error('probeActivations: no examples to probe');
  const batchSize = options.batchSize ?? 256;
  const threshold = options.activeThreshold ?? 0;
  const samplesPerUnit = options.samplesPerUnit ?? 0;
  const featureLayers = options.features === true ? new Set(options.layers) : new Set(options.features === false ? [] : (options.features ?? []));
  for (const f of featureLayers) {
    if (!options.layers.includes(f)) throw new Error(`probeActivations: features asked for '${f}', which is not among layers ${options.layers.join(', ')}`);
  }
  const accumulators: Accumulator[] = options.layers.map((layer, li) => {
    const shape = (probe.outputs[li] as tf.SymbolicTensor).shape.slice(1).map((d) => {
      if (d === null) throw new Error(`probeActivations: layer '${layer}' has an unknown output dimension`);
      return d;
    });
    const featureDim = shape.reduce((a, b) => a * b, 1);
    const reduce: 'channel' | 'unit' = (options.reduce ?? 'auto') === 'auto' && shape.length === 3 ? 'channel' : 'unit';
    const units = reduce === 'channel' ? (shape[2] as number) : featureDim;
    const keepFeatures = featureLayers.has(layer);
    const stats: LayerActivationStats = {
      layer,
      outputShape: shape,
      reduce,
      units,
      examples: 0,
      moments: new RunningMoments(units),
      mean: new Float64Array(units),
      variance: new Float64Array(units),
      std: new Float64Array(units),
      min: new Float32Array(units).fill(Infinity),
      max: new Float32Array(units).fill(-Infinity),
      everActive: new Uint8Array(units),
      featureDim,
      ...(keepFeatures ? { features: new Float32Array(total * featureDim) } : {}),
    };
    const acc: Accumulator = { stats, keepFeatures };
    if (samplesPerUnit > 0) acc.reservoir = new ReservoirSampler(units, samplesPerUnit, (options.seed ?? 0) + li * 7919);
    return acc;
  });
  for (const { start, batch } of inOrder(source, batchSize, total)) {
    const n = batch.labels.length;
    const outs: tf.Tensor[] = tf.tidy(() => {
      const y = probe.apply(tf.tensor(batch.xs, batch.shape, 'float32'), { training: false });
      const list = Array.isArray(y) ? y : [y];
      return list.map((t) => {
        if (!(t instanceof tf.Tensor)) throw new Error('probeActivations: the model returned a symbolic output for a concrete input');
        return t;
      });
    });
    try {
      for (let li = 0; li < accumulators.length; li++) {
        const acc = accumulators[li] as Accumulator;
        const values = (await (outs[li] as tf.Tensor).data()) as Float32Array;
        const st = acc.stats;
        const rows = values.length / st.units;
        st.moments.addRows(values, rows);
        acc.reservoir?.addRows(values, rows);
        for (let r = 0; r < rows; r++) {
          const o = r * st.units;
          for (let u = 0; u < st.units; u++) {
            const v = values[o + u] as number;
            if (v < (st.min[u] as number)) st.min[u] = v;
            if (v > (st.max[u] as number)) st.max[u] = v;
          }
        }
        if (st.features) st.features.set(values, start * st.featureDim);
        st.examples += n;
      }
    } finally {
      tf.dispose(outs);
    }
  }
  const result = new Map<string, LayerActivationStats>();
  for (const acc of accumulators) {
    const st = acc.stats;
    st.mean.set(st.moments.mean);
    st.variance.set(st.moments.variance(0));
    st.std.set(st.moments.std(0));
    for (let u = 0; u < st.units; u++) st.everActive[u] = (st.max[u] as number) > threshold ? 1 : 0;
    if (acc.reservoir) {
      const r = acc.reservoir;
      st.samples = Array.from({ length: st.units }, (_, u) => r.sample(u));
    }
    result.set(st.layer, st);
  }
  return result;
}

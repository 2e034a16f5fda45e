/**
 * Statistics-guided masking of pretrained kernels (the original masking study), in its three steps:
 *
 *   const rg = await KernelSimilarity.fromNetwork(model, sourceData, targetData, { samplesPerKernel: 4000, seed: 1 });
 *   const mask = rg.mask({ statistic: 'welch-t', kind: 'per-layer-percentile', percentile: 50 });
 *   await train(model, data, config, [gradientMaskHook(mask.factors(1e-3))]);   // 0 = frozen, 1e-3 = the original
 *
 * (seed: `rg = CustomRequireGrad(net, loaderPre, loaderNew)`, `rg.run(stats_value)`, `rg.update_grads(net)`.)
 */
import type * as tf from '@tensorflow/tfjs';
import { describeParameters, type ParameterInfo } from '../models/parameters';
import type { Row } from '../report/table';
import type { LabelledBatchSource } from '../data/source';
import {
  batchNormAfterConv,
  captureKernelActivations,
  type KernelActivationCapture,
  type KernelCaptureOptions,
  type LayerKernelCapture,
} from './kernelCapture';
import { KernelMask, selectKernels, type LayerDistances, type MaskRule, type MaskSpec } from './kernelMask';
import {
  channelGramDistances,
  compareKernelSamples,
  logAbsActivations,
  similarityFromDistance,
  spatialGramDistances,
  type KernelStatistic,
  type KernelStatisticOptions,
} from './kernelStatistics';

export interface KernelSimilarityOptions extends KernelCaptureOptions, KernelStatisticOptions {
  /** Seed of the target-data samples (default seed + 1, so D and D2 use different subsampling streams). */
  targetSeed?: number;
  /** Use only the first N images of the pretraining-data source (default all). */
  maxSourceExamples?: number;
}

function checkCompatible(source: KernelActivationCapture, target: KernelActivationCapture): void {
  if (source.layers.length !== target.layers.length) {
    throw new Error(`KernelSimilarity: source has ${source.layers.length} captured layers, target ${target.layers.length}`);
  }
  source.layers.forEach((s, i) => {
    const t = target.layers[i] as LayerKernelCapture;
    if (s.layer !== t.layer || s.kernels !== t.kernels) {
      throw new Error(`KernelSimilarity: layer ${i} is '${s.layer}' with ${s.kernels} kernels on the source data but '${t.layer}' with ${t.kernels} on the target data`);
    }
  });
}

/** Per-kernel comparisons of a network's conv kernels between pretraining data D and new data D2. */
export class KernelSimilarity {
  private readonly cache = new Map<KernelStatistic, LayerDistances[]>();
  private readonly logCache = new Map<string, Float64Array>();

  constructor(
    /** Captures on the pretraining data D. */
    readonly source: KernelActivationCapture,
    /** Captures on the new data D2. */
    readonly target: KernelActivationCapture,
    /** The model's parameters (for turning masks into gradient factors). */
    readonly parameterInfo: readonly ParameterInfo[],
    /** conv layer → BatchNorm layer right after it (its gamma/beta are masked with the kernel). */
    readonly batchNormOf: Readonly<Record<string, string>> = {},
    readonly statisticOptions: KernelStatisticOptions = {},
  ) {
    checkCompatible(source, target);
  }

  /**
   * Step 1 of the original study's method: capture per-kernel activation samples and Gram matrices of `model`'s conv layers on the
   * pretraining data and on the new data (two inference passes; deterministic per seed).
   */
  static async fromNetwork(
    model: tf.LayersModel,
    sourceData: LabelledBatchSource,
    targetData: LabelledBatchSource,
    options: KernelSimilarityOptions = {},
  ): Promise<KernelSimilarity> {
    const seed = options.seed ?? 0;
    const { maxExamples, maxSourceExamples, targetSeed, bins, logEpsilon, histogramSmoothing, ...capture } = options;
    const source = await captureKernelActivations(model, sourceData, { ...capture, seed, maxExamples: maxSourceExamples ?? maxExamples });
    const target = await captureKernelActivations(model, targetData, { ...capture, seed: targetSeed ?? seed + 1, maxExamples });
    const layers = source.layers.map((l) => l.layer);
    const statisticOptions: KernelStatisticOptions = {};
    if (bins !== undefined) statisticOptions.bins = bins;
    if (logEpsilon !== undefined) statisticOptions.logEpsilon = logEpsilon;
    if (histogramSmoothing !== undefined) statisticOptions.histogramSmoothing = histogramSmoothing;
    return new KernelSimilarity(source, target, describeParameters(model), batchNormAfterConv(model, layers), statisticOptions);
  }

  /** Names of the compared conv layers, in model order. */
  get layers(): string[] {
    return this.source.layers.map((l) => l.layer);
  }

  /** log(|a| + eps) of one kernel's sample on D ('source') or D2 ('target'). */
  logSample(which: 'source' | 'target', layerIndex: number, kernel: number): Float64Array {
    const key = `${which}/${layerIndex}/${kernel}`;
    let v = this.logCache.get(key);
    if (!v) {
      const capture = (which === 'source' ? this.source : this.target).layers[layerIndex];
      if (!capture) throw new Error(`KernelSimilarity.logSample: no layer ${layerIndex} (have ${this.source.layers.length})`);
      const sample = capture.samples[kernel];
      if (!sample) throw new Error(`KernelSimilarity.logSample: layer '${capture.layer}' has no kernel ${kernel}`);
      v = logAbsActivations(sample, this.statisticOptions.logEpsilon ?? 1e-4);
      this.logCache.set(key, v);
    }
    return v;
  }

  /** All log values of one layer on D or D2 (pooled over kernels), for the per-layer histograms. */
  pooledLogSample(which: 'source' | 'target', layerIndex: number): Float64Array {
    const capture = (which === 'source' ? this.source : this.target).layers[layerIndex];
    if (!capture) throw new Error(`KernelSimilarity.pooledLogSample: no layer ${layerIndex}`);
    const parts = capture.samples.map((_, k) => this.logSample(which, layerIndex, k));
    const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /** Per-layer, per-kernel distances (0 = identical) of one statistic; computed once and cached. */
  distances(statistic: KernelStatistic): LayerDistances[] {
    const hit = this.cache.get(statistic);
    if (hit) return hit;
    const result = this.source.layers.map((s, li): LayerDistances => {
      const t = this.target.layers[li] as LayerKernelCapture;
      if (statistic === 'gram-channel' || statistic === 'gram-spatial') {
        if (s.channelGram.length === 0) throw new Error(`KernelSimilarity: '${statistic}' needs Gram matrices; capture with gram: true`);
        const distance =
          statistic === 'gram-channel'
            ? channelGramDistances(s.channelGram, t.channelGram, s.kernels)
            : spatialGramDistances(s.spatialGram, t.spatialGram, s.kernels);
        return { layer: s.layer, distance, pValue: null };
      }
      const distance = new Float64Array(s.kernels);
      const pValue = statistic === 'welch-t' || statistic === 'ks' ? new Float64Array(s.kernels) : null;
      for (let k = 0; k < s.kernels; k++) {
        const r = compareKernelSamples(statistic, this.logSample('source', li, k), this.logSample('target', li, k), this.statisticOptions);
        distance[k] = r.distance;
        if (pValue) pValue[k] = r.pValue as number;
      }
      return { layer: s.layer, distance, pValue };
    });
    this.cache.set(statistic, result);
    return result;
  }

  /** Per-layer, per-kernel similarity 1 / (1 + distance): 1 for identical distributions. */
  similarity(statistic: KernelStatistic): { layer: string; similarity: Float64Array }[] {
    return this.distances(statistic).map((l) => ({ layer: l.layer, similarity: Float64Array.from(l.distance, similarityFromDistance) }));
  }

  /** Step 2 of the original study's method: the kernels that count as similar under a statistic and rule. */
  mask(spec: MaskSpec): KernelMask {
    const { statistic, ...rule } = spec;
    const distances = this.distances(statistic);
    const selected = selectKernels(distances, rule as MaskRule);
    return new KernelMask(
      statistic,
      rule as MaskRule,
      distances.map((d, i) => ({ layer: d.layer, selected: selected[i] as Uint8Array, distance: d.distance })),
      this.parameterInfo,
      this.batchNormOf,
    );
  }

  /** One row per layer × kernel with the distance of every given statistic (tidy table for CSV). */
  rows(statistics: readonly KernelStatistic[]): Row[] {
    const per = statistics.map((s) => this.distances(s));
    return this.source.layers.flatMap((l, li) =>
      Array.from({ length: l.kernels }, (_, k) => {
        const row: Row = { layer: l.layer, kernel: k };
        statistics.forEach((s, si) => {
          const d = per[si]?.[li];
          row[s] = d ? (d.distance[k] as number) : null;
          if (d?.pValue) row[`${s}_p`] = d.pValue[k] as number;
        });
        return row;
      }),
    );
  }
}

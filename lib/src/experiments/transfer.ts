/**
 * Issue 11, section 5 — transfer learning [перенос обучения]: pretrain a small CNN on a source task, replace the
 * head, freeze the first k conv layers and fine-tune on a small target set; sweep k for a near pair (CIFAR-10
 * classes 5–9 → 0–4: same kind of photos, other labels) and a far pair (MNIST → Fashion-MNIST: other images and
 * other labels). Controls: training from scratch (random init, everything trained) and a frozen *random* backbone
 * (k = all, no pretraining). A domain classifier on each layer's features measures how different the two image
 * distributions P(D_s), P(D_t) look to the network.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/types';
import { applyLayer } from '../models/blocks';
import { initializeModel } from '../models/init';
import { countParameters } from '../models/parameters';
import { layerOutputModel } from '../probe/activations';
import { takeSnapshot, writeSnapshot } from '../probe/snapshot';
import { cachedRun } from '../report/cache';
import type { Row } from '../report/table';
import { evaluateModel } from '../train/evaluate';
import { NonFiniteLossError, train } from '../train/loop';
import type { OptimizerConfig } from '../train/optimizers';
import { sourceFromImageDataset, type LabelledBatchSource } from '../train/source';
import { NORMALISATION } from '../data/transforms';
import type { Scale } from '../util/scale';
import { createProgress } from '../util/progress';
import { createRng } from '../util/random';
import { meanCI } from '../stats/intervals';
import { loadClassSubset, type ClassSubsetSpec } from './architecturesCommon';
import { meanCIByGroup } from '../report/groups';

export type TransferPairId = 'cifar-5to0' | 'mnist-fashion';

export interface TransferPair {
  id: TransferPairId;
  label: string;
  /** 'near': same kind of images, other classes (task shift); 'far': other images and classes (domain + task shift). */
  distance: 'near' | 'far';
  source: { dataset: ClassSubsetSpec['dataset']; classes: number[] | null };
  target: { dataset: ClassSubsetSpec['dataset']; classes: number[] | null };
  inputShape: [number, number, number];
}

export const TRANSFER_PAIRS: Readonly<Record<TransferPairId, TransferPair>> = {
  'cifar-5to0': {
    id: 'cifar-5to0',
    label: 'CIFAR-10 classes 5–9 → 0–4',
    distance: 'near',
    source: { dataset: 'cifar10', classes: [5, 6, 7, 8, 9] },
    target: { dataset: 'cifar10', classes: [0, 1, 2, 3, 4] },
    inputShape: [32, 32, 3],
  },
  'mnist-fashion': {
    id: 'mnist-fashion',
    label: 'MNIST → Fashion-MNIST',
    distance: 'far',
    source: { dataset: 'mnist', classes: null },
    target: { dataset: 'fashion-mnist', classes: null },
    inputShape: [28, 28, 1],
  },
};

/** Number of conv layers of `transferCnn` (k runs over 0..TRANSFER_CONV_LAYERS). */
export const TRANSFER_CONV_LAYERS = 4;

/**
 * The transfer CNN: conv1 (w) → ReLU → 2×2 max pool → conv2 (2w) → ReLU → pool → conv3 (4w) → ReLU → pool → conv4 (4w)
 * → ReLU → global average pool → `head` (dense, classes). 3×3 'same' convs with bias, no BatchNorm (so that a
 * frozen layer is completely fixed), Kaiming-normal init.
 */
export function transferCnn(options: { inputShape: readonly number[]; classes: number; width: number; seed: number }): tf.LayersModel {
  const w = options.width;
  const x = tf.input({ shape: [...options.inputShape], name: 'input' });
  let y: tf.SymbolicTensor = x;
  const widths = [w, 2 * w, 4 * w, 4 * w];
  widths.forEach((filters, i) => {
    const n = i + 1;
    y = applyLayer(tf.layers.conv2d({ name: `conv${n}`, filters, kernelSize: 3, padding: 'same' }), y);
    y = applyLayer(tf.layers.activation({ name: `relu${n}`, activation: 'relu' }), y);
    if (n < widths.length) y = applyLayer(tf.layers.maxPooling2d({ name: `pool${n}`, poolSize: 2, strides: 2 }), y);
  });
  y = applyLayer(tf.layers.globalAveragePooling2d({ name: 'gap' }), y);
  y = applyLayer(tf.layers.dense({ name: 'head', units: options.classes }), y);
  const model = tf.model({ inputs: x, outputs: y, name: 'transfer_cnn' });
  initializeModel(model, { scheme: 'kaiming-normal', seed: options.seed });
  return model;
}

/** Freezes conv1..convk (layer.trainable = false); returns the frozen layer names. */
export function freezeFirstConvLayers(model: tf.LayersModel, k: number): string[] {
  if (!(Number.isInteger(k) && k >= 0 && k <= TRANSFER_CONV_LAYERS)) throw new Error(`freezeFirstConvLayers: k must be an integer in 0..${TRANSFER_CONV_LAYERS}; got ${k}`);
  const names: string[] = [];
  for (let i = 1; i <= k; i++) {
    model.getLayer(`conv${i}`).trainable = false;
    names.push(`conv${i}`);
  }
  return names;
}

export interface TransferTrainingSpec {
  epochs: number;
  batchSize: number;
  maxStepsPerEpoch: number | null;
  optimizer: OptimizerConfig;
}

export interface TransferConfig {
  scale: Scale;
  version: number;
  pairs: TransferPairId[];
  /** Base width w of transferCnn. */
  width: number;
  /** Pretraining on the source task: images per class (null = all), test images per class, recipe, seed. */
  source: TransferTrainingSpec & { perClass: number | null; testPerClass: number; seed: number };
  /**
   * Fine-tuning: sizes of the labelled target set (images per class; each size is a sweep of its own), target test
   * images per class, and the recipe: every run makes the same number of optimiser steps, whatever the set size.
   */
  target: { sizes: number[]; testPerClass: number; steps: number; batchSize: number; optimizer: OptimizerConfig };
  /** k values: conv1..convk frozen (0 = fine-tune everything, 4 = train only the new head). */
  freezeLevels: number[];
  /** Seeds of the target runs: each draws its own small target set, head init and data order. */
  seeds: number[];
  /** Domain classifier: images per domain (half to fit the centroids, half to test), seed. */
  domainGap: { perDomain: number; seed: number };
}

type TransferOverrides = Partial<Omit<TransferConfig, 'source' | 'target' | 'domainGap'>> & {
  source?: Partial<TransferConfig['source']>;
  target?: Partial<TransferConfig['target']>;
  domainGap?: Partial<TransferConfig['domainGap']>;
};

/**
 * Scales (2-core CPU, wasm):
 * - tiny: smoke test (a few steps, tiny sets; numbers mean nothing);
 * - quick (about 4–5 minutes): source 600 images per class × 4 epochs; a target set of 20 labelled images per
 *   class, 400 Adam steps (lr 2e-3, batch 32) for every start; k = 0..4, 3 seeds, width 16;
 * - full: the whole source training set × 10 epochs; target sets of 10, 50 and 250 per class, 1000 steps; 5 seeds,
 *   width 32.
 */
export function transferConfig(scale: Scale, overrides: TransferOverrides = {}): TransferConfig {
  const adam = (lr: number): OptimizerConfig => ({ kind: 'adam', lr });
  const base: TransferConfig = (() => {
    switch (scale) {
      case 'tiny':
        return {
          scale, version: 1, pairs: ['cifar-5to0', 'mnist-fashion'], width: 4,
          source: { perClass: 20, testPerClass: 10, epochs: 1, batchSize: 32, maxStepsPerEpoch: 2, optimizer: adam(2e-3), seed: 0 },
          target: { sizes: [4], testPerClass: 8, steps: 2, batchSize: 16, optimizer: adam(2e-3) },
          freezeLevels: [0, 2, 4], seeds: [0, 1], domainGap: { perDomain: 40, seed: 3 },
        } satisfies TransferConfig;
      case 'quick':
        return {
          scale, version: 1, pairs: ['cifar-5to0', 'mnist-fashion'], width: 16,
          source: { perClass: 600, testPerClass: 200, epochs: 4, batchSize: 64, maxStepsPerEpoch: null, optimizer: adam(2e-3), seed: 0 },
          target: { sizes: [20], testPerClass: 100, steps: 400, batchSize: 32, optimizer: adam(2e-3) },
          freezeLevels: [0, 1, 2, 3, 4], seeds: [0, 1, 2], domainGap: { perDomain: 400, seed: 3 },
        } satisfies TransferConfig;
      case 'full':
        return {
          scale, version: 1, pairs: ['cifar-5to0', 'mnist-fashion'], width: 32,
          source: { perClass: null, testPerClass: 1000, epochs: 10, batchSize: 128, maxStepsPerEpoch: null, optimizer: adam(1e-3), seed: 0 },
          target: { sizes: [10, 50, 250], testPerClass: 1000, steps: 1000, batchSize: 32, optimizer: adam(2e-3) },
          freezeLevels: [0, 1, 2, 3, 4], seeds: [0, 1, 2, 3, 4], domainGap: { perDomain: 2000, seed: 3 },
        } satisfies TransferConfig;
    }
  })();
  const config: TransferConfig = {
    ...base,
    ...overrides,
    source: { ...base.source, ...overrides.source },
    target: { ...base.target, ...overrides.target },
    domainGap: { ...base.domainGap, ...overrides.domainGap },
  } as TransferConfig;
  validateTransferConfig(config);
  return config;
}

function validateTransferConfig(c: TransferConfig): void {
  for (const p of c.pairs) if (!(p in TRANSFER_PAIRS)) throw new Error(`transferConfig: pair '${p}' is not one of ${Object.keys(TRANSFER_PAIRS).join(', ')}`);
  for (const k of c.freezeLevels) {
    if (!(Number.isInteger(k) && k >= 0 && k <= TRANSFER_CONV_LAYERS)) throw new Error(`transferConfig: freezeLevels must be integers in 0..${TRANSFER_CONV_LAYERS}; got ${k}`);
  }
  if (c.seeds.length === 0) throw new Error('transferConfig: seeds is empty');
  if (!(Number.isInteger(c.width) && c.width >= 1)) throw new Error(`transferConfig: width must be a positive integer; got ${c.width}`);
  if (c.target.sizes.length === 0 || !c.target.sizes.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error(`transferConfig: target.sizes must be positive integers (images per class); got [${c.target.sizes.join(', ')}]`);
  }
  if (!(Number.isInteger(c.target.steps) && c.target.steps >= 1)) throw new Error(`transferConfig: target.steps must be a positive integer; got ${c.target.steps}`);
}

/** Both datasets of a pair are normalised with the source's statistics, as a pretrained model's inputs would be. */
function pairSource(pair: TransferPair, ds: ImageDataset): LabelledBatchSource {
  const n = NORMALISATION[pair.source.dataset];
  return sourceFromImageDataset(ds, { mean: n.mean, std: n.std });
}

function classCount(pair: TransferPair, side: 'source' | 'target'): number {
  const classes = pair[side].classes;
  return classes === null ? 10 : classes.length;
}

function trainConfig(spec: TransferTrainingSpec, seed: number): Parameters<typeof train>[2] {
  return {
    epochs: spec.epochs, batchSize: spec.batchSize, seed, optimizer: spec.optimizer, progress: false,
    ...(spec.maxStepsPerEpoch !== null ? { maxStepsPerEpoch: spec.maxStepsPerEpoch } : {}),
  };
}

export const TRANSFER_SOURCE_NAMESPACE = 'transfer-source';
export const TRANSFER_FINETUNE_NAMESPACE = 'transfer-finetune';

/** How one target model starts: pretrained conv layers (k frozen), from scratch, or a frozen random backbone. */
export type TransferStart = 'pretrained' | 'scratch' | 'random-frozen';

export interface TransferResults {
  /** One row per pair: the source model's accuracy on the source test subset, sizes, parameters. */
  sources: Row[];
  /** One row per pair × target size × start × k × seed: target test accuracy. */
  runs: Row[];
  /** Mean and 95% CI of the target test accuracy per pair × target size (perClass) × start × k. */
  summary: Row[];
  /** Per pair × target size: best k, accuracy at k = 0 / best / all frozen, scratch, random-frozen. */
  verdict: Row[];
  /** Domain classifier accuracy per pair × layer ('input', 'conv1'..'conv4'). */
  domainGap: Row[];
  trainedModels: number;
  elapsedMs: number;
}

/**
 * Nearest-centroid domain classifier on standardised features: the first half of each domain's rows fits the
 * centroids (and the per-feature mean/std), the second half is classified. 0.5 = the domains look the same.
 */
export function nearestCentroidDomainAccuracy(a: Float32Array, b: Float32Array, dim: number): number {
  const na = a.length / dim;
  const nb = b.length / dim;
  if (!(Number.isInteger(na) && Number.isInteger(nb) && na >= 2 && nb >= 2)) throw new Error(`nearestCentroidDomainAccuracy: need ≥ 2 rows of ${dim} values per domain; got ${a.length} and ${b.length} values`);
  const fitA = Math.floor(na / 2);
  const fitB = Math.floor(nb / 2);
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  const addRows = (x: Float32Array, rows: number): void => {
    for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) {
      const v = x[r * dim + j] as number;
      mean[j] = (mean[j] as number) + v;
      sq[j] = (sq[j] as number) + v * v;
    }
  };
  addRows(a, fitA);
  addRows(b, fitB);
  const nFit = fitA + fitB;
  const std = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    mean[j] = (mean[j] as number) / nFit;
    const variance = (sq[j] as number) / nFit - (mean[j] as number) ** 2;
    std[j] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  }
  const centroid = (x: Float32Array, rows: number): Float64Array => {
    const c = new Float64Array(dim);
    for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) c[j] = (c[j] as number) + ((x[r * dim + j] as number) - (mean[j] as number)) / (std[j] as number) / rows;
    return c;
  };
  const ca = centroid(a, fitA);
  const cb = centroid(b, fitB);
  let correct = 0;
  let total = 0;
  const classify = (x: Float32Array, from: number, to: number, isA: boolean): void => {
    for (let r = from; r < to; r++) {
      let da = 0;
      let db = 0;
      for (let j = 0; j < dim; j++) {
        const z = ((x[r * dim + j] as number) - (mean[j] as number)) / (std[j] as number);
        da += (z - (ca[j] as number)) ** 2;
        db += (z - (cb[j] as number)) ** 2;
      }
      if ((da < db) === isA) correct++;
      total++;
    }
  };
  classify(a, fitA, na, true);
  classify(b, fitB, nb, false);
  return correct / total;
}

/** Features of a layer output [n, H, W, C] average-pooled to about 4×4 (pool size ⌊H/4⌋) and flattened. */
function pooledFeatures(model: tf.LayersModel, layer: string | null, source: LabelledBatchSource, batchSize = 256): { values: Float32Array; dim: number } {
  const probe = layer === null ? null : layerOutputModel(model, [layer]);
  const chunks: Float32Array[] = [];
  let dim = 0;
  for (let start = 0; start < source.count; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, source.count - start) }, (_, i) => start + i);
    const b = source.batch(idx);
    const out = tf.tidy(() => {
      const x = tf.tensor4d(b.xs, b.shape as [number, number, number, number]);
      const y = (probe ? probe.predict(x) : x) as tf.Tensor4D;
      const pool = Math.max(1, Math.floor((y.shape[1] as number) / 4));
      const pooled = pool > 1 ? tf.avgPool(y, [pool, pool], [pool, pool], 'valid') : y;
      return tf.reshape(pooled, [idx.length, -1]);
    });
    dim = out.shape[1] as number;
    chunks.push(out.dataSync() as Float32Array);
    out.dispose();
  }
  const values = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    values.set(c, o);
    o += c.length;
  }
  return { values, dim };
}

/** Runs the whole study: source models, the k sweep with controls, the domain classifier. */
export async function runTransfer(config: TransferConfig, options: { progress?: boolean; cacheRoot?: string } = {}): Promise<TransferResults> {
  validateTransferConfig(config);
  const started = performance.now();
  const sources: Row[] = [];
  const runs: Row[] = [];
  const domainGap: Row[] = [];
  let trainedModels = 0;
  const perPair = config.target.sizes.length * config.seeds.length * (config.freezeLevels.length + 2);
  const progress = options.progress ? createProgress({ label: 'transfer', total: config.pairs.length * (perPair + 1), unit: 'models' }) : null;
  let done = 0;
  for (const pairId of config.pairs) {
    const pair = TRANSFER_PAIRS[pairId];
    const sourceClasses = classCount(pair, 'source');
    const targetClasses = classCount(pair, 'target');
    // 1. Source model (cached with its weights).
    const sourceCell = {
      version: config.version, pair: pairId, width: config.width, perClass: config.source.perClass, testPerClass: config.source.testPerClass,
      epochs: config.source.epochs, batchSize: config.source.batchSize, maxStepsPerEpoch: config.source.maxStepsPerEpoch,
      optimizer: config.source.optimizer, seed: config.source.seed,
    };
    const sourceRun = await cachedRun<typeof sourceCell, Row>(TRANSFER_SOURCE_NAMESPACE, sourceCell, async () => {
      trainedModels++;
      const trainDs = await loadClassSubset({ dataset: pair.source.dataset, split: 'train', classes: pair.source.classes, perClass: config.source.perClass, seed: 11 });
      const testDs = await loadClassSubset({ dataset: pair.source.dataset, split: 'test', classes: pair.source.classes, perClass: config.source.testPerClass, seed: 12 });
      const model = transferCnn({ inputShape: pair.inputShape, classes: sourceClasses, width: config.width, seed: config.source.seed });
      try {
        const r = await train(model, { train: pairSource(pair, trainDs), test: pairSource(pair, testDs) }, trainConfig(config.source, 7919 + config.source.seed));
        return {
          history: r.history,
          results: { pair: pairId, sourceTrainImages: trainDs.count, sourceTestImages: testDs.count, sourceTestAccuracy: r.test?.accuracy ?? null, parameters: countParameters(model) },
          snapshots: [takeSnapshot(model, 'trained')],
        };
      } finally {
        model.dispose();
      }
    }, { ...(options.cacheRoot !== undefined ? { root: options.cacheRoot } : {}) });
    const pretrained = sourceRun.snapshots.get('trained');
    if (!pretrained || !sourceRun.results) throw new Error(`runTransfer: source cache entry ${sourceRun.key} lacks its weights or results`);
    sources.push({ ...sourceRun.results, label: pair.label, distance: pair.distance });
    progress?.update(++done, `${pairId} source${sourceRun.fromCache ? ' (cache)' : ''}`);

    // 2. Target runs.
    const targetTest = await loadClassSubset({ dataset: pair.target.dataset, split: 'test', classes: pair.target.classes, perClass: config.target.testPerClass, seed: 21 });
    const testSource = pairSource(pair, targetTest);
    const starts: { start: TransferStart; k: number }[] = [
      ...config.freezeLevels.map((k) => ({ start: 'pretrained' as const, k })),
      { start: 'scratch', k: 0 },
      { start: 'random-frozen', k: TRANSFER_CONV_LAYERS },
    ];
    for (const perClass of config.target.sizes) for (const seed of config.seeds) {
      const targetTrain = await loadClassSubset({ dataset: pair.target.dataset, split: 'train', classes: pair.target.classes, perClass, seed: 1000 + seed });
      const trainSource = pairSource(pair, targetTrain);
      const stepsPerEpoch = Math.ceil(trainSource.count / config.target.batchSize);
      const epochs = Math.ceil(config.target.steps / stepsPerEpoch);
      const { sizes: _sizes, ...recipe } = config.target;
      for (const { start, k } of starts) {
        const cell = { source: sourceRun.key, pair: pairId, version: config.version, width: config.width, start, k, seed, perClass, recipe };
        const run = await cachedRun<typeof cell, Row>(TRANSFER_FINETUNE_NAMESPACE, cell, async () => {
          trainedModels++;
          // The new head (and, for 'scratch' / 'random-frozen', every layer) comes from the run's own seed.
          const model = transferCnn({ inputShape: pair.inputShape, classes: targetClasses, width: config.width, seed: 500 + seed });
          try {
            if (start === 'pretrained') writeSnapshot(model, pretrained, { only: (e) => /^conv\d+$/.test(e.layer) });
            freezeFirstConvLayers(model, k);
            const trainable = model.trainableWeights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y as number), 1), 0);
            const r = await train(model, { train: trainSource, test: testSource }, {
              epochs, batchSize: config.target.batchSize, seed: 7919 + seed, optimizer: config.target.optimizer, progress: false,
            });
            return { results: { pair: pairId, perClass, start, k, seed, trainableParameters: trainable, targetTrainImages: trainSource.count, steps: epochs * stepsPerEpoch, testAccuracy: r.test?.accuracy ?? null, testLoss: r.test?.loss ?? null, trainAccuracy: r.history[r.history.length - 1]?.trainAccuracy ?? null, diverged: false, note: null } };
          } catch (err) {
            if (!(err instanceof NonFiniteLossError)) throw err;
            return { results: { pair: pairId, perClass, start, k, seed, trainableParameters: null, targetTrainImages: trainSource.count, steps: null, testAccuracy: null, testLoss: null, trainAccuracy: null, diverged: true, note: err.message } };
          } finally {
            model.dispose();
          }
        }, { ...(options.cacheRoot !== undefined ? { root: options.cacheRoot } : {}) });
        if (!run.results) throw new Error(`runTransfer: cache entry ${run.key} has no results`);
        runs.push({ ...run.results, distance: pair.distance });
        progress?.update(++done, `${pairId} n=${perClass} ${start} k=${k} seed ${seed}${run.fromCache ? ' (cache)' : ''}`);
      }
    }

    // 3. Domain classifier on the pretrained network's features: source-task images vs target-task images.
    const perDomain = config.domainGap.perDomain;
    const perClassSource = Math.max(1, Math.ceil(perDomain / sourceClasses));
    const perClassTarget = Math.max(1, Math.ceil(perDomain / targetClasses));
    const dsA = await loadClassSubset({ dataset: pair.source.dataset, split: 'test', classes: pair.source.classes, perClass: perClassSource, seed: config.domainGap.seed });
    const dsB = await loadClassSubset({ dataset: pair.target.dataset, split: 'test', classes: pair.target.classes, perClass: perClassTarget, seed: config.domainGap.seed + 1 });
    const shuffled = (ds: ImageDataset): LabelledBatchSource => {
      // Interleave classes so that both halves (fit / test) hold every class.
      const src = pairSource(pair, ds);
      const order = createRng(config.domainGap.seed + ds.count).permutation(src.count);
      return { ...src, batch: (idx: Int32Array) => src.batch(Int32Array.from(idx, (i) => order[i] as number)) };
    };
    const a = shuffled(dsA);
    const b = shuffled(dsB);
    const model = transferCnn({ inputShape: pair.inputShape, classes: sourceClasses, width: config.width, seed: config.source.seed });
    writeSnapshot(model, pretrained);
    try {
      for (const layer of [null, 'relu1', 'relu2', 'relu3', 'relu4']) {
        const fa = pooledFeatures(model, layer, a);
        const fb = pooledFeatures(model, layer, b);
        domainGap.push({
          pair: pairId, distance: pair.distance, layer: layer === null ? 'input' : layer.replace('relu', 'conv'), depth: layer === null ? 0 : Number(layer.slice(4)),
          features: fa.dim, domainAccuracy: nearestCentroidDomainAccuracy(fa.values, fb.values, fa.dim),
        });
      }
    } finally {
      model.dispose();
    }
  }
  progress?.finish();
  const summary = meanCIByGroup(runs, ['pair', 'perClass', 'start', 'k'], 'testAccuracy');
  return { sources, runs, summary, verdict: transferVerdict(config, summary, runs), domainGap, trainedModels, elapsedMs: performance.now() - started };
}

/** Mean and 95% Student-t CI of per-seed differences a − b (seeds present in both), or nulls with fewer than 2 pairs. */
function pairedDifference(runs: readonly Row[], a: (r: Row) => boolean, b: (r: Row) => boolean): { mean: number | null; lo: number | null; hi: number | null; n: number } {
  const bySeed = new Map<unknown, number>();
  for (const r of runs) if (b(r) && typeof r['testAccuracy'] === 'number') bySeed.set(r['seed'], r['testAccuracy']);
  const diffs: number[] = [];
  for (const r of runs) {
    const other = bySeed.get(r['seed']);
    if (a(r) && typeof r['testAccuracy'] === 'number' && other !== undefined) diffs.push(r['testAccuracy'] - other);
  }
  if (diffs.length < 2) return { mean: diffs.length === 1 ? (diffs[0] as number) : null, lo: null, hi: null, n: diffs.length };
  const ci = meanCI(diffs);
  return { mean: ci.mean, lo: ci.lo, hi: ci.hi, n: diffs.length };
}

/**
 * Per pair × target size: the k with the best mean target accuracy, the accuracies the notebook's text quotes, and
 * (from the per-seed `runs`) paired differences with 95% CIs: head only (k = max) − fine-tune all (k = min), i.e.
 * what freezing every pretrained layer costs, and best k − from scratch, i.e. what pretraining buys.
 */
export function transferVerdict(config: TransferConfig, summary: readonly Row[], runs: readonly Row[] = []): Row[] {
  return config.pairs.flatMap((pairId) => config.target.sizes.map((perClass) => {
    const pair = TRANSFER_PAIRS[pairId];
    const get = (start: TransferStart, k: number): Row | undefined =>
      summary.find((r) => r['pair'] === pairId && r['perClass'] === perClass && r['start'] === start && r['k'] === k);
    const sweep = config.freezeLevels.map((k) => ({ k, row: get('pretrained', k) })).filter((x) => typeof x.row?.['mean'] === 'number');
    const best = sweep.reduce<{ k: number; row: Row | undefined } | null>((acc, x) => (acc === null || (x.row?.['mean'] as number) > (acc.row?.['mean'] as number) ? x : acc), null);
    const mean = (r: Row | undefined): number | null => (r && typeof r['mean'] === 'number' ? r['mean'] : null);
    const kMax = Math.max(...config.freezeLevels);
    const kMin = Math.min(...config.freezeLevels);
    const cell = runs.filter((r) => r['pair'] === pairId && r['perClass'] === perClass && r['diverged'] !== true);
    const prefixed = (name: string, d: { mean: number | null; lo: number | null; hi: number | null; n: number }): Row =>
      ({ [name]: d.mean, [`${name}Lo`]: d.lo, [`${name}Hi`]: d.hi, [`${name}Pairs`]: d.n });
    return {
      pair: pairId,
      label: pair.label,
      distance: pair.distance,
      perClass,
      bestK: best ? best.k : null,
      bestAccuracy: best ? mean(best.row) : null,
      bestLo: best?.row?.['lo'] ?? null,
      bestHi: best?.row?.['hi'] ?? null,
      fineTuneAllAccuracy: mean(get('pretrained', kMin)),
      headOnlyAccuracy: mean(get('pretrained', kMax)),
      scratchAccuracy: mean(get('scratch', 0)),
      scratchLo: get('scratch', 0)?.['lo'] ?? null,
      scratchHi: get('scratch', 0)?.['hi'] ?? null,
      randomFrozenAccuracy: mean(get('random-frozen', TRANSFER_CONV_LAYERS)),
      chance: 1 / classCount(pair, 'target'),
      ...prefixed('headMinusFineTune', pairedDifference(cell, (r) => r['start'] === 'pretrained' && r['k'] === kMax, (r) => r['start'] === 'pretrained' && r['k'] === kMin)),
      ...prefixed('bestMinusScratch', best ? pairedDifference(cell, (r) => r['start'] === 'pretrained' && r['k'] === best.k, (r) => r['start'] === 'scratch') : { mean: null, lo: null, hi: null, n: 0 }),
    };
  }));
}

export * from './transferFigures';

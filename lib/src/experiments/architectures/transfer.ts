/**
 * Notebook 05, section 5 — transfer learning [перенос обучения]: pretrain a small CNN on a source task, replace the
 * head, freeze the first k conv layers and fine-tune on a small target set; sweep k for a near pair (CIFAR-10
 * classes 5–9 → 0–4: same kind of photos, other labels) and a far pair (MNIST → Fashion-MNIST: other images and
 * other labels). Controls: training from scratch (random init, everything trained) and a frozen *random* backbone
 * (k = all, no pretraining). A domain classifier on each layer's features measures how different the two image
 * distributions P(D_s), P(D_t) look to the network.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../data/types';
import { applyLayer } from '../../models/blocks';
import { initializeModel } from '../../models/init';
import { countParameters } from '../../models/parameters';
import { layerOutputModel } from '../../probe/activations';
import { takeSnapshot, writeSnapshot, type ParameterSnapshot } from '../../probe/snapshot';
import { cachedRun } from '../../store/cache';
import { NonFiniteLossError, train } from '../../train/loop';
import { inOrder, sourceFromImageDataset, type LabelledBatchSource } from '../../data/source';
import { NORMALISATION } from '../../data/transforms';
import { createProgress, yieldToEventLoop } from '../../util/progress';
import { createRng } from '../../util/random';
import { loadClassSubset } from './common';
import {
  classCount,
  SOURCE_CRITERION,
  TRANSFER_CONV_LAYERS,
  TRANSFER_PAIRS,
  validateTransferConfig,
  type TransferConfig,
  type TransferPair,
  type TransferPairId,
  type TransferStart,
  type TransferTrainingSpec,
} from './config';
import { lossPlateaued, TRANSFER_INTERVAL } from './transferStats';
import { meanInterval } from '../../stats/intervals';
import { transferClaims, type TransferClaims } from './verdict';
import type { DomainGapPoint, TransferCell, TransferRun, TransferSourceModel } from './transferTypes';

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

function pairSource(pair: TransferPair, ds: ImageDataset): LabelledBatchSource {
  const n = NORMALISATION[pair.source.dataset];
  return sourceFromImageDataset(ds, { mean: n.mean, std: n.std });
}

function trainConfig(spec: TransferTrainingSpec, seed: number): Parameters<typeof train>[2] {
  return {
    epochs: spec.epochs, batchSize: spec.batchSize, seed, optimizer: spec.optimizer, progress: false,
    ...(spec.maxStepsPerEpoch !== null ? { maxStepsPerEpoch: spec.maxStepsPerEpoch } : {}),
  };
}

export const TRANSFER_SOURCE_NAMESPACE = 'transfer-source';
export const TRANSFER_FINETUNE_NAMESPACE = 'transfer-finetune';

export type { DomainGapPoint, TransferCell, TransferRun, TransferSourceModel } from './transferTypes';

export interface TransferResults {
  config: TransferConfig;
  sources: TransferSourceModel[];
  runs: TransferRun[];
  summary: TransferCell[];
  domainGap: DomainGapPoint[];
  claims: TransferClaims;
  trainedModels: number;
  elapsedMs: number;
}

interface FineTuneResult {
  trainableParameters: number | null;
  targetTrainImages: number;
  steps: number | null;
  epochs: number | null;
  testAccuracy: number | null;
  trainAccuracy: number | null;
  epochLosses: number[];
  diverged: boolean;
}

interface SourceResult {
  trainImages: number;
  testImages: number;
  trainAccuracy: number;
  testAccuracy: number;
  parameters: number;
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
  for (const { batch: b } of inOrder(source, batchSize)) {
    const out = tf.tidy(() => {
      const x = tf.tensor4d(b.xs, b.shape as [number, number, number, number]);
      const y = (probe ? probe.predict(x) : x) as tf.Tensor4D;
      const pool = Math.max(1, Math.floor((y.shape[1] as number) / 4));
      const pooled = pool > 1 ? tf.avgPool(y, [pool, pool], [pool, pool], 'valid') : y;
      return tf.reshape(pooled, [b.labels.length, -1]);
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

function sourceLabel(pair: TransferPair): string {
  return `${pair.source.dataset} ${pair.source.classes === null ? 'all classes' : pair.source.classes.join(',')}`;
}

/** Per pair × size × start × k: the mean over converged seeds with its 95% interval clipped to [0, 1]. */
export function summariseTransferRuns(runs: readonly TransferRun[]): TransferCell[] {
  const groups = new Map<string, { key: Omit<TransferCell, 'mean' | 'lo' | 'hi' | 'n' | 'method'>; values: number[] }>();
  for (const r of runs) {
    const id = JSON.stringify([r.pair, r.perClass, r.start, r.k]);
    let g = groups.get(id);
    if (!g) {
      g = { key: { pair: r.pair, perClass: r.perClass, start: r.start, k: r.k }, values: [] };
      groups.set(id, g);
    }
    if (r.converged && r.testAccuracy !== null) g.values.push(r.testAccuracy);
  }
  return [...groups.values()].map(({ key, values }, i) => {
    const e = meanInterval(values, { ...TRANSFER_INTERVAL, level: 0.95, seed: 9000 + i, bounds: [0, 1] });
    return { ...key, mean: e.mean, lo: e.lo, hi: e.hi, n: e.n, method: e.method };
  });
}

/** Runs the whole study: per seed a source model, the k sweep with controls, the domain classifier, the verdicts. */
export async function runTransfer(config: TransferConfig, options: { progress?: boolean; cacheRoot?: string } = {}): Promise<TransferResults> {
  validateTransferConfig(config);
  const started = performance.now();
  const cacheOptions = options.cacheRoot !== undefined ? { root: options.cacheRoot } : {};
  const pairs = config.pairs.map((id) => TRANSFER_PAIRS[id]);
  const sourceTasks = [...new Map(pairs.map((p) => [sourceLabel(p), p])).values()];
  const sources: TransferSourceModel[] = [];
  const runs: TransferRun[] = [];
  const domainGap: DomainGapPoint[] = [];
  let trainedModels = 0;
  const perPair = config.target.sizes.length * config.seeds.length * (config.freezeLevels.length + 2);
  const total = sourceTasks.length * config.seeds.length + pairs.length * perPair;
  const progress = options.progress ? createProgress({ label: 'transfer', total, unit: 'models' }) : null;
  let done = 0;

  // 1. Source models, one per seed and source task (cached with their weights).
  const pretrained = new Map<string, ParameterSnapshot>();
  const sourceOk = new Map<string, boolean>();
  for (const task of sourceTasks) {
    const label = sourceLabel(task);
    const trainDs = await loadClassSubset({ dataset: task.source.dataset, split: 'train', classes: task.source.classes, perClass: config.source.perClass, seed: 11 });
    const testDs = await loadClassSubset({ dataset: task.source.dataset, split: 'test', classes: task.source.classes, perClass: config.source.testPerClass, seed: 12 });
    const classes = classCount(task, 'source');
    for (const seed of config.seeds) {
      const cell = {
        version: config.version, source: task.source, width: config.width, perClass: config.source.perClass, testPerClass: config.source.testPerClass,
        epochs: config.source.epochs, batchSize: config.source.batchSize, maxStepsPerEpoch: config.source.maxStepsPerEpoch,
        optimizer: config.source.optimizer, seed,
      };
      const run = await cachedRun<typeof cell, SourceResult>(TRANSFER_SOURCE_NAMESPACE, cell, async () => {
        trainedModels++;
        const model = transferCnn({ inputShape: task.inputShape, classes, width: config.width, seed });
        try {
          const r = await train(model, { train: pairSource(task, trainDs), test: pairSource(task, testDs) }, trainConfig(config.source, 7919 + seed));
          return {
            history: r.history,
            results: { trainImages: trainDs.count, testImages: testDs.count, trainAccuracy: r.history[r.history.length - 1]?.trainAccuracy ?? NaN, testAccuracy: r.test?.accuracy ?? NaN, parameters: countParameters(model) },
            snapshots: [takeSnapshot(model, 'trained')],
          };
        } finally {
          model.dispose();
        }
      }, cacheOptions);
      const weights = run.snapshots.get('trained');
      if (!weights || !run.results) throw new Error(`runTransfer: source cache entry ${run.key} lacks its weights or results`);
      pretrained.set(`${label}#${seed}`, weights);
      const criterion = SOURCE_CRITERION[task.source.dataset];
      const meets = run.results.testAccuracy >= criterion;
      sourceOk.set(`${label}#${seed}`, meets);
      sources.push({
        source: label, pairs: pairs.filter((p) => sourceLabel(p) === label).map((p) => p.id).join(', '), seed,
        ...run.results, criterion, meetsCriterion: meets,
      });
      progress?.update(++done, `source ${label} seed ${seed}${run.fromCache ? ' (cache)' : ''}`);
      await yieldToEventLoop();
    }
  }

  for (const pair of pairs) {
    const label = sourceLabel(pair);
    const targetClasses = classCount(pair, 'target');
    // 2. Target runs: seed s starts from source model s.
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
      const weights = pretrained.get(`${label}#${seed}`);
      if (!weights) throw new Error(`runTransfer: no source model for ${label} seed ${seed}`);
      for (const { start, k } of starts) {
        const cell = { source: pair.source, sourceSeed: seed, sourceEpochs: config.source.epochs, sourcePerClass: config.source.perClass, pair: pair.id, version: config.version, width: config.width, start, k, seed, perClass, recipe };
        const run = await cachedRun<typeof cell, FineTuneResult>(TRANSFER_FINETUNE_NAMESPACE, cell, async () => {
          trainedModels++;
          // The new head (and, for 'scratch' / 'random-frozen', every layer) comes from the run's own seed.
          const model = transferCnn({ inputShape: pair.inputShape, classes: targetClasses, width: config.width, seed: 500 + seed });
          try {
            if (start === 'pretrained') writeSnapshot(model, weights, { only: (e) => /^conv\d+$/.test(e.layer) });
            freezeFirstConvLayers(model, k);
            const trainable = model.trainableWeights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y as number), 1), 0);
            const r = await train(model, { train: trainSource, test: testSource }, {
              epochs, batchSize: config.target.batchSize, seed: 7919 + seed, optimizer: config.target.optimizer, progress: false,
            });
            return { results: {
              trainableParameters: trainable, targetTrainImages: trainSource.count, steps: epochs * stepsPerEpoch, epochs,
              testAccuracy: r.test?.accuracy ?? null, trainAccuracy: r.history[r.history.length - 1]?.trainAccuracy ?? null,
              epochLosses: r.history.map((h) => h.trainLoss), diverged: false,
            } };
          } catch (err) {
            if (!(err instanceof NonFiniteLossError)) throw err;
            return { results: { trainableParameters: null, targetTrainImages: trainSource.count, steps: null, epochs: null, testAccuracy: null, trainAccuracy: null, epochLosses: [], diverged: true } };
          } finally {
            model.dispose();
          }
        }, cacheOptions);
        const res = run.results;
        if (!res) throw new Error(`runTransfer: cache entry ${run.key} has no results`);
        const lossPlateau = lossPlateaued(res.epochLosses);
        const sourceConverged = start !== 'pretrained' || sourceOk.get(`${label}#${seed}`) === true;
        runs.push({
          pair: pair.id, distance: pair.distance, perClass, start, k, seed,
          trainableParameters: res.trainableParameters, targetTrainImages: res.targetTrainImages, steps: res.steps, epochs: res.epochs,
          testAccuracy: res.testAccuracy, trainAccuracy: res.trainAccuracy, finalTrainLoss: res.epochLosses[res.epochLosses.length - 1] ?? null,
          lossPlateau, sourceConverged, converged: !res.diverged && res.testAccuracy !== null && lossPlateau && sourceConverged, diverged: res.diverged,
        });
        progress?.update(++done, `${pair.id} n=${perClass} ${start} k=${k} seed ${seed}${run.fromCache ? ' (cache)' : ''}`);
      }
      await yieldToEventLoop();
    }

    // 3. Domain classifier on seed 0's pretrained features: source-task images vs target-task images.
    domainGap.push(...(await domainGapOf(pair, config, pretrained.get(`${label}#${config.seeds[0] as number}`) as ParameterSnapshot)));
    await yieldToEventLoop();
  }
  progress?.finish();
  const summary = summariseTransferRuns(runs);
  return { config, sources, runs, summary, domainGap, claims: transferClaims(config, runs, sources), trainedModels, elapsedMs: performance.now() - started };
}

/** Nearest-centroid domain accuracy on the pixels and on each conv layer's features of one pretrained model. */
async function domainGapOf(pair: TransferPair, config: TransferConfig, weights: ParameterSnapshot): Promise<DomainGapPoint[]> {
  const perDomain = config.domainGap.perDomain;
  const sourceClasses = classCount(pair, 'source');
  const perClassSource = Math.max(1, Math.ceil(perDomain / sourceClasses));
  const perClassTarget = Math.max(1, Math.ceil(perDomain / classCount(pair, 'target')));
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
  const model = transferCnn({ inputShape: pair.inputShape, classes: sourceClasses, width: config.width, seed: 0 });
  writeSnapshot(model, weights);
  const out: DomainGapPoint[] = [];
  try {
    for (const layer of [null, 'relu1', 'relu2', 'relu3', 'relu4']) {
      const fa = pooledFeatures(model, layer, a);
      const fb = pooledFeatures(model, layer, b);
      out.push({
        pair: pair.id, distance: pair.distance, layer: layer === null ? 'input' : layer.replace('relu', 'conv'), depth: layer === null ? 0 : Number(layer.slice(4)),
        features: fa.dim, domainAccuracy: nearestCentroidDomainAccuracy(fa.values, fb.values, fa.dim),
      });
    }
  } finally {
    model.dispose();
  }
  return out;
}


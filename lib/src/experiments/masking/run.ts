/**
 * The original masking study: statistics-guided masking of pretrained kernels for small-data transfer. For each conv kernel the
 * distribution of its activations on the pretraining data D is compared with that on the new data D2
 * (kernelSimilarity.ts); similar kernels are frozen (factor 0) or damped (factor 1e-3) while fine-tuning on n labelled
 * target images. Compared with training from scratch, fine-tuning everything, freezing the first k convs and a
 * linear probe, over seeds, with early stopping on a validation split and accuracy on the target test set.
 *
 * Protocol A: a small VGG-style CNN pretrained on CIFAR-10 classes 5-9 (or MNIST), transferred to classes 0-4 (or
 * Fashion-MNIST). Protocol B: Tiny Darknet (ImageNet), statistics on the ImageNet sample vs CIFAR-10, 200 CIFAR-10
 * training images (the original study's claim: 54% plain fine-tuning vs 68% masked).
 */
import * as tf from '@tensorflow/tfjs';
import { DataNotFoundError } from '../../data/errors';
import { loadDataset } from '../../data/load';
import { loadTinyDarknet } from '../../data/pretrained';
import type { ImageDataset } from '../../data/types';
import { cacheKey, cachedRun } from '../../store/cache';
import { takeSnapshot, type ParameterSnapshot } from '../../probe/snapshot';
import { gradientMaskHook, type TrainHook } from '../../train/hooks';
import { train } from '../../train/loop';
import type { OptimizerConfig } from '../../train/optimizers';
import type { LabelledBatchSource } from '../../data/source';
import { createProgress } from '../../util/progress';
import { KernelSimilarity } from '../../probe/kernelSimilarity';
import { convLayerNames } from '../../probe/kernelCapture';
import { maskRuleLabel, type KernelMask } from '../../probe/kernelMask';
import {
  MASKING_PAIRS,
  drawLabelledSplit,
  loadMaskingPairSplit,
  maskingPairSource,
  maskingResizedImages,
  maskingResizedSource,
  maskingStratifiedSubset,
  type MaskingPair,
  type MaskingPairId,
} from './data';
import { maskingConvKernels, maskingRunStoppedEarly, maskingTrainSchedule, trainMaskingRun, type MaskingRunResult } from './training';
import { maskingFeatures, trainProbeOnFeatures, type MaskingFeatures } from './probe';
import { darknetTransferModel, freezeFirstConvs, maskingCnn, transferBackbone, type MaskingCnnSpec } from './models';
import { type MaskingTrainingConfig, type MaskingMethod, type MaskingProtocolAConfig, type MaskingConfig, maskingMethodId, maskingMethodLabel, type MaskingProtocolBConfig, MASKING_SOURCE_CRITERION } from './config';

// ---------------------------------------------------------------------------------------------------------------
// Training one run

export { maskingRunStoppedEarly, maskingTrainSchedule, type MaskingRunResult } from './training';

export interface MaskingRunData {
  train: LabelledBatchSource;
  val: LabelledBatchSource;
  test: LabelledBatchSource;
}

/**
 * Prepares the model of one method (backbone copied, layers frozen) and trains it. `similarity` must be given for
 * masked methods (computed on this run's pretrained model with D = pretraining images, D2 = this run's training
 * images). The model is disposed.
 */
export async function trainMaskingMethod(
  method: MaskingMethod,
  build: (seed: number) => tf.LayersModel,
  pretrained: ParameterSnapshot,
  data: MaskingRunData,
  training: MaskingTrainingConfig,
  seed: number,
  similarity: KernelSimilarity | null,
): Promise<MaskingRunResult> {
  const model = build(seed);
  try {
    if (method.kind !== 'scratch') transferBackbone(model, pretrained);
    const convs = convLayerNames(model);
    const kernelsOf = (names: readonly string[]): number => maskingConvKernels(model, names);
    const hooks: TrainHook[] = [];
    let maskedKernels = 0;
    let maskedPerLayer: number[] = [];
    if (method.kind === 'freeze') {
      freezeFirstConvs(model, method.k);
      maskedKernels = kernelsOf(convs.slice(0, method.k));
    } else if (method.kind === 'linear-probe') {
      freezeFirstConvs(model, convs.length);
      maskedKernels = kernelsOf(convs);
    } else if (method.kind === 'masked') {
      if (!similarity) throw new Error('trainMaskingMethod: a masked method needs the kernel similarity of the run');
      const mask: KernelMask = similarity.mask({ ...method.rule, statistic: method.statistic });
      maskedKernels = mask.selectedCount;
      maskedPerLayer = mask.layers.map((l) => l.selected.reduce((a, b) => a + b, 0));
      if (maskedKernels > 0) hooks.push(gradientMaskHook(mask.factors(method.factor)));
    }
    return await trainMaskingRun(model, data, training, seed, { maskedKernels, totalKernels: kernelsOf(convs), maskedPerLayer }, hooks);
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Protocol A: pretraining

export type MaskingPretrainResult = {
  sourceTestAccuracy: number;
  bestValAccuracy: number;
  epochsRun: number;
  trainMs: number;
};

export interface MaskingPretrained {
  pair: MaskingPair;
  spec: MaskingCnnSpec;
  weights: ParameterSnapshot;
  result: MaskingPretrainResult;
  /** Cache key of the pretraining config (part of every transfer run's cache config). */
  key: string;
  fromCache: boolean;
}

/** The pretraining cache config of one pair (plain data). */
export function maskingPretrainConfig(a: MaskingProtocolAConfig, pairId: MaskingPairId): Record<string, unknown> {
  return { study: 'masking-pretrain', pair: pairId, cnn: a.cnn, pretrain: a.pretrain };
}

/** Pretrains (or loads from the cache) the protocol-A CNN on the pair's source task. */
export async function pretrainMaskingCnn(a: MaskingProtocolAConfig, pairId: MaskingPairId, options: { progress?: boolean } = {}): Promise<MaskingPretrained> {
  const pair = MASKING_PAIRS[pairId];
  const classes = pair.source.classes?.length ?? 10;
  const spec: MaskingCnnSpec = { ...a.cnn, inputShape: pair.inputShape, classes };
  const cacheConfig = maskingPretrainConfig(a, pairId);
  const run = await cachedRun<Record<string, unknown>, MaskingPretrainResult>('masking-pretrain', cacheConfig, async () => {
    const trainDs = await loadMaskingPairSplit(pair.source.dataset, pair.source.classes, 'train');
    const testDs = await loadMaskingPairSplit(pair.source.dataset, pair.source.classes, 'test');
    const p = a.pretrain;
    const pool = maskingStratifiedSubset(trainDs.labels, classes, p.trainImages === null ? null : p.trainImages + p.validationImages, p.seed);
    const order = Array.from(pool);
    // Validation: every k-th image of the (sorted, stratified) pool, so it stays stratified too.
    const step = Math.max(2, Math.floor(order.length / p.validationImages));
    const val = order.filter((_, i) => i % step === 0).slice(0, p.validationImages);
    const valSet = new Set(val);
    const trainIdx = order.filter((i) => !valSet.has(i));
    const model = maskingCnn(spec, p.seed);
    try {
      const result = await train(
        model,
        {
          train: maskingPairSource(pair, trainDs, Int32Array.from(trainIdx)),
          val: maskingPairSource(pair, trainDs, Int32Array.from(val)),
          test: maskingPairSource(pair, testDs, maskingStratifiedSubset(testDs.labels, classes, p.testImages, p.seed)),
        },
        {
          epochs: p.epochs,
          batchSize: p.batchSize,
          seed: p.seed,
          optimizer: { kind: 'adam', lr: p.lr },
          monitor: 'val-accuracy',
          earlyStopping: { patience: p.patience },
          progress: options.progress === false ? false : `pretrain ${pair.label}`,
        },
      );
      const best = result.history[result.bestEpoch];
      return {
        history: result.history,
        results: { sourceTestAccuracy: result.test?.accuracy ?? NaN, bestValAccuracy: best?.valAccuracy ?? NaN, epochsRun: result.epochsRun, trainMs: result.elapsedMs },
        snapshots: [takeSnapshot(model, 'pretrained')],
      };
    } finally {
      model.dispose();
    }
  });
  const weights = run.snapshots.get('pretrained');
  if (!weights || !run.results) throw new Error(`pretrainMaskingCnn: cache entry ${run.dir} lacks the pretrained snapshot or results; delete it`);
  return { pair, spec, weights, result: run.results, key: cacheKey(cacheConfig), fromCache: run.fromCache };
}

// ---------------------------------------------------------------------------------------------------------------
// Running the grid

/** One observation of the study: a method trained on one draw of the target data (flat, so it is also a CSV row). */
export type MaskingRun = {
  protocol: 'A' | 'B';
  pair: string;
  n: number;
  seed: number;
  method: string;
  methodLabel: string;
  kind: string;
  statistic: string | null;
  rule: string | null;
  factor: number | null;
  freezeK: number | null;
  testAccuracy: number;
  testLoss: number;
  /** Labelled images used: training + validation (= n). */
  trainImages: number;
  validationImages: number;
  labelledImages: number;
  trainAccuracy: number;
  bestValAccuracy: number;
  bestValLoss: number;
  /** Train − validation accuracy at the best checkpoint (the overfitting the original study wanted to cut). */
  trainValGap: number;
  bestEpoch: number;
  epochsRun: number;
  /** Epochs the step budget allowed. */
  scheduledEpochs: number;
  /** The convergence criterion: early stopping ended the run before the step budget (maskingRunStoppedEarly). */
  stoppedEarly: boolean;
  maskedKernels: number;
  totalKernels: number;
  maskedFraction: number;
  maskedPerLayer: string;
  trainSeconds: number;
  fromCache: boolean;
};

/** One pretrained protocol-A CNN with its convergence criterion (MASKING_SOURCE_CRITERION) and whether it met it. */
export type MaskingPretrainRecord = MaskingPretrainResult & {
  protocol: 'A'; pair: MaskingPairId; label: string; criterion: number; meetsCriterion: boolean; fromCache: boolean;
};

export interface MaskingResults {
  config: MaskingConfig;
  runs: MaskingRun[];
  pretrain: MaskingPretrainRecord[];
  backend: string;
  /** Wall time of this call, and training time of the runs computed now. */
  wallMs: number;
  computedRuns: number;
  cachedRuns: number;
  /** Parts that could not run because their data or model were not found (with the loader's message). */
  skipped: MaskingSkip[];
}

export interface MaskingSkip {
  what: string;
  reason: string;
}

function runRow(job: CellJob, method: MaskingMethod, r: MaskingRunResult, fromCache: boolean): MaskingRun {
  const { protocol, pair, n, seed } = job;
  const scheduledEpochs = maskingTrainSchedule(job.training, r.trainImages).epochs;
  return {
    protocol,
    pair,
    n,
    seed,
    method: maskingMethodId(method),
    methodLabel: maskingMethodLabel(method),
    kind: method.kind,
    statistic: method.kind === 'masked' ? method.statistic : null,
    rule: method.kind === 'masked' ? maskRuleLabel(method.rule) : null,
    factor: method.kind === 'masked' ? method.factor : null,
    freezeK: method.kind === 'freeze' ? method.k : null,
    testAccuracy: r.testAccuracy,
    testLoss: r.testLoss,
    trainImages: r.trainImages,
    validationImages: r.validationImages,
    labelledImages: r.trainImages + r.validationImages,
    trainAccuracy: r.trainAccuracy,
    bestValAccuracy: r.bestValAccuracy,
    bestValLoss: r.bestValLoss,
    trainValGap: r.trainAccuracy - r.bestValAccuracy,
    bestEpoch: r.bestEpoch,
    epochsRun: r.epochsRun,
    scheduledEpochs,
    stoppedEarly: maskingRunStoppedEarly(r.epochsRun, scheduledEpochs),
    maskedKernels: r.maskedKernels,
    totalKernels: r.totalKernels,
    maskedFraction: r.totalKernels > 0 ? r.maskedKernels / r.totalKernels : 0,
    maskedPerLayer: r.maskedPerLayer.join(' '),
    trainSeconds: r.trainMs / 1000,
    fromCache,
  };
}

/** Everything that determines one run (its cache key). */
function runCacheConfig(base: Record<string, unknown>, n: number, seed: number, method: MaskingMethod): Record<string, unknown> {
  return { ...base, n, seed, method };
}

interface CellJob {
  protocol: 'A' | 'B';
  pair: string;
  n: number;
  seed: number;
  methods: MaskingMethod[];
  base: Record<string, unknown>;
  /** Lazily prepares the data and similarity of the cell (only when a run is not cached). */
  prepare: () => Promise<{ data: MaskingRunData; similarity: () => Promise<KernelSimilarity> }>;
  build: (seed: number) => tf.LayersModel;
  pretrained: () => Promise<ParameterSnapshot>;
  training: MaskingTrainingConfig;
  /** Trains the linear probe on cached backbone features instead of the whole frozen network (protocol B). */
  linearProbe?: (data: MaskingRunData, seed: number) => Promise<MaskingRunResult>;
}

async function runCell(job: CellJob, onRun: (row: MaskingRun) => void): Promise<void> {
  let prepared: Awaited<ReturnType<CellJob['prepare']>> | null = null;
  let similarity: KernelSimilarity | null = null;
  for (const method of job.methods) {
    const cacheConfig = runCacheConfig(job.base, job.n, job.seed, method);
    const run = await cachedRun<Record<string, unknown>, MaskingRunResult>('masking-run', cacheConfig, async () => {
      prepared ??= await job.prepare();
      if (method.kind === 'linear-probe' && job.linearProbe) return { results: await job.linearProbe(prepared.data, job.seed) };
      if (method.kind === 'masked') similarity ??= await prepared.similarity();
      const result = await trainMaskingMethod(method, job.build, await job.pretrained(), prepared.data, job.training, job.seed, similarity);
      return { results: result };
    });
    if (!run.results) throw new Error(`runMasking: cache entry ${run.dir} has no results; delete it`);
    onRun(runRow(job, method, run.results, run.fromCache));
  }
}

/** Seed of the data draw of one cell (distinct per pair, n and seed). */
function drawSeed(pair: string, n: number, seed: number): number {
  let h = 2166136261;
  for (const ch of `${pair}/${n}/${seed}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}

/** Target datasets of a pair (class-selected) and its pretraining training set. */
export interface MaskingPairDatasets {
  train: ImageDataset;
  test: ImageDataset;
  source: ImageDataset;
}

export async function loadMaskingPairDatasets(pair: MaskingPair): Promise<MaskingPairDatasets> {
  return {
    train: await loadMaskingPairSplit(pair.target.dataset, pair.target.classes, 'train'),
    test: await loadMaskingPairSplit(pair.target.dataset, pair.target.classes, 'test'),
    source: await loadMaskingPairSplit(pair.source.dataset, pair.source.classes, 'train'),
  };
}

/** The indices of one cell's n training and validation images (seeded by pair, n and seed). */
export function maskingCellSplitA(pair: MaskingPair, ds: MaskingPairDatasets, a: MaskingProtocolAConfig, n: number, seed: number): { train: Int32Array; validation: Int32Array } {
  return drawLabelledSplit(ds.train.labels, pair.target.classes?.length ?? 10, n, a.validationFraction, drawSeed(pair.id, n, seed));
}

function cellDataA(pair: MaskingPair, ds: MaskingPairDatasets, a: MaskingProtocolAConfig, n: number, seed: number): MaskingRunData {
  const split = maskingCellSplitA(pair, ds, a, n, seed);
  return {
    train: maskingPairSource(pair, ds.train, split.train),
    val: maskingPairSource(pair, ds.train, split.validation),
    test: maskingPairSource(pair, ds.test, maskingStratifiedSubset(ds.test.labels, pair.target.classes?.length ?? 10, a.testImages, 0)),
  };
}

/** Kernel similarity of the pretrained CNN: D = pretraining images (seeded subset), D2 = the cell's training images. */
async function similarityA(pre: MaskingPretrained, source: ImageDataset, a: MaskingProtocolAConfig, target: LabelledBatchSource, seed: number): Promise<KernelSimilarity> {
  const model = maskingCnn(pre.spec, seed);
  try {
    transferBackbone(model, pre.weights);
    const sourceIdx = maskingStratifiedSubset(source.labels, pre.spec.classes, a.similarity.sourceImages, drawSeed(pre.pair.id, 0, seed));
    return await KernelSimilarity.fromNetwork(model, maskingPairSource(pre.pair, source, sourceIdx), target, {
      samplesPerKernel: a.similarity.samplesPerKernel,
      bins: a.similarity.bins,
      seed,
      batchSize: a.similarity.batchSize,
    });
  } finally {
    model.dispose();
  }
}

/** What the figures of one example cell need: the similarity, the pretrained model and the target images. */
export interface MaskingExample {
  similarity: KernelSimilarity;
  /** The pretrained network (backbone weights, head of the run seed); the caller disposes it. */
  model: tf.LayersModel;
  /** The cell's n target training images (D2), as fed to the network. */
  target: LabelledBatchSource;
  /** The same images as uint8 (for display), and their dataset. */
  targetDataset: ImageDataset;
  targetIndices: Int32Array;
  label: string;
  /** A fresh copy of the pretrained network (protocol A only; the caller disposes it). */
  fresh?: () => tf.LayersModel;
}

/** Recomputes the kernel similarity of one protocol-A cell (pretrained CNN from the cache) for the figures. */
export async function maskingExampleA(config: MaskingConfig, pairId: MaskingPairId, n: number, seed: number): Promise<MaskingExample> {
  const a = config.protocolA;
  if (!a) throw new Error('maskingExampleA: the config has no protocol A');
  const pre = await pretrainMaskingCnn(a, pairId, { progress: false });
  const ds = await loadMaskingPairDatasets(pre.pair);
  const split = maskingCellSplitA(pre.pair, ds, a, n, seed);
  const target = maskingPairSource(pre.pair, ds.train, split.train);
  const similarity = await similarityA(pre, ds.source, a, target, seed);
  const fresh = (): tf.LayersModel => {
    const m = maskingCnn(pre.spec, seed);
    transferBackbone(m, pre.weights);
    return m;
  };
  return { similarity, model: fresh(), target, targetDataset: ds.train, targetIndices: split.train, label: `${pre.pair.label}, n=${n}, seed ${seed}`, fresh };
}

/** How far masked and free kernels move under one optimiser and mask factor. */
export type MaskingMovement = {
  optimizer: string;
  factor: number;
  /** ‖θ − θ₀‖ / ‖θ₀‖ over the conv weights of the selected (masked) kernels, and of the free kernels. */
  maskedRelativeChange: number;
  freeRelativeChange: number;
  /** masked / free: 1e-3 would mean the damping works as intended, 1 that it does nothing. */
  ratio: number;
};

/**
 * The mechanism check: fine-tunes fresh copies of the example's pretrained network on its target images for a fixed
 * number of epochs with the mask at each factor and optimiser, and measures how far masked and free kernels move.
 * Under Adam a gradient scaled by 1e-3 gives nearly the same step (m/√v is scale-free), so the original study's damping
 * only works with SGD; factor 0 freezes under both.
 */
export async function maskingKernelMovement(
  example: MaskingExample,
  mask: KernelMask,
  options: { optimizers: { label: string; config: OptimizerConfig }[]; factors: number[]; epochs: number; batchSize: number; seed: number },
): Promise<MaskingMovement[]> {
  const fresh = example.fresh;
  if (!fresh) throw new Error('maskingKernelMovement: the example has no fresh-model builder (protocol A examples have one)');
  const rows: MaskingMovement[] = [];
  for (const opt of options.optimizers) {
    for (const factor of options.factors) {
      const model = fresh();
      try {
        const before = takeSnapshot(model);
        const hooks = factor === 1 ? [] : [gradientMaskHook(mask.factors(factor))];
        await train(model, { train: example.target }, { epochs: options.epochs, batchSize: options.batchSize, seed: options.seed, optimizer: opt.config, progress: false }, hooks);
        const after = takeSnapshot(model);
        const sums = { masked: [0, 0], free: [0, 0] };
        for (const l of mask.layers) {
          const e0 = before.entries.find((e) => e.name === `${l.layer}/kernel`);
          const e1 = after.entries.find((e) => e.name === `${l.layer}/kernel`);
          if (!e0 || !e1) throw new Error(`maskingKernelMovement: no kernel of layer '${l.layer}'`);
          const channels = l.selected.length;
          for (let i = 0; i < e0.values.length; i++) {
            const group = l.selected[i % channels] ? sums.masked : sums.free;
            const w0 = e0.values[i] as number;
            group[0] = (group[0] as number) + ((e1.values[i] as number) - w0) ** 2;
            group[1] = (group[1] as number) + w0 * w0;
          }
        }
        const rel = (g: number[]): number => Math.sqrt((g[0] as number) / (g[1] as number));
        const maskedRelativeChange = rel(sums.masked);
        const freeRelativeChange = rel(sums.free);
        rows.push({ optimizer: opt.label, factor, maskedRelativeChange, freeRelativeChange, ratio: maskedRelativeChange / freeRelativeChange });
      } finally {
        model.dispose();
      }
    }
  }
  return rows;
}

async function protocolAJobs(a: MaskingProtocolAConfig, options: { progress?: boolean }, pretrainRows: MaskingPretrainRecord[], skipped: MaskingSkip[]): Promise<CellJob[]> {
  const jobs: CellJob[] = [];
  for (const pairId of a.pairs) {
    let pre: MaskingPretrained;
    try {
      pre = await pretrainMaskingCnn(a, pairId, options);
    } catch (err) {
      if (!(err instanceof DataNotFoundError)) throw err;
      skipped.push({ what: `protocol A ${MASKING_PAIRS[pairId].label}`, reason: err.message });
      continue;
    }
    const criterion = MASKING_SOURCE_CRITERION[pairId];
    pretrainRows.push({
      protocol: 'A', pair: pairId, label: pre.pair.label, ...pre.result, criterion, meetsCriterion: pre.result.sourceTestAccuracy >= criterion, fromCache: pre.fromCache,
    });
    const pair = pre.pair;
    let datasets: Promise<MaskingPairDatasets> | null = null;
    const load = (): Promise<MaskingPairDatasets> => (datasets ??= loadMaskingPairDatasets(pair));
    const base = {
      study: 'masking',
      protocol: 'A',
      pair: pairId,
      pretrain: pre.key,
      cnn: a.cnn,
      validationFraction: a.validationFraction,
      testImages: a.testImages,
      training: a.training,
      similarity: a.similarity,
    };
    for (const n of a.ns) {
      for (const seed of a.seeds) {
        jobs.push({
          protocol: 'A',
          pair: pairId,
          n,
          seed,
          methods: a.methods,
          base,
          training: a.training,
          build: (s) => maskingCnn(pre.spec, s),
          pretrained: async () => pre.weights,
          prepare: async () => {
            const ds = await load();
            const data = cellDataA(pair, ds, a, n, seed);
            return { data, similarity: () => similarityA(pre, ds.source, a, data.train, seed) };
          },
        });
      }
    }
  }
  return jobs;
}

/** The indices of one protocol-B cell's n labelled CIFAR-10 images, training and validation (seeded by the seed). */
export function maskingCellSplitB(cifarTrainLabels: ArrayLike<number>, b: MaskingProtocolBConfig, seed: number): { train: Int32Array; validation: Int32Array } {
  return drawLabelledSplit(cifarTrainLabels, 10, b.n, b.validationFraction, drawSeed('imagenet-cifar10', b.n, seed));
}

/** Protocol-B data: CIFAR-10 train/test and the ImageNet sample, loaded once. */
interface ProtocolBData {
  cifarTrain: ImageDataset;
  cifarTest: ImageDataset;
  imagenet: ImageDataset;
  darknet: tf.LayersModel;
  weights: ParameterSnapshot;
}

/** Kernel similarity of Tiny Darknet: D = ImageNet-sample images (seeded subset), D2 = the CIFAR-10 training images. */
async function similarityB(d: ProtocolBData, b: MaskingProtocolBConfig, target: LabelledBatchSource, seed: number): Promise<KernelSimilarity> {
  const model = darknetTransferModel(d.darknet, { inputSize: b.inputSize, classes: 10, seed });
  try {
    const imagenetIdx = maskingStratifiedSubset(new Uint8Array(d.imagenet.count), 1, b.similarity.sourceImages, drawSeed('imagenet', 0, seed));
    return await KernelSimilarity.fromNetwork(model, maskingResizedSource(d.imagenet, imagenetIdx, b.inputSize, d.imagenet.classNames.length), target, {
      samplesPerKernel: b.similarity.samplesPerKernel,
      bins: b.similarity.bins,
      seed,
      batchSize: b.similarity.batchSize,
    });
  } finally {
    model.dispose();
  }
}

async function loadProtocolBData(): Promise<ProtocolBData> {
  const dk = await loadTinyDarknet();
  return {
    cifarTrain: await loadDataset('cifar10', 'train', { quiet: true }),
    cifarTest: await loadDataset('cifar10', 'test', { quiet: true }),
    imagenet: await loadDataset('imagenet-sample', 'test', { quiet: true }),
    darknet: dk.model,
    weights: takeSnapshot(dk.model, 'tiny-darknet'),
  };
}

/** Recomputes the kernel similarity of one protocol-B cell (ImageNet sample vs the original study's CIFAR-10 draw) for the figures. */
export async function maskingExampleB(config: MaskingConfig, seed: number): Promise<MaskingExample> {
  const b = config.protocolB;
  if (!b) throw new Error('maskingExampleB: the config has no protocol B');
  const d = await loadProtocolBData();
  try {
    const split = maskingCellSplitB(d.cifarTrain.labels, b, seed);
    const target = maskingResizedSource(d.cifarTrain, split.train, b.inputSize, 10);
    const similarity = await similarityB(d, b, target, seed);
    const model = darknetTransferModel(d.darknet, { inputSize: b.inputSize, classes: 10, seed });
    return { similarity, model, target, targetDataset: d.cifarTrain, targetIndices: split.train, label: `Tiny Darknet ${b.inputSize}×${b.inputSize}, ImageNet sample vs CIFAR-10, n=${b.n}, seed ${seed}` };
  } finally {
    d.darknet.dispose();
  }
}

async function protocolBJobs(b: MaskingProtocolBConfig): Promise<{ jobs: CellJob[]; release: () => void }> {
  let loaded: Promise<ProtocolBData> | null = null;
  let darknet: tf.LayersModel | null = null;
  const load = (): Promise<ProtocolBData> =>
    (loaded ??= (async () => {
      const d = await loadProtocolBData();
      darknet = d.darknet;
      return d;
    })());
  let testSource: LabelledBatchSource | null = null;
  // The linear probe's head trains on pooled backbone features in inference mode; the test set's are shared by the seeds.
  let featureModel: tf.LayersModel | null = null;
  let testFeatures: MaskingFeatures | null = null;
  const linearProbe = async (data: MaskingRunData, seed: number): Promise<MaskingRunResult> => {
    const d = await load();
    featureModel ??= darknetTransferModel(d.darknet, { inputSize: b.inputSize, classes: 10, seed: 0 });
    testFeatures ??= maskingFeatures(featureModel, 'gap', data.test, b.similarity.batchSize);
    const features = { train: maskingFeatures(featureModel, 'gap', data.train), val: maskingFeatures(featureModel, 'gap', data.val), test: testFeatures };
    return trainProbeOnFeatures(features, featureModel, b.training, seed);
  };
  const base = {
    study: 'masking',
    protocol: 'B',
    model: 'tiny-darknet',
    linearProbe: 'head on cached pooled features, backbone BatchNorm in inference mode',
    inputSize: b.inputSize,
    validationFraction: b.validationFraction,
    testImages: b.testImages,
    training: b.training,
    similarity: b.similarity,
  };
  const classes = 10;
  const jobs = b.seeds.map(
    (seed): CellJob => ({
      protocol: 'B',
      pair: 'imagenet-cifar10',
      n: b.n,
      seed,
      methods: b.methods,
      base,
      training: b.training,
      build: (s) => {
        // Synchronous builder: prepare() (always called before a run is trained) has loaded Tiny Darknet.
        if (!darknet) throw new Error('protocol B: Tiny Darknet is not loaded yet');
        return darknetTransferModel(darknet, { inputSize: b.inputSize, classes, seed: s, pretrained: false });
      },
      pretrained: async () => (await load()).weights,
      linearProbe,
      prepare: async () => {
        const d = await load();
        const split = maskingCellSplitB(d.cifarTrain.labels, b, seed);
        // Resized once: training and validation images are read every epoch, the test set by every model of every seed.
        testSource ??= maskingResizedImages(d.cifarTest, maskingStratifiedSubset(d.cifarTest.labels, classes, b.testImages, 0), b.inputSize, classes);
        const data: MaskingRunData = {
          train: maskingResizedImages(d.cifarTrain, split.train, b.inputSize, classes),
          val: maskingResizedImages(d.cifarTrain, split.validation, b.inputSize, classes),
          test: testSource,
        };
        return { data, similarity: () => similarityB(d, b, data.train, seed) };
      },
    }),
  );
  const release = (): void => {
    testSource = null;
    darknet?.dispose();
    darknet = null;
    featureModel?.dispose();
    featureModel = null;
  };
  return { jobs, release };
}

/**
 * Runs the configured protocols: every (pair, n, seed) cell trains every method (or reads it from the result cache,
 * namespace 'masking-run'). Protocol B is skipped with a reason when Tiny Darknet or the data cannot be found.
 */
export async function runMasking(config: MaskingConfig, options: { progress?: boolean } = {}): Promise<MaskingResults> {
  const started = Date.now();
  const runs: MaskingRun[] = [];
  const pretrain: MaskingPretrainRecord[] = [];
  const jobs: CellJob[] = [];
  const skipped: MaskingSkip[] = [];
  if (config.protocolA) jobs.push(...(await protocolAJobs(config.protocolA, options, pretrain, skipped)));
  let releaseB: (() => void) | null = null;
  if (config.protocolB) {
    try {
      const { jobs: bJobs, release } = await protocolBJobs(config.protocolB);
      // Fail early (and skip B with the reason) when its model or data are missing.
      await bJobs[0]?.pretrained();
      jobs.push(...bJobs);
      releaseB = release;
    } catch (err) {
      if (!(err instanceof DataNotFoundError)) throw err;
      skipped.push({ what: 'protocol B (Tiny Darknet, ImageNet sample vs CIFAR-10)', reason: err.message });
    }
  }
  const total = jobs.reduce((s, j) => s + j.methods.length, 0);
  const progress = createProgress({ label: `masking (${config.scale})`, total, unit: 'runs', quiet: options.progress === false ? true : undefined });
  let computed = 0;
  let cached = 0;
  try {
    for (const job of jobs) {
      await runCell(job, (row) => {
        runs.push(row);
        if (row.fromCache) cached++;
        else computed++;
        progress.update(runs.length, `${row.protocol} ${row.pair} n=${row.n} seed ${row.seed} ${row.method}: ${(100 * row.testAccuracy).toFixed(1)}%`);
      });
    }
  } finally {
    releaseB?.();
  }
  progress.finish(`${computed} trained, ${cached} from the cache`);
  return { config, runs, pretrain, backend: tf.getBackend(), wallMs: Date.now() - started, computedRuns: computed, cachedRuns: cached, skipped };
}

/**
 * Issue 8 — how much of a network moves in training (seed 002, spec 02-parameter-dynamics).
 *
 * The experiment is a pure function of a typed config: a grid of architecture × init × optimiser × dataset × seed
 * (plus two explanation studies on the ResNet: without BatchNorm, and over width), each cell one trained model whose
 * snapshots (init, every k epochs, best-validation, last) live in the result cache under the namespace
 * 'parameter-change'. Metrics compare the kept model ("best", as the original kept the best-validation checkpoint)
 * with its initialisation.
 *
 * Reuse from other notebooks (issue 9, sign flip): build the same cell with `parameterChangeCell(scale, {...})` (or
 * take it from `parameterChangeCells(config)`), then `trainedParameterChangeModel(cell)` returns the trained model
 * (trained and cached on a miss, loaded on a hit), `parameterChangeData(cell)` the same train/val/test data and
 * `parameterChangeTrainConfig(cell)` the same training settings. `parameterChangeCellKey(cell)` is the cache key.
 */
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../data/load';
import type { DatasetName, ImageDataset, Split } from '../data/types';
import type { InitScheme } from '../models/init';
import { lenet5 } from '../models/lenet';
import { countParameters } from '../models/parameters';
import { resnet18 } from '../models/resnet';
import { vggSmall } from '../models/vgg';
import { changeRate, changedFraction, changedFractionBy, distancesBy, l2Distance, l2Norm, type Tolerance } from '../probe/distance';
import { writeSnapshot, type ParameterSnapshot } from '../probe/snapshot';
import { cacheKey, cachedRun, canonicalJson, type CachedRun } from '../report/cache';
import type { Row } from '../report/table';
import type { EvaluationResult } from '../train/evaluate';
import { snapshotHook } from '../train/hooks';
import { NonFiniteLossError, train, type TrainConfig, type TrainData } from '../train/loop';
import type { OptimizerConfig } from '../train/optimizers';
import { sourceFromImageDataset, splitSource, subsetSource, type LabelledBatchSource } from '../train/source';
import { createProgress } from '../util/progress';
import { createRng } from '../util/random';
import type { Scale } from '../util/scale';
import {
  changedFractionCurve,
  changedValueSample,
  snapshotPathDistances,
  toleranceForChangedShare,
  toleranceForUnchangedShare,
  type ChangedValueSample,
  type PathPoint,
} from './parameterChangeMetrics';
import { parameterChangeVerdict, type ParameterChangeVerdict } from './parameterChangeVerdict';

export * from './parameterChangeMetrics';
export * from './parameterChangeVerdict';
export * from './parameterChangeFigures';

export type PcArchitecture = 'lenet5' | 'vgg' | 'resnet18';
export type PcInit = Extract<InitScheme, 'kaiming-uniform' | 'kaiming-normal'>;
export type PcOptimizer = 'sgd' | 'adam';
export type PcDataset = Extract<DatasetName, 'mnist' | 'fashion-mnist' | 'cifar10'>;

export const PC_ARCHITECTURES: readonly PcArchitecture[] = ['lenet5', 'vgg', 'resnet18'];
export const PC_INITS: readonly PcInit[] = ['kaiming-uniform', 'kaiming-normal'];
export const PC_OPTIMIZERS: readonly PcOptimizer[] = ['sgd', 'adam'];
export const PC_DATASETS: readonly PcDataset[] = ['mnist', 'fashion-mnist', 'cifar10'];

/** Cache namespace of the trained models. */
export const PARAMETER_CHANGE_NAMESPACE = 'parameter-change';
/** Bump when what a cell trains changes meaning (part of every cell, hence of every cache key). */
export const PARAMETER_CHANGE_VERSION = 1;

/** Shape of one architecture: width knob (null for LeNet-5), BatchNorm, convs per VGG stage / blocks per ResNet stage. */
export interface PcModelSpec {
  width: number | null;
  batchNorm: boolean;
  /** VGG: convs per stage; ResNet: basic blocks per stage; LeNet-5: null. */
  blocks: number[] | null;
}

/**
 * One trained model: everything that determines its weights (the cache key is the hash of this object). Plain JSON,
 * no undefined fields.
 */
export interface ParameterChangeCell {
  version: number;
  architecture: PcArchitecture;
  width: number | null;
  batchNorm: boolean;
  blocks: number[] | null;
  init: PcInit;
  optimizerName: PcOptimizer;
  optimizer: OptimizerConfig;
  dataset: PcDataset;
  /** Training examples after the validation split (a seeded subsample; null = all). */
  trainExamples: number | null;
  /** Validation examples, split off the official TRAINING set (never the test set). */
  validationCount: number;
  /** Test examples (a seeded subsample of the official test set; null = all 10,000). */
  testExamples: number | null;
  /** Seed of the validation split and of the train/test subsamples (shared by all cells: same data everywhere). */
  splitSeed: number;
  epochs: number;
  batchSize: number;
  /** Steps per epoch cap (tiny scale); null = full epochs. */
  maxStepsPerEpoch: number | null;
  /** Snapshot 'epoch-e' after every 0-based epoch e with e % snapshotEvery === 0 (5: after epochs 0, 5, 10, 15). */
  snapshotEvery: number;
  /** Model init seed; the data order uses `dataOrderSeed(seed)`. */
  seed: number;
}

/** Data-order seed of a run, derived from the init seed so that init and shuffling draw from unrelated streams. */
export function dataOrderSeed(seed: number): number {
  return 1_000_003 + seed;
}

export interface PcStudyGrid {
  datasets: PcDataset[];
  optimizers: PcOptimizer[];
  inits: PcInit[];
  seeds: number[];
}

export interface ParameterChangeConfig {
  scale: Scale;
  /** The main grid. */
  architectures: PcArchitecture[];
  inits: PcInit[];
  optimizers: PcOptimizer[];
  datasets: PcDataset[];
  seeds: number[];
  models: Record<PcArchitecture, PcModelSpec>;
  /** Optimiser of every architecture × optimiser (see `ORIGINAL_OPTIMIZERS` for the choice). */
  optimizerSettings: Record<PcArchitecture, Record<PcOptimizer, OptimizerConfig>>;
  data: { trainExamples: number | null; validationCount: number; testExamples: number | null; splitSeed: number };
  training: { epochs: number; batchSize: number; maxStepsPerEpoch: number | null; snapshotEvery: number };
  /** Explanation test: the grid's ResNet without BatchNorm (same width, blocks, data, seeds) vs with. Null = off. */
  batchNormTest: PcStudyGrid | null;
  /** Lazy-training check: the ResNet (with BN) at these widths (the grid width is added). Null = off. */
  widthTest: (PcStudyGrid & { widths: number[] }) | null;
  /** Which snapshot is compared with init: 'best' (best validation accuracy, as the original) or 'last'. */
  compare: 'best' | 'last';
  tolerance: {
    /** The one documented tolerance of the bar chart and the verdict. */
    headline: Tolerance;
    /** τ grid of the relative curves (rtol = τ, atol = relativeAtol). */
    relativeGrid: number[];
    relativeAtol: number;
    /** τ grid of the absolute curves (atol = τ, rtol = 0). */
    absoluteGrid: number[];
  };
  /** Value histograms: elements sampled per run, of the conv and dense weights. */
  histogram: { samples: number; seed: number };
}

/**
 * The optimisers (PyTorch formulas, batch 128). The original: LeNet SGD lr 0.005 momentum 0.9; VGG Adam lr 0.005
 * eps 0.1 or SGD lr 0.005 momentum 0.9; ResNet-18 Adam lr 0.005. The grid runs BOTH optimisers for every
 * architecture, so we fill the gaps the closest way: SGD is always lr 0.005 momentum 0.9; Adam is always lr 0.005,
 * with eps 0.1 for VGG (as the original) and PyTorch's default eps 1e-8 for LeNet-5 and ResNet.
 */
export const ORIGINAL_OPTIMIZERS: Record<PcArchitecture, Record<PcOptimizer, OptimizerConfig>> = {
  lenet5: { sgd: { kind: 'sgd', lr: 0.005, momentum: 0.9 }, adam: { kind: 'adam', lr: 0.005, eps: 1e-8 } },
  vgg: { sgd: { kind: 'sgd', lr: 0.005, momentum: 0.9 }, adam: { kind: 'adam', lr: 0.005, eps: 0.1 } },
  resnet18: { sgd: { kind: 'sgd', lr: 0.005, momentum: 0.9 }, adam: { kind: 'adam', lr: 0.005, eps: 1e-8 } },
};

/** 10^(from + k·step) for k = 0.. up to `to` (inclusive), rounded to 4 significant digits. */
function logGrid(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let e = from; e <= to + 1e-9; e += step) out.push(Number((10 ** e).toPrecision(4)));
  return out;
}

const TOLERANCE_DEFAULTS: ParameterChangeConfig['tolerance'] = {
  // Headline: an element is unchanged when it moved by at most 1% of its initial magnitude (plus numpy's atol 1e-8,
  // which only matters for elements that start at exactly 0: dense biases and BN beta).
  headline: { atol: 1e-8, rtol: 1e-2 },
  relativeGrid: logGrid(-6, 1, 0.25),
  relativeAtol: 1e-8,
  absoluteGrid: logGrid(-8, 0, 0.25),
};

type Overrides<C> = { [K in keyof C]?: C[K] extends readonly unknown[] | null ? C[K] : C[K] extends object ? Partial<C[K]> : C[K] };

/**
 * Config of a scale. Sizes (2-core CPU, wasm backend):
 * - tiny: MNIST only, 64 training images, 2 epochs of ≤ 2 steps (batch 8), one init, 2 seeds, mini nets; the whole
 *   notebook < 60 s. Checks that everything runs, nothing else.
 * - quick (about 10 minutes): MNIST and CIFAR-10 (Fashion-MNIST left out: it behaves like MNIST in the original), a
 *   seeded subsample of 2,048 training images, 4 epochs, 2 seeds, both inits and optimisers, slim nets (VGG 8
 *   channels [1,1,2,2], ResNet 8 channels [1,1,1,1]); BN test on CIFAR-10 with Adam; widths 4/8/16.
 * - full: the seed's scale — all three datasets, the whole training set minus 5,000 validation images, 20 epochs,
 *   batch 128, 3 seeds, VGG-19 layout ([2,2,4,4,4], 64 channels) and ResNet-18 ([2,2,2,2], 64 channels).
 */
export function parameterChangeConfig(scale: Scale, overrides: Overrides<ParameterChangeConfig> = {}): ParameterChangeConfig {
  const base = baseConfig(scale);
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    const current = (base as unknown as Record<string, unknown>)[k];
    const isPlainObject = (x: unknown): boolean => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = isPlainObject(v) && isPlainObject(current) ? { ...(current as object), ...(v as object) } : v;
  }
  const config = out as unknown as ParameterChangeConfig;
  validateConfig(config);
  return config;
}

function baseConfig(scale: Scale): ParameterChangeConfig {
  const common = {
    scale,
    compare: 'best' as const,
    optimizerSettings: ORIGINAL_OPTIMIZERS,
    tolerance: TOLERANCE_DEFAULTS,
    architectures: [...PC_ARCHITECTURES],
    inits: [...PC_INITS],
    optimizers: [...PC_OPTIMIZERS],
  };
  switch (scale) {
    case 'tiny':
      return {
        ...common,
        inits: ['kaiming-uniform'],
        datasets: ['mnist'],
        seeds: [0, 1],
        models: {
          lenet5: { width: null, batchNorm: false, blocks: null },
          vgg: { width: 4, batchNorm: false, blocks: [1, 1] },
          resnet18: { width: 4, batchNorm: true, blocks: [1, 1] },
        },
        data: { trainExamples: 64, validationCount: 32, testExamples: 64, splitSeed: 2024 },
        training: { epochs: 2, batchSize: 8, maxStepsPerEpoch: 2, snapshotEvery: 1 },
        batchNormTest: { datasets: ['mnist'], optimizers: ['adam'], inits: ['kaiming-uniform'], seeds: [0, 1] },
        widthTest: { widths: [8], datasets: ['mnist'], optimizers: ['adam'], inits: ['kaiming-uniform'], seeds: [0, 1] },
        histogram: { samples: 2000, seed: 5 },
      };
    case 'quick':
      return {
        ...common,
        datasets: ['mnist', 'cifar10'],
        seeds: [0, 1],
        models: {
          lenet5: { width: null, batchNorm: false, blocks: null },
          vgg: { width: 8, batchNorm: false, blocks: [1, 1, 2, 2] },
          resnet18: { width: 8, batchNorm: true, blocks: [1, 1, 1, 1] },
        },
        data: { trainExamples: 2048, validationCount: 1000, testExamples: 2000, splitSeed: 2024 },
        training: { epochs: 4, batchSize: 128, maxStepsPerEpoch: null, snapshotEvery: 1 },
        batchNormTest: { datasets: ['cifar10'], optimizers: ['sgd', 'adam'], inits: ['kaiming-uniform'], seeds: [0, 1] },
        widthTest: { widths: [4, 16], datasets: ['cifar10'], optimizers: ['adam'], inits: ['kaiming-uniform'], seeds: [0, 1] },
        histogram: { samples: 20000, seed: 5 },
      };
    case 'full':
      return {
        ...common,
        datasets: [...PC_DATASETS],
        seeds: [0, 1, 2],
        models: {
          lenet5: { width: null, batchNorm: false, blocks: null },
          vgg: { width: 64, batchNorm: false, blocks: [2, 2, 4, 4, 4] },
          resnet18: { width: 64, batchNorm: true, blocks: [2, 2, 2, 2] },
        },
        data: { trainExamples: null, validationCount: 5000, testExamples: null, splitSeed: 2024 },
        training: { epochs: 20, batchSize: 128, maxStepsPerEpoch: null, snapshotEvery: 5 },
        batchNormTest: { datasets: [...PC_DATASETS], optimizers: [...PC_OPTIMIZERS], inits: [...PC_INITS], seeds: [0, 1, 2] },
        widthTest: { widths: [16, 32], datasets: ['cifar10'], optimizers: [...PC_OPTIMIZERS], inits: ['kaiming-uniform'], seeds: [0, 1, 2] },
        histogram: { samples: 50000, seed: 5 },
      };
    default:
      throw new Error(`parameterChangeConfig: scale must be tiny, quick or full; got '${String(scale)}'`);
  }
}

function requireSubset<T extends string>(what: string, values: readonly T[], allowed: readonly T[]): void {
  if (values.length === 0) throw new Error(`parameterChangeConfig: ${what} is empty`);
  for (const v of values) {
    if (!allowed.includes(v)) throw new Error(`parameterChangeConfig: ${what} must be among ${allowed.join(', ')}; got '${v}'`);
  }
}

function requirePositiveInt(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`parameterChangeConfig: ${what} must be a positive integer; got ${v}`);
}

function validateConfig(c: ParameterChangeConfig): void {
  requireSubset('architectures', c.architectures, PC_ARCHITECTURES);
  requireSubset('inits', c.inits, PC_INITS);
  requireSubset('optimizers', c.optimizers, PC_OPTIMIZERS);
  requireSubset('datasets', c.datasets, PC_DATASETS);
  if (c.seeds.length === 0) throw new Error('parameterChangeConfig: seeds is empty');
  for (const s of c.seeds) if (!Number.isInteger(s) || s < 0) throw new Error(`parameterChangeConfig: seeds must be integers ≥ 0; got ${s}`);
  for (const a of PC_ARCHITECTURES) {
    const m = c.models[a];
    if (m === undefined) throw new Error(`parameterChangeConfig: models.${a} is missing`);
    if (a !== 'lenet5') {
      if (m.width === null) throw new Error(`parameterChangeConfig: models.${a}.width must be a positive integer; got null`);
      requirePositiveInt(`models.${a}.width`, m.width);
    }
  }
  requirePositiveInt('training.epochs', c.training.epochs);
  requirePositiveInt('training.batchSize', c.training.batchSize);
  requirePositiveInt('training.snapshotEvery', c.training.snapshotEvery);
  requirePositiveInt('data.validationCount', c.data.validationCount);
  if (c.data.trainExamples !== null) requirePositiveInt('data.trainExamples', c.data.trainExamples);
  if (c.data.testExamples !== null) requirePositiveInt('data.testExamples', c.data.testExamples);
  if (c.compare !== 'best' && c.compare !== 'last') throw new Error(`parameterChangeConfig: compare must be 'best' or 'last'; got '${String(c.compare)}'`);
  const h = c.tolerance.headline;
  if (!(h.atol >= 0 && h.rtol >= 0)) throw new Error(`parameterChangeConfig: tolerance.headline needs atol, rtol ≥ 0; got ${JSON.stringify(h)}`);
  if (c.tolerance.relativeGrid.length === 0 || c.tolerance.absoluteGrid.length === 0) {
    throw new Error('parameterChangeConfig: tolerance grids must not be empty');
  }
  for (const study of [c.batchNormTest, c.widthTest]) {
    if (study === null) continue;
    requireSubset('study datasets', study.datasets, PC_DATASETS);
    requireSubset('study optimizers', study.optimizers, PC_OPTIMIZERS);
    requireSubset('study inits', study.inits, PC_INITS);
  }
  if (c.widthTest !== null) for (const w of c.widthTest.widths) requirePositiveInt('widthTest.widths', w);
}

/** Arguments of one cell beyond the scale's data/training settings. */
export interface PcCellChoice {
  architecture: PcArchitecture;
  init: PcInit;
  optimizer: PcOptimizer;
  dataset: PcDataset;
  seed: number;
  /** Default: the config's model spec of the architecture. */
  width?: number | null;
  batchNorm?: boolean;
}

/** The cell of one choice under a config (what the grid trains for it). */
export function cellOf(config: ParameterChangeConfig, choice: PcCellChoice): ParameterChangeCell {
  const spec = config.models[choice.architecture];
  return {
    version: PARAMETER_CHANGE_VERSION,
    architecture: choice.architecture,
    width: choice.architecture === 'lenet5' ? null : choice.width ?? spec.width,
    batchNorm: choice.architecture === 'lenet5' ? false : choice.batchNorm ?? spec.batchNorm,
    blocks: choice.architecture === 'lenet5' ? null : spec.blocks === null ? null : [...spec.blocks],
    init: choice.init,
    optimizerName: choice.optimizer,
    optimizer: { ...config.optimizerSettings[choice.architecture][choice.optimizer] },
    dataset: choice.dataset,
    trainExamples: config.data.trainExamples,
    validationCount: config.data.validationCount,
    testExamples: config.data.testExamples,
    splitSeed: config.data.splitSeed,
    epochs: config.training.epochs,
    batchSize: config.training.batchSize,
    maxStepsPerEpoch: config.training.maxStepsPerEpoch,
    snapshotEvery: config.training.snapshotEvery,
    seed: choice.seed,
  };
}

/**
 * The cell that notebook 02 trains for this choice at this scale (config overrides allowed): the entry point for other
 * notebooks that want to reuse its trained models, e.g.
 * `trainedParameterChangeModel(parameterChangeCell('quick', { architecture: 'lenet5', init: 'kaiming-uniform', optimizer: 'sgd', dataset: 'mnist', seed: 0 }))`.
 */
export function parameterChangeCell(scale: Scale, choice: PcCellChoice, overrides: Overrides<ParameterChangeConfig> = {}): ParameterChangeCell {
  return cellOf(parameterChangeConfig(scale, overrides), choice);
}

/** Cache key of a cell (sha256 of its canonical JSON and the code version; see report/cache). */
export function parameterChangeCellKey(cell: ParameterChangeCell): string {
  return cacheKey(cell);
}

/** Short readable id of a cell, e.g. `resnet18-w8-bn/kaiming-uniform/adam/cifar10/s0`. */
export function parameterChangeRunId(cell: ParameterChangeCell): string {
  const arch = cell.architecture === 'lenet5' ? 'lenet5' : `${cell.architecture}-w${cell.width}${cell.batchNorm ? '-bn' : '-nobn'}`;
  return `${arch}/${cell.init}/${cell.optimizerName}/${cell.dataset}/s${cell.seed}`;
}

function* product(study: PcStudyGrid): Generator<{ dataset: PcDataset; optimizer: PcOptimizer; init: PcInit; seed: number }> {
  for (const dataset of study.datasets) {
    for (const optimizer of study.optimizers) {
      for (const init of study.inits) for (const seed of study.seeds) yield { dataset, optimizer, init, seed };
    }
  }
}

/** Which studies a cell belongs to. */
export interface PcMembership {
  inGrid: boolean;
  inBatchNormTest: boolean;
  inWidthTest: boolean;
}

/** Every cell the config trains (grid, then the BN test, then the width test), deduplicated by cache key. */
export function parameterChangeCells(config: ParameterChangeConfig): ParameterChangeCell[] {
  return plannedCells(config).map((p) => p.cell);
}

function plannedCells(config: ParameterChangeConfig): { cell: ParameterChangeCell; key: string; membership: PcMembership }[] {
  const planned = new Map<string, { cell: ParameterChangeCell; key: string; membership: PcMembership }>();
  const add = (cell: ParameterChangeCell, flag: keyof PcMembership): void => {
    const key = canonicalJson(cell);
    let p = planned.get(key);
    if (p === undefined) {
      p = { cell, key, membership: { inGrid: false, inBatchNormTest: false, inWidthTest: false } };
      planned.set(key, p);
    }
    p.membership[flag] = true;
  };
  for (const architecture of config.architectures) {
    for (const c of product({ datasets: config.datasets, optimizers: config.optimizers, inits: config.inits, seeds: config.seeds })) {
      add(cellOf(config, { architecture, ...c }), 'inGrid');
    }
  }
  if (config.batchNormTest !== null) {
    for (const c of product(config.batchNormTest)) {
      for (const batchNorm of [true, false]) add(cellOf(config, { architecture: 'resnet18', ...c, batchNorm }), 'inBatchNormTest');
    }
  }
  if (config.widthTest !== null) {
    const gridWidth = config.models.resnet18.width as number;
    const widths = [...new Set([...config.widthTest.widths, gridWidth])].sort((a, b) => a - b);
    for (const c of product(config.widthTest)) {
      for (const width of widths) add(cellOf(config, { architecture: 'resnet18', ...c, width, batchNorm: true }), 'inWidthTest');
    }
  }
  return [...planned.values()];
}

// ---------------------------------------------------------------------------------------------------------------
// Data, model, training of one cell

const datasetMemo = new Map<string, Promise<ImageDataset>>();

function loadDatasetOnce(name: PcDataset, split: Split): Promise<ImageDataset> {
  const id = `${name}/${split}`;
  let p = datasetMemo.get(id);
  if (p === undefined) {
    p = loadDataset(name, split, { quiet: true });
    datasetMemo.set(id, p);
    p.catch(() => datasetMemo.delete(id));
  }
  return p;
}

function seededSubset(source: LabelledBatchSource, count: number | null, seed: number, what: string): LabelledBatchSource {
  if (count === null) return source;
  if (count > source.count) throw new Error(`parameterChange: ${what} asks for ${count} examples but only ${source.count} are available`);
  const perm = createRng(seed).permutation(source.count);
  return subsetSource(source, perm.slice(0, count));
}

/**
 * The data of a cell: MNIST / Fashion-MNIST padded 28→32 and repeated to 3 channels, CIFAR-10 as is, pixels /255 and
 * no normalisation (seed 002); validation split off the training set with `splitSeed`; seeded subsamples of the
 * remaining training images and of the test set when the cell asks for them.
 */
export async function parameterChangeData(cell: ParameterChangeCell): Promise<Required<TrainData>> {
  const [trainSet, testSet] = await Promise.all([loadDatasetOnce(cell.dataset, 'train'), loadDatasetOnce(cell.dataset, 'test')]);
  const options = cell.dataset === 'cifar10' ? {} : { pad: 2, channels: 3 };
  const { train: trainAll, val } = splitSource(sourceFromImageDataset(trainSet, options), {
    validationCount: cell.validationCount,
    seed: cell.splitSeed,
  });
  return {
    train: seededSubset(trainAll, cell.trainExamples, cell.splitSeed + 1, 'trainExamples'),
    val,
    test: seededSubset(sourceFromImageDataset(testSet, options), cell.testExamples, cell.splitSeed + 2, 'testExamples'),
  };
}

/** A freshly initialised model of the cell (the init the cell's run starts from). Caller disposes it. */
export function buildParameterChangeModel(cell: ParameterChangeCell): tf.LayersModel {
  switch (cell.architecture) {
    case 'lenet5':
      return lenet5({ variant: 'seed002', channels: 3, classes: 10, seed: cell.seed, init: cell.init });
    case 'vgg':
      return vggSmall({
        width: cell.width ?? 64, stages: cell.blocks ?? undefined, batchNorm: cell.batchNorm,
        inputShape: [32, 32, 3], classes: 10, seed: cell.seed, init: cell.init,
      });
    case 'resnet18':
      return resnet18({
        width: cell.width ?? 64, blocksPerStage: cell.blocks ?? undefined, batchNorm: cell.batchNorm,
        inputShape: [32, 32, 3], classes: 10, seed: cell.seed, init: cell.init,
      });
    default:
      throw new Error(`buildParameterChangeModel: unknown architecture '${String((cell as { architecture: unknown }).architecture)}'`);
  }
}

/**
 * Training settings of a cell: batch 128 shuffled, fixed epochs (no early stopping), best checkpoint by validation
 * accuracy, restored at the end (the original kept the best-validation model).
 */
export function parameterChangeTrainConfig(cell: ParameterChangeCell, progress: string | false = false): TrainConfig {
  const config: TrainConfig = {
    epochs: cell.epochs,
    batchSize: cell.batchSize,
    optimizer: { ...cell.optimizer },
    seed: dataOrderSeed(cell.seed),
    monitor: 'val-accuracy',
    restoreBest: true,
    progress,
  };
  if (cell.maxStepsPerEpoch !== null) config.maxStepsPerEpoch = cell.maxStepsPerEpoch;
  return config;
}

/** What a cached run stores besides history and snapshots. */
export interface ParameterChangeRunResults {
  diverged: boolean;
  /** Why it diverged (NonFiniteLossError message), else null. */
  divergence: string | null;
  /** 0-based epoch of the best validation accuracy (-1 when diverged). */
  bestEpoch: number;
  epochsRun: number;
  test: EvaluationResult | null;
  trainableParameters: number;
  elapsedMs: number;
}

export interface ParameterChangeCacheOptions {
  /** Cache root (default cacheDir()). */
  cacheRoot?: string;
  /** Show the training progress bar. */
  progress?: boolean;
  /** Retrain even when cached. */
  force?: boolean;
}

/**
 * Trains a cell (or loads it from the cache): snapshots 'init', 'epoch-e' (every `snapshotEvery` epochs), 'best'
 * (best validation accuracy) and 'last'. A run whose loss becomes NaN/Inf is cached as diverged, with the snapshots
 * taken before.
 */
export async function trainParameterChangeCell(
  cell: ParameterChangeCell,
  options: ParameterChangeCacheOptions = {},
): Promise<CachedRun<ParameterChangeCell, ParameterChangeRunResults>> {
  const cacheOptions = { ...(options.cacheRoot === undefined ? {} : { root: options.cacheRoot }), force: options.force ?? false };
  return cachedRun<ParameterChangeCell, ParameterChangeRunResults>(PARAMETER_CHANGE_NAMESPACE, cell, async () => {
    const data = await parameterChangeData(cell);
    const model = buildParameterChangeModel(cell);
    const snaps = snapshotHook({ atInit: true, everyEpochs: cell.snapshotEvery });
    const trainableParameters = countParameters(model, { trainableOnly: true });
    const start = Date.now();
    try {
      const r = await train(model, data, parameterChangeTrainConfig(cell, options.progress ? parameterChangeRunId(cell) : false), [snaps]);
      return {
        history: r.history,
        results: {
          diverged: false, divergence: null, bestEpoch: r.bestEpoch, epochsRun: r.epochsRun,
          test: r.test ?? null, trainableParameters, elapsedMs: r.elapsedMs,
        },
        snapshots: [...snaps.snapshots.values(), { label: 'best', entries: r.best.entries }, { label: 'last', entries: r.last.entries }],
      };
    } catch (err) {
      if (!(err instanceof NonFiniteLossError)) throw err;
      return {
        history: [],
        results: {
          diverged: true, divergence: err.message, bestEpoch: -1, epochsRun: err.epoch,
          test: null, trainableParameters, elapsedMs: Date.now() - start,
        },
        snapshots: [...snaps.snapshots.values()],
      };
    } finally {
      model.dispose();
    }
  }, cacheOptions);
}

/**
 * The trained model of a cell with the weights of the compared snapshot ('best' by default, as the original kept),
 * trained and cached on a miss. The caller disposes the model. Throws when the run diverged.
 */
export async function trainedParameterChangeModel(
  cell: ParameterChangeCell,
  options: ParameterChangeCacheOptions & { snapshot?: 'best' | 'last' } = {},
): Promise<{ model: tf.LayersModel; run: CachedRun<ParameterChangeCell, ParameterChangeRunResults>; snapshot: ParameterSnapshot }> {
  const run = await trainParameterChangeCell(cell, options);
  const label = options.snapshot ?? 'best';
  const snapshot = run.snapshots.get(label);
  if (run.results?.diverged || snapshot === undefined) {
    throw new Error(`trainedParameterChangeModel: run ${parameterChangeRunId(cell)} has no '${label}' snapshot` +
      (run.results?.diverged ? ` (it diverged: ${run.results.divergence})` : ` (cache entry ${run.dir})`));
  }
  const model = buildParameterChangeModel(cell);
  writeSnapshot(model, snapshot);
  return { model, run, snapshot };
}

// ---------------------------------------------------------------------------------------------------------------
// Metrics of all runs

/** Value samples of one run for the histograms. */
export interface PcHistogram extends ChangedValueSample {
  runId: string;
  architecture: PcArchitecture;
  batchNorm: boolean;
  optimizer: PcOptimizer;
  init: PcInit;
  dataset: PcDataset;
  seed: number;
}

export interface ParameterChangeResults {
  config: ParameterChangeConfig;
  /** One row per trained model. */
  runs: Row[];
  /** One row per run and layer (the results CSV). */
  layers: Row[];
  /** One row per run and parameter kind. */
  kinds: Row[];
  /** Changed fraction over tolerance: one row per run × mode × τ × group ('all' or a kind). */
  curves: Row[];
  /** One row per run and consecutive snapshot pair. */
  snapshotDistances: Row[];
  /** Initial/final value samples: the first grid init, dataset and seed of each architecture × optimiser (+ ResNet without BN). */
  histograms: PcHistogram[];
  verdict: ParameterChangeVerdict;
  /** Wall time of this call and of the training it did (cache misses). */
  elapsedMs: number;
  trainedRuns: number;
}

function epochOfLabel(label: string, results: ParameterChangeRunResults): number {
  if (label === 'init') return 0;
  if (label === 'last') return results.epochsRun;
  if (label === 'best') return results.bestEpoch + 1;
  const m = /^epoch-(\d+)$/.exec(label);
  if (m === null) throw new Error(`parameterChange: unexpected snapshot label '${label}'`);
  return Number(m[1]) + 1;
}

function runColumns(cell: ParameterChangeCell, membership: PcMembership): Row {
  return {
    runId: parameterChangeRunId(cell),
    architecture: cell.architecture,
    width: cell.width,
    batchNorm: cell.batchNorm,
    init: cell.init,
    optimizer: cell.optimizerName,
    dataset: cell.dataset,
    seed: cell.seed,
    ...membership,
  };
}

/** Runs (or loads) every cell of the config and measures how far each moved. */
export async function runParameterChange(
  config: ParameterChangeConfig,
  options: { progress?: boolean; cacheRoot?: string } = {},
): Promise<ParameterChangeResults> {
  validateConfig(config);
  const start = Date.now();
  const planned = plannedCells(config);
  const progress = createProgress({ label: 'parameter-change', total: planned.length, unit: 'runs', quiet: options.progress === false });
  const out: Omit<ParameterChangeResults, 'verdict' | 'elapsedMs' | 'trainedRuns'> = {
    config, runs: [], layers: [], kinds: [], curves: [], snapshotDistances: [], histograms: [],
  };
  const histogramFor = new Set<string>();
  for (const architecture of config.architectures) {
    for (const optimizer of config.optimizers) {
      const choice = { architecture, optimizer, init: config.inits[0] as PcInit, dataset: config.datasets[0] as PcDataset, seed: config.seeds[0] as number };
      histogramFor.add(canonicalJson(cellOf(config, choice)));
      if (architecture === 'resnet18' && config.batchNormTest !== null) histogramFor.add(canonicalJson(cellOf(config, { ...choice, batchNorm: false })));
    }
  }
  let trainedRuns = 0;
  for (const [i, { cell, key, membership }] of planned.entries()) {
    const run = await trainParameterChangeCell(cell, { progress: options.progress === true, ...(options.cacheRoot === undefined ? {} : { cacheRoot: options.cacheRoot }) });
    if (!run.fromCache) trainedRuns++;
    const results = run.results as ParameterChangeRunResults;
    const id = runColumns(cell, membership);
    const history = run.history;
    const bestHistory = history.find((h) => h.epoch === results.bestEpoch);
    const lastHistory = history[history.length - 1];
    const base: Row = {
      ...id,
      cacheKey: run.key,
      trainableParameters: results.trainableParameters,
      diverged: results.diverged,
      epochsRun: results.epochsRun,
      bestEpoch: results.diverged ? null : results.bestEpoch,
      bestValAccuracy: bestHistory?.valAccuracy ?? null,
      lastTrainLoss: lastHistory?.trainLoss ?? null,
      testAccuracy: results.test?.accuracy ?? null,
      testLoss: results.test?.loss ?? null,
      trainSeconds: results.elapsedMs / 1000,
      fromCache: run.fromCache,
    };
    const init = run.snapshots.get('init');
    const final = run.snapshots.get(config.compare);
    const last = run.snapshots.get('last');
    if (results.diverged || init === undefined || final === undefined || last === undefined) {
      out.runs.push({ ...base, distance: null, relativeDistance: null, changeRate: null, changedFraction: null, unchangedFraction: null });
      progress.update(i + 1, `${parameterChangeRunId(cell)} diverged`);
      continue;
    }
    const h = config.tolerance.headline;
    const relCurve = changedFractionCurve(init, final, { mode: 'relative', taus: config.tolerance.relativeGrid, fixedAtol: config.tolerance.relativeAtol });
    const absCurve = changedFractionCurve(init, final, { mode: 'absolute', taus: config.tolerance.absoluteGrid });
    const relAll = relCurve.filter((p) => p.group === 'all');
    const headlineChanged = changedFraction(init, final, h);
    const distance = l2Distance(init, final);
    out.runs.push({
      ...base,
      distance,
      relativeDistance: distance / l2Norm(init),
      changeRate: changeRate(init, final),
      changedFraction: headlineChanged,
      unchangedFraction: 1 - headlineChanged,
      distanceLast: l2Distance(init, last),
      changeRateLast: changeRate(init, last),
      changedFractionLast: changedFraction(init, last, h),
      rtolFor60Unchanged: toleranceForUnchangedShare(relAll, 0.6),
      rtolFor90Changed: toleranceForChangedShare(relAll, 0.9),
      rtolFor50Unchanged: toleranceForUnchangedShare(relAll, 0.5),
    });
    const changedByLayer = new Map(changedFractionBy(init, final, { ...h, by: 'layer' }).map((r) => [r.group, r]));
    distancesBy(init, final, { by: 'layer' }).forEach((d, layerIndex) => {
      const c = changedByLayer.get(d.group);
      const kinds = [...new Set(init.entries.filter((e) => e.trainable && e.layer === d.group).map((e) => e.kind))].join('+');
      out.layers.push({
        ...id, cacheKey: run.key, layer: d.group, layerIndex, kinds, size: d.size,
        distance: d.distance, normBefore: d.normBefore, normAfter: d.normAfter,
        relativeDistance: d.relativeDistance, changeRate: d.changeRate,
        changedFraction: c === undefined ? null : c.fraction,
      });
    });
    const changedByKind = new Map(changedFractionBy(init, final, { ...h, by: 'kind' }).map((r) => [r.group, r]));
    for (const d of distancesBy(init, final, { by: 'kind' })) {
      const c = changedByKind.get(d.group);
      out.kinds.push({
        ...id, kind: d.group, size: d.size, distance: d.distance, normBefore: d.normBefore, normAfter: d.normAfter,
        relativeDistance: d.relativeDistance, changeRate: d.changeRate, changedFraction: c === undefined ? null : c.fraction,
      });
    }
    for (const p of [...relCurve, ...absCurve]) {
      out.curves.push({ ...id, mode: p.mode, tau: p.tau, atol: p.atol, rtol: p.rtol, group: p.group, changed: p.changed, total: p.total, fraction: p.fraction });
    }
    const path: PathPoint[] = [];
    for (const [label, snapshot] of run.snapshots) {
      if (label === 'best') continue;
      const epoch = epochOfLabel(label, results);
      if (label === 'last' && path.length > 0 && (path[path.length - 1] as PathPoint).epoch === epoch) continue;
      path.push({ label, epoch, snapshot });
    }
    path.sort((a, b) => a.epoch - b.epoch);
    for (const s of snapshotPathDistances(path)) out.snapshotDistances.push({ ...id, ...s });
    if (histogramFor.has(key)) {
      out.histograms.push({
        ...changedValueSample(init, final, h, { samples: config.histogram.samples, seed: config.histogram.seed }),
        runId: parameterChangeRunId(cell), architecture: cell.architecture, batchNorm: cell.batchNorm,
        optimizer: cell.optimizerName, init: cell.init, dataset: cell.dataset, seed: cell.seed,
      });
    }
    progress.update(i + 1, `${parameterChangeRunId(cell)}${run.fromCache ? ' (cached)' : ''}`);
  }
  progress.finish(`${trainedRuns} trained, ${planned.length - trainedRuns} from cache`);
  const verdict = parameterChangeVerdict(out.runs, out.curves, config);
  return { ...out, verdict, elapsedMs: Date.now() - start, trainedRuns };
}

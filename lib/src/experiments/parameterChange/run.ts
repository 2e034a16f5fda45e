/**
 * Notebook 02 — how much of a network moves in training (a re-run of a student project on parameter dynamics).
 *
 * The experiment is a pure function of a typed config: a grid of architecture × init × optimiser × dataset × seed
 * (plus two explanation studies on the ResNet: without BatchNorm, and over width), each cell one trained model whose
 * snapshots (init, every k epochs, best-validation, last) live in the result cache under the namespace
 * 'parameter-change'. Metrics compare the kept model ("best", as the original kept the best-validation checkpoint)
 * with its initialisation.
 *
 * Reuse from other notebooks (notebook 04, sign flip): build the same cell with `parameterChangeCell(scale, {...})` (or
 * take it from `parameterChangeCells(config)`), then `trainedParameterChangeModel(cell)` returns the trained model
 * (trained and cached on a miss, loaded on a hit), `parameterChangeData(cell)` the same train/val/test data and
 * `parameterChangeTrainConfig(cell)` the same training settings. `parameterChangeCellKey(cell)` is the cache key.
 */
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../../data/load';
import type { ImageDataset, Split } from '../../data/types';
import { lenet5 } from '../../models/lenet';
import { countParameters } from '../../models/parameters';
import { resnet18 } from '../../models/resnet';
import { vggSmall } from '../../models/vgg';
import { changeRate, changedFraction, changedFractionBy, distancesBy, l2Distance, l2Norm } from '../../probe/distance';
import { writeSnapshot, type ParameterSnapshot, type SnapshotEntry } from '../../probe/snapshot';
import { cachedRun, canonicalJson, type CachedRun } from '../../store/cache';
import type { EvaluationResult } from '../../train/evaluate';
import { snapshotHook } from '../../train/hooks';
import { NonFiniteLossError, train, type TrainConfig, type TrainData } from '../../train/loop';
import { sourceFromImageDataset, splitSource, subsetSource, type LabelledBatchSource } from '../../data/source';
import { createProgress, yieldToEventLoop } from '../../util/progress';
import { createRng } from '../../util/random';
import {
  changedFractionCurve,
  changedValueSample,
  snapshotPathDistances,
  toleranceForChangedShare,
  toleranceForUnchangedShare,
  type PathPoint,
} from './metrics';
import { parameterChangeVerdict, type ParameterChangeVerdict } from './verdict';
import type { PcCurveRecord, PcHistogram, PcKindRecord, PcLayerRecord, PcRun, PcRunIdentity, PcRunMetrics, PcSnapshotStepRecord } from './records';

export type { PcCurveRecord, PcHistogram, PcKindRecord, PcLayerRecord, PcRun, PcRunIdentity, PcRunMetrics, PcSnapshotStepRecord } from './records';
import { type PcDataset, type ParameterChangeCell, dataOrderSeed, PARAMETER_CHANGE_NAMESPACE, type PcArchitecture, type PcOptimizer, type PcInit, type ParameterChangeConfig, type PcMembership, parameterChangeRunId, cellOf, validateParameterChangeConfig, plannedCells, criterionOf, meetsCriterion, scheduledLr } from './config';


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
 * no normalisation (the original parameter-change study); validation split off the training set with `splitSeed`; seeded subsamples of the
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
      return lenet5({ variant: 'parameter-dynamics', channels: 3, classes: 10, seed: cell.seed, init: cell.init });
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
  if (cell.lrSchedule === 'cosine') {
    const peak = cell.optimizer.lr;
    config.lrSchedule = (epoch) => scheduledLr('cosine', peak, epoch, cell.epochs);
  }
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

export interface ParameterChangeResults {
  config: ParameterChangeConfig;
  /** One record per trained model (the training record and the runs CSV). */
  runs: PcRun[];
  /** One record per run and layer (the results CSV). */
  layers: PcLayerRecord[];
  /** One record per run and parameter kind. */
  kinds: PcKindRecord[];
  /**
   * Changed fraction over tolerance: one record per run × mode × τ × group. Relative mode: 'all' = the trainable
   * elements that do not start at 0; absolute mode: 'all' = every trainable element.
   */
  curves: PcCurveRecord[];
  /** One record per run and consecutive snapshot pair. */
  snapshotDistances: PcSnapshotStepRecord[];
  /** Initial/final value samples: the first grid init, dataset and seed of each architecture × optimiser (+ ResNet without BN). */
  histograms: PcHistogram[];
  verdict: ParameterChangeVerdict;
  /** Wall time of this call and of the training it did (cache misses). */
  elapsedMs: number;
  trainedRuns: number;
}

/** Absolute tolerance of the zero-start elements (biases, BN β): moved by more than 1e-3 = changed. */
export const ZERO_START_ATOL = 1e-3;

function epochOfLabel(label: string, results: ParameterChangeRunResults): number {
  if (label === 'init') return 0;
  if (label === 'last') return results.epochsRun;
  if (label === 'best') return results.bestEpoch + 1;
  const m = /^epoch-(\d+)$/.exec(label);
  if (m === null) throw new Error(`parameterChange: unexpected snapshot label '${label}'`);
  return Number(m[1]) + 1;
}

function identityOf(cell: ParameterChangeCell, membership: PcMembership): PcRunIdentity {
  return {
    runId: parameterChangeRunId(cell),
    architecture: cell.architecture,
    width: cell.width,
    batchNorm: cell.batchNorm,
    init: cell.init,
    optimizer: cell.optimizerName,
    recipe: cell.recipe === 'seed' ? 'seed' : 'tuned',
    dataset: cell.dataset,
    seed: cell.seed,
    ...membership,
  };
}

/** A trainable entry whose every initial value is exactly 0 (biases, BN β): relative tolerances do not apply. */
export function startsAtZero(entry: SnapshotEntry): boolean {
  if (!entry.trainable) return false;
  for (let i = 0; i < entry.values.length; i++) if (entry.values[i] !== 0) return false;
  return true;
}

const nonZeroStart = (e: SnapshotEntry): boolean => e.trainable && !startsAtZero(e);

const NO_METRICS = (zeroStartElements: number): PcRunMetrics => ({
  distance: null, relativeDistance: null, changeRate: null, changedFraction: null, unchangedFraction: null,
  unchangedWeights: null, zeroStartElements, zeroStartChanged: null, distanceLast: null, changeRateLast: null,
  changedFractionLast: null, rtolFor60Unchanged: null, rtolFor90Changed: null, rtolFor50Unchanged: null,
});

/** Runs (or loads) every cell of the config and measures how far each moved. */
export async function runParameterChange(
  config: ParameterChangeConfig,
  options: { progress?: boolean; cacheRoot?: string } = {},
): Promise<ParameterChangeResults> {
  validateParameterChangeConfig(config);
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
    // A long run of synchronous training must let the notebook kernel's event loop turn between models.
    await yieldToEventLoop();
    const run = await trainParameterChangeCell(cell, { progress: options.progress === true, ...(options.cacheRoot === undefined ? {} : { cacheRoot: options.cacheRoot }) });
    if (!run.fromCache) trainedRuns++;
    const results = run.results as ParameterChangeRunResults;
    const id = identityOf(cell, membership);
    const history = run.history;
    const bestHistory = history.find((h) => h.epoch === results.bestEpoch);
    const lastHistory = history[history.length - 1];
    const criterion = criterionOf(config, cell);
    const testAccuracy = results.test?.accuracy ?? null;
    const init = run.snapshots.get('init');
    const final = run.snapshots.get(config.compare);
    const last = run.snapshots.get('last');
    const zeroStartElements = init === undefined ? 0 : init.entries.filter(startsAtZero).reduce((s, e) => s + e.values.length, 0);
    const record = (metrics: PcRunMetrics): PcRun => ({
      ...id,
      cacheKey: run.key,
      trainableParameters: results.trainableParameters,
      diverged: results.diverged,
      epochsRun: results.epochsRun,
      bestEpoch: results.diverged ? null : results.bestEpoch,
      bestValAccuracy: bestHistory?.valAccuracy ?? null,
      trainAccuracy: bestHistory?.trainAccuracy ?? null,
      lastTrainLoss: lastHistory?.trainLoss ?? null,
      testAccuracy,
      testLoss: results.test?.loss ?? null,
      criterion,
      meetsCriterion: !results.diverged && meetsCriterion(criterion, testAccuracy),
      trainSeconds: results.elapsedMs / 1000,
      fromCache: run.fromCache,
      ...metrics,
    });
    if (results.diverged || init === undefined || final === undefined || last === undefined) {
      out.runs.push(record(NO_METRICS(zeroStartElements)));
      progress.update(i + 1, `${parameterChangeRunId(cell)} diverged`);
      continue;
    }
    const h = config.tolerance.headline;
    const relCurve = changedFractionCurve(init, final, { mode: 'relative', taus: config.tolerance.relativeGrid, fixedAtol: config.tolerance.relativeAtol, include: nonZeroStart });
    const absCurve = changedFractionCurve(init, final, { mode: 'absolute', taus: config.tolerance.absoluteGrid });
    const relAll = relCurve.filter((p) => p.group === 'all');
    const headlineChanged = changedFraction(init, final, h);
    const distance = l2Distance(init, final);
    out.runs.push(record({
      distance,
      relativeDistance: distance / l2Norm(init),
      changeRate: changeRate(init, final),
      changedFraction: headlineChanged,
      unchangedFraction: 1 - headlineChanged,
      unchangedWeights: 1 - changedFraction(init, final, { ...h, include: nonZeroStart }),
      zeroStartElements,
      zeroStartChanged: zeroStartElements === 0 ? null : changedFraction(init, final, { atol: ZERO_START_ATOL, rtol: 0, include: startsAtZero }),
      distanceLast: l2Distance(init, last),
      changeRateLast: changeRate(init, last),
      changedFractionLast: changedFraction(init, last, h),
      rtolFor60Unchanged: toleranceForUnchangedShare(relAll, 0.6),
      rtolFor90Changed: toleranceForChangedShare(relAll, 0.9),
      rtolFor50Unchanged: toleranceForUnchangedShare(relAll, 0.5),
    }));
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
    for (const p of [...relCurve, ...absCurve]) out.curves.push({ ...id, ...p });
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
  const verdict = parameterChangeVerdict(out.runs, config);
  return { ...out, verdict, elapsedMs: Date.now() - start, trainedRuns };
}

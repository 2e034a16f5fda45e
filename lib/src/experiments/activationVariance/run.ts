import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../../data/load';
import type { ImageDataset } from '../../data/types';
import { meanInterval, type MeanCI } from '../../stats/intervals';
import { linearFit, type LinearFitResult } from '../../stats/correlation';
import {
  MlpReplicas,
  forEachHiddenBatch,
  mlpTrainMultiplyAdds,
  trainReplicas,
  PYTORCH_ADAM_DEFAULTS,
} from '../../train/replicas';
import { sourceFromImageDataset, type LabelledBatchSource } from '../../data/source';
import { createProgress, yieldToEventLoop } from '../../util/progress';
import { RunningMoments } from '../../probe/moments';
import { deriveExperimentSeed, deterministicSubsample, shapiroOfStds, summarizeStds } from './stats';
import { type ActivationVarianceDataset, type ActivationVarianceConfig, checkActivationVarianceConfig, criterionFor, meetsCriterion } from './config';

/**
 * The original activation-variance study: is the per-neuron standard deviation of the hidden activation of an MLP 784-w-10 a proxy for the right
 * width? R replicates per width are trained in lock-step (lib/src/train/replicas), then every hidden neuron's std
 * over the whole training set (and the test set) is computed exactly, and the std distribution is summarised: dead
 * and near-dead neurons, total std, Shapiro-Wilk normality, next to train and test accuracy.
 */

export interface ActivationVarianceReplicate {
  dataset: ActivationVarianceDataset;
  width: number;
  replicate: number;
  initSeed: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Mean training loss over the last epoch. */
  finalTrainLoss: number;
  /** Neurons with std exactly 0 over the training set. */
  deadCount: number;
  deadShare: number;
  /** Share of neurons with std < nearDeadEps[k] over the training set. */
  nearDeadShares: number[];
  totalStd: number;
  meanStd: number;
  medianStd: number;
  totalVariance: number;
  meanVariance: number;
  /** Shapiro-Wilk of this replicate's stds (subsampled to 5000 when wider). */
  shapiroW: number;
  shapiroP: number;
  shapiroN: number;
  /** The same std statistics over the test set. */
  testDeadCount: number;
  testTotalStd: number;
  testMeanStd: number;
}


export interface ActivationVarianceWidth {
  width: number;
  replicates: number;
  /** Shapiro-Wilk of the pooled stds of all replicates (the original's statistic), subsampled to 5000 if larger. */
  pooledShapiroW: number;
  pooledShapiroP: number;
  pooledShapiroN: number;
  pooledNeurons: number;
  trainAccuracy: MeanCI;
  testAccuracy: MeanCI;
  deadCount: MeanCI;
  deadShare: MeanCI;
  nearDeadShares: MeanCI[];
  totalStd: MeanCI;
  totalVariance: MeanCI;
  meanStd: MeanCI;
  shapiroW: MeanCI;
  testDeadCount: MeanCI;
  testTotalStd: MeanCI;
  /** Wall time of training this width's replicates (lock-step), and of measuring them. */
  trainMs: number;
  measureMs: number;
  /** Multiply-adds of training all replicates of this width. */
  trainMultiplyAdds: number;
}

/** Everything measured for one width (the unit that is cached). */
export interface ActivationVarianceWidthRun {
  width: number;
  replicates: ActivationVarianceReplicate[];
  pooled: { w: number; p: number; n: number; neurons: number };
  /** Per replicate: its per-neuron training-set stds (a deterministic subsample of stdSampleMax when wider). */
  stdSamples: number[][];
  /** Per replicate: mean training loss per epoch. */
  epochLoss: number[][];
  trainMs: number;
  measureMs: number;
  trainMultiplyAdds: number;
}

export interface ActivationVarianceSummary {
  /** totalStd ≈ a + b ln(width), fitted on every replicate; and the straight line in width for comparison. */
  logFit: LinearFitResult;
  linearFit: LinearFitResult;
  /** Width of the largest pooled W (the original's sweet spot), and of the largest mean per-replicate W. */
  wArgmaxWidth: number;
  wArgmaxWidthOfMeans: number;
  maxPooledW: number;
  /** Largest mean test accuracy over widths and where. */
  bestTestAccuracy: number;
  bestTestWidth: number;
  /** Plateau: the smallest width whose mean test accuracy is within `plateauTolerance` of the best. */
  plateauTolerance: number;
  plateauWidth: number;
  /** Same on the training accuracy (what the original measured). */
  bestTrainAccuracy: number;
  trainPlateauWidth: number;
  /** Mean test accuracy at the W-argmax width, and its distance below the best (fraction, not points). */
  testAccuracyAtWArgmax: number;
  accuracyGapAtWArgmax: number;
  /** log2(wArgmaxWidth / plateauWidth): 0 = same width, 1 = one octave wider. */
  octavesFromPlateau: number;
  /** Grid steps between the W argmax and the plateau width (on this config's width grid). */
  gridStepsFromPlateau: number;
  /** False when W is largest at the smallest or the largest width tested: W has no interior peak there. */
  interiorPeak: boolean;
  /** Agreement tolerance in octaves: half an octave = one step of the original grid (its 181 vs 256). */
  agreementToleranceOctaves: number;
  /** The original's claim on this data: an interior W peak within the tolerance of the plateau width. */
  agrees: boolean;
  /** First width with at least one dead neuron in every replicate, or null. */
  firstWidthWithDeadNeurons: number | null;
}

export interface ActivationVarianceResult {
  config: ActivationVarianceConfig;
  /** What the data was: file paths and counts. */
  data: { train: string; test: string; trainCount: number; testCount: number };
  backend: string;
  runs: ActivationVarianceWidthRun[];
  widths: ActivationVarianceWidth[];
  summary: ActivationVarianceSummary;
  /** Wall time of this call (cache hits count ~0) and of all widths when they were computed. */
  wallMs: number;
  computeMs: number;
  /** Widths that came from the cache. */
  cachedWidths: number[];
}

/**
 * A normalised, flattened view of the first `limit` images of a dataset (torchvision ToTensor + Normalize:
 * (byte/255 - mean)/std), built one batch at a time.
 */
export function normalizedImageSource(
  dataset: ImageDataset,
  normalization: { mean: number; std: number },
  limit: number | null = null,
): LabelledBatchSource {
  const count = limit === null ? dataset.count : Math.min(limit, dataset.count);
  return sourceFromImageDataset(dataset, {
    mean: normalization.mean,
    std: normalization.std,
    flatten: true,
    indices: count === dataset.count ? undefined : Int32Array.from({ length: count }, (_, i) => i),
  });
}

/** Where the data comes from; tests pass synthetic sources. */
export interface ActivationVarianceData {
  train: LabelledBatchSource;
  test: LabelledBatchSource;
  trainName: string;
  testName: string;
}

/** Loads the configured dataset (train and test) as normalised sources. */
export async function loadActivationVarianceData(
  config: Pick<ActivationVarianceConfig, 'dataset' | 'normalization' | 'trainLimit' | 'testLimit'>,
): Promise<ActivationVarianceData> {
  const [train, test] = await Promise.all([loadDataset(config.dataset, 'train'), loadDataset(config.dataset, 'test')]);
  return {
    train: normalizedImageSource(train, config.normalization, config.trainLimit),
    test: normalizedImageSource(test, config.normalization, config.testLimit),
    trainName: train.source,
    testName: test.source,
  };
}

/** Rows per evaluation batch so that one batch of hidden activations stays near 32M floats (128 MB). */
function measureBatchRows(units: number): number {
  return Math.max(64, Math.min(2000, Math.floor(32_000_000 / units)));
}

export interface ReplicaActivationMeasurement {
  /** Per replicate: per-neuron std (ddof 1). */
  stds: Float64Array[];
  /** Per replicate: correct predictions. */
  correct: Int32Array;
  count: number;
}

/**
 * Streams a whole source through the replicas: exact per-neuron std (float64, ddof 1) of the post-ReLU hidden
 * activation per replicate, and the number of correct predictions.
 */
export function measureReplicaActivations(model: MlpReplicas, source: LabelledBatchSource): ReplicaActivationMeasurement {
  const R = model.replicas;
  const h = model.hiddenSize;
  const moments = new RunningMoments(R * h);
  const correct = new Int32Array(R);
  forEachHiddenBatch(model, source, measureBatchRows(R * h), (hidden, predictions, labels) => {
    const B = labels.length;
    moments.addRows(hidden, B);
    for (let r = 0; r < R; r++) {
      let c = 0;
      for (let i = 0; i < B; i++) if (predictions[r * B + i] === labels[i]) c++;
      correct[r] = (correct[r] as number) + c;
    }
  });
  const all = moments.std(1);
  const stds = Array.from({ length: R }, (_, r) => all.slice(r * h, (r + 1) * h));
  return { stds, correct, count: moments.count };
}

/** Trains the replicates of one width in lock-step and measures them. Returns the model too (caller disposes). */
export function runActivationVarianceWidth(
  config: ActivationVarianceConfig,
  data: ActivationVarianceData,
  width: number,
  options: { progress?: boolean } = {},
): { run: ActivationVarianceWidthRun; model: MlpReplicas } {
  const inputSize = data.train.exampleShape.reduce((a, b) => a * b, 1);
  const seeds = Array.from({ length: config.replicates }, (_, r) => deriveExperimentSeed(config.seed, config.dataset, 'init', width, r));
  const model = MlpReplicas.create({ inputSize, hiddenSize: width, outputSize: data.train.classes, seeds });
  const label = `${config.dataset} w=${width} x${config.replicates}`;
  const trained = trainReplicas({
    model,
    source: data.train,
    epochs: config.epochs,
    batchSize: config.batchSize,
    shuffleSeed: deriveExperimentSeed(config.seed, config.dataset, 'shuffle', width),
    adam: { ...PYTORCH_ADAM_DEFAULTS, lr: config.lr },
    progressLabel: options.progress === false ? undefined : label,
  });
  trained.optimizer.dispose();
  const measureStart = Date.now();
  const train = measureReplicaActivations(model, data.train);
  const test = measureReplicaActivations(model, data.test);
  const replicates: ActivationVarianceReplicate[] = [];
  for (let r = 0; r < config.replicates; r++) {
    const stds = train.stds[r] as Float64Array;
    const s = summarizeStds(stds, config.nearDeadEps);
    const sw = shapiroOfStds(stds, deriveExperimentSeed(config.seed, config.dataset, 'shapiro', width, r));
    const t = summarizeStds(test.stds[r] as Float64Array, []);
    const lastLoss = trained.epochLoss[trained.epochLoss.length - 1];
    replicates.push({
      dataset: config.dataset,
      width,
      replicate: r,
      initSeed: seeds[r] as number,
      trainAccuracy: (train.correct[r] as number) / train.count,
      testAccuracy: (test.correct[r] as number) / test.count,
      finalTrainLoss: lastLoss ? (lastLoss[r] as number) : NaN,
      deadCount: s.deadCount,
      deadShare: s.deadShare,
      nearDeadShares: s.nearDeadShares,
      totalStd: s.totalStd,
      meanStd: s.meanStd,
      medianStd: s.medianStd,
      totalVariance: s.totalVariance,
      meanVariance: s.meanVariance,
      shapiroW: sw.w,
      shapiroP: sw.p,
      shapiroN: sw.n,
      testDeadCount: t.deadCount,
      testTotalStd: t.totalStd,
      testMeanStd: t.meanStd,
    });
  }
  const pooledStds = new Float64Array(config.replicates * width);
  train.stds.forEach((s, r) => pooledStds.set(s, r * width));
  const pooled = shapiroOfStds(pooledStds, deriveExperimentSeed(config.seed, config.dataset, 'shapiro-pooled', width));
  const stdSamples = train.stds.map((s, r) =>
    Array.from(deterministicSubsample(s, config.stdSampleMax, deriveExperimentSeed(config.seed, config.dataset, 'kde', width, r)), (v) =>
      Math.fround(v),
    ),
  );
  const run: ActivationVarianceWidthRun = {
    width,
    replicates,
    pooled: { w: pooled.w, p: pooled.p, n: pooled.n, neurons: pooledStds.length },
    stdSamples,
    epochLoss: Array.from({ length: config.replicates }, (_, r) => trained.epochLoss.map((e) => e[r] as number)),
    trainMs: trained.wallMs,
    measureMs: Date.now() - measureStart,
    trainMultiplyAdds: trained.examplesSeen * config.replicates * mlpTrainMultiplyAdds(inputSize, width, data.train.classes),
  };
  return { run, model };
}

/**
 * Mean and 95% interval over replicates, Student-t from two replicates on (no interval from one), clipped to the
 * possible range `bounds` (with 2-3 replicates a t-interval of an accuracy can pass 100%, of a count go below 0).
 * The verdict rule (stats/intervals meanInterval's default) would use a bootstrap for 2-4 replicates; the committed
 * standard results of notebook 03 were computed with this rule, so the width summaries keep it.
 */
export function replicateInterval(values: readonly number[], bounds: readonly [number, number] = [-Infinity, Infinity]): MeanCI {
  return meanInterval(values, { tFrom: 2, bounds });
}

const UNIT: readonly [number, number] = [0, 1];
const NON_NEGATIVE: readonly [number, number] = [0, Infinity];

/** Mean ± 95% CI over replicates for one width. */
export function aggregateActivationVarianceWidth(run: ActivationVarianceWidthRun): ActivationVarianceWidth {
  const reps = run.replicates;
  const col = (f: (r: ActivationVarianceReplicate) => number, bounds: readonly [number, number] = NON_NEGATIVE): MeanCI =>
    replicateInterval(reps.map(f), bounds);
  const nEps = reps[0]?.nearDeadShares.length ?? 0;
  return {
    width: run.width,
    replicates: reps.length,
    pooledShapiroW: run.pooled.w,
    pooledShapiroP: run.pooled.p,
    pooledShapiroN: run.pooled.n,
    pooledNeurons: run.pooled.neurons,
    trainAccuracy: col((r) => r.trainAccuracy, UNIT),
    testAccuracy: col((r) => r.testAccuracy, UNIT),
    deadCount: col((r) => r.deadCount),
    deadShare: col((r) => r.deadShare, UNIT),
    nearDeadShares: Array.from({ length: nEps }, (_, k) => col((r) => r.nearDeadShares[k] as number, UNIT)),
    totalStd: col((r) => r.totalStd),
    totalVariance: col((r) => r.totalVariance),
    meanStd: col((r) => r.meanStd),
    shapiroW: col((r) => r.shapiroW, UNIT),
    testDeadCount: col((r) => r.testDeadCount),
    testTotalStd: col((r) => r.testTotalStd),
    trainMs: run.trainMs,
    measureMs: run.measureMs,
    trainMultiplyAdds: run.trainMultiplyAdds,
  };
}

/** The first width (ascending) whose value is within `tolerance` of the best value. */
export function accuracyPlateauWidth(widths: readonly number[], values: readonly number[], tolerance: number): number {
  const best = Math.max(...values.filter(Number.isFinite));
  const i = values.findIndex((v) => v >= best - tolerance);
  return widths[i] as number;
}

function argmaxWidth(widths: readonly number[], values: readonly number[]): number {
  let best = -Infinity;
  let at = NaN;
  values.forEach((v, i) => {
    if (v > best) [best, at] = [v, widths[i] as number];
  });
  return at;
}

/** The numbers behind the verdict: fits, argmax of W, accuracy plateau and their agreement. */
export function summarizeActivationVariance(
  runs: readonly ActivationVarianceWidthRun[],
  widthRows: readonly ActivationVarianceWidth[],
  plateauTolerance = 0.005,
): ActivationVarianceSummary {
  const widths = widthRows.map((w) => w.width);
  const reps = runs.flatMap((r) => r.replicates);
  const fitOrNaN = (x: number[], y: number[]): LinearFitResult =>
    new Set(x).size >= 2 ? linearFit(x, y) : { a: NaN, b: NaN, r2: NaN };
  const logFit = fitOrNaN(reps.map((r) => Math.log(r.width)), reps.map((r) => r.totalStd));
  const lineFit = fitOrNaN(reps.map((r) => r.width), reps.map((r) => r.totalStd));
  const pooledW = widthRows.map((w) => (Number.isFinite(w.pooledShapiroW) ? w.pooledShapiroW : -Infinity));
  const wArgmaxWidth = argmaxWidth(widths, pooledW);
  const wArgmaxWidthOfMeans = argmaxWidth(widths, widthRows.map((w) => (Number.isFinite(w.shapiroW.mean) ? w.shapiroW.mean : -Infinity)));
  const testMeans = widthRows.map((w) => w.testAccuracy.mean);
  const trainMeans = widthRows.map((w) => w.trainAccuracy.mean);
  const bestTestAccuracy = Math.max(...testMeans);
  const plateau = accuracyPlateauWidth(widths, testMeans, plateauTolerance);
  const iArg = widths.indexOf(wArgmaxWidth);
  const iPlateau = widths.indexOf(plateau);
  const testAtArg = iArg >= 0 ? (testMeans[iArg] as number) : NaN;
  const interiorPeak = iArg > 0 && iArg < widths.length - 1;
  const agreementToleranceOctaves = 0.5;
  const firstDead = widthRows.find((w) => runs.find((r) => r.width === w.width)?.replicates.every((r) => r.deadCount > 0));
  return {
    logFit,
    linearFit: lineFit,
    wArgmaxWidth,
    wArgmaxWidthOfMeans,
    maxPooledW: Math.max(...pooledW),
    bestTestAccuracy,
    bestTestWidth: argmaxWidth(widths, testMeans),
    plateauTolerance,
    plateauWidth: plateau,
    bestTrainAccuracy: Math.max(...trainMeans),
    trainPlateauWidth: accuracyPlateauWidth(widths, trainMeans, plateauTolerance),
    testAccuracyAtWArgmax: testAtArg,
    accuracyGapAtWArgmax: bestTestAccuracy - testAtArg,
    octavesFromPlateau: Math.log2(wArgmaxWidth / plateau),
    gridStepsFromPlateau: iArg - iPlateau,
    interiorPeak,
    agreementToleranceOctaves,
    agrees: interiorPeak && Math.abs(Math.log2(wArgmaxWidth / plateau)) <= agreementToleranceOctaves + 1e-9,
    firstWidthWithDeadNeurons: firstDead ? firstDead.width : null,
  };
}

/** Hooks for caching and data; see activationVarianceCache.ts for the default cache. */
export interface ActivationVarianceOptions {
  /** Data sources (tests: synthetic); default loadActivationVarianceData(config). */
  data?: ActivationVarianceData;
  /** A cached width run, or null; default: no cache. */
  loadWidth?: (config: ActivationVarianceConfig, width: number) => ActivationVarianceWidthRun | null;
  /** Stores a computed width run and its trained replicas. */
  saveWidth?: (config: ActivationVarianceConfig, run: ActivationVarianceWidthRun, model: MlpReplicas) => void;
  /** Progress lines with ETA (default true; NETSTATS_QUIET=1 silences them). */
  progress?: boolean;
}

/**
 * Runs the study for one dataset: for every width, R lock-step replicates are trained and measured (or read from
 * the cache), then aggregated over replicates and summarised.
 */
export async function runActivationVariance(
  config: ActivationVarianceConfig,
  options: ActivationVarianceOptions = {},
): Promise<ActivationVarianceResult> {
  checkActivationVarianceConfig(config);
  const start = Date.now();
  const data = options.data ?? (await loadActivationVarianceData(config));
  const inputSize = data.train.exampleShape.reduce((a, b) => a * b, 1);
  // Overall progress in units of training work (multiply-adds), so the ETA weighs wide layers correctly.
  const work = (w: number): number => config.replicates * mlpTrainMultiplyAdds(inputSize, w, data.train.classes);
  const totalWork = config.widths.reduce((s, w) => s + work(w), 0);
  const overall =
    options.progress === false
      ? undefined
      : createProgress({ label: `activation variance ${config.dataset} (${config.scale})`, total: 100, unit: '% of work', minIntervalMs: 0 });
  const runs: ActivationVarianceWidthRun[] = [];
  const cachedWidths: number[] = [];
  let done = 0;
  let computeMs = 0;
  for (const width of config.widths) {
    // Each width trains synchronously for up to minutes; between widths the event loop turns so that a notebook
    // kernel's queued messages (progress lines) go out.
    await yieldToEventLoop();
    let run = options.loadWidth?.(config, width) ?? null;
    if (run) {
      cachedWidths.push(width);
    } else {
      const computed = runActivationVarianceWidth(config, data, width, { progress: options.progress });
      run = computed.run;
      options.saveWidth?.(config, run, computed.model);
      computed.model.dispose();
    }
    computeMs += run.trainMs + run.measureMs;
    runs.push(run);
    done += work(width);
    const mean = run.replicates.reduce((s, r) => s + r.testAccuracy, 0) / run.replicates.length;
    overall?.update(Math.round((100 * done) / totalWork), `w=${width} test acc ${(100 * mean).toFixed(2)}%${cachedWidths.includes(width) ? ' (cached)' : ''}`);
  }
  overall?.finish();
  const widthRows = runs.map(aggregateActivationVarianceWidth);
  return {
    config,
    data: { train: data.trainName, test: data.testName, trainCount: data.train.count, testCount: data.test.count },
    backend: tf.getBackend(),
    runs,
    widths: widthRows,
    summary: summarizeActivationVariance(runs, widthRows),
    wallMs: Date.now() - start,
    computeMs,
    cachedWidths,
  };
}

/** Flat rows (one per width × replicate) for CSV / tables; near-dead shares become one column per eps. */
export function activationVarianceReplicateRows(result: ActivationVarianceResult): Record<string, number | string>[] {
  return result.runs.flatMap((run) =>
    run.replicates.map((r) => {
      const row: Record<string, number | string> = {
        dataset: r.dataset,
        width: r.width,
        replicate: r.replicate,
        init_seed: r.initSeed,
        train_accuracy: r.trainAccuracy,
        test_accuracy: r.testAccuracy,
        convergence_criterion: criterionFor(r.dataset, r.width),
        meets_criterion: meetsCriterion(r) ? 'yes' : 'no',
        final_train_loss: r.finalTrainLoss,
        dead_count: r.deadCount,
        dead_share: r.deadShare,
      };
      result.config.nearDeadEps.forEach((eps, k) => {
        row[`near_dead_share_eps_${eps}`] = r.nearDeadShares[k] as number;
      });
      Object.assign(row, {
        total_std: r.totalStd,
        mean_std: r.meanStd,
        median_std: r.medianStd,
        total_variance: r.totalVariance,
        mean_variance: r.meanVariance,
        shapiro_w: r.shapiroW,
        shapiro_p: r.shapiroP,
        shapiro_n: r.shapiroN,
        test_dead_count: r.testDeadCount,
        test_total_std: r.testTotalStd,
        test_mean_std: r.testMeanStd,
      });
      return row;
    }),
  );
}

/** Flat rows (one per width) with mean and CI columns. */
export function activationVarianceWidthRows(result: ActivationVarianceResult): Record<string, number | string>[] {
  return result.widths.map((w) => {
    const row: Record<string, number | string> = { dataset: result.config.dataset, width: w.width, replicates: w.replicates };
    const put = (name: string, i: MeanCI): void => {
      row[`${name}_mean`] = i.mean;
      row[`${name}_lo`] = i.lo;
      row[`${name}_hi`] = i.hi;
    };
    put('test_accuracy', w.testAccuracy);
    put('train_accuracy', w.trainAccuracy);
    put('dead_count', w.deadCount);
    put('dead_share', w.deadShare);
    result.config.nearDeadEps.forEach((eps, k) => put(`near_dead_share_eps_${eps}`, w.nearDeadShares[k] as MeanCI));
    put('total_std', w.totalStd);
    put('total_variance', w.totalVariance);
    put('mean_std', w.meanStd);
    put('shapiro_w', w.shapiroW);
    put('test_dead_count', w.testDeadCount);
    put('test_total_std', w.testTotalStd);
    Object.assign(row, {
      pooled_shapiro_w: w.pooledShapiroW,
      pooled_shapiro_p: w.pooledShapiroP,
      pooled_shapiro_n: w.pooledShapiroN,
      pooled_neurons: w.pooledNeurons,
      train_seconds: w.trainMs / 1000,
      measure_seconds: w.measureMs / 1000,
      train_multiply_adds: w.trainMultiplyAdds,
    });
    return row;
  });
}

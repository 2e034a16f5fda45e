/**
 * Notebook 05, section 3 — vanishing gradients. A deep plain stack vs the same depth with identity skips
 * (H = F(x) + x), with sigmoid vs ReLU (models/deep.ts `deepNet`): per-layer gradient norms ‖∂L/∂W_i‖ at
 * initialisation (several init seeds → CIs) and during training (gradientNormHook), and the training curves.
 */
import type { InitScheme } from '../../models/init';
import { deepNet } from '../../models/deep';
import { cachedRun } from '../../store/cache';
import { meanInterval, type MeanCI } from '../../stats/intervals';
import { gradientNorms } from '../../train/evaluate';
import { gradientNormHook } from '../../train/hooks';
import { NonFiniteLossError, train } from '../../train/loop';
import type { OptimizerConfig } from '../../train/optimizers';
import { createProgress, yieldToEventLoop } from '../../util/progress';
import { lossPlateaued } from './transferStats';
import { loadClassSubset, normalisedSource } from './common';
import { meanCIByGroup } from '../../report/groups';

export interface VanishingVariant {
  /** Short id used in rows and legends, e.g. 'plain-sigmoid'. */
  id: string;
  residual: boolean;
  activation: 'sigmoid' | 'relu' | 'tanh';
  init: InitScheme;
}

export interface VanishingGradientsConfig {
  /** Bump when what a run computes changes (part of every cache key). */
  version: number;
  depth: number;
  width: number;
  variants: VanishingVariant[];
  /** MNIST training images per class and test images per class (seeded draws). */
  trainPerClass: number;
  testPerClass: number;
  dataSeed: number;
  /** Init seeds for the gradient norms at initialisation (one batch each). */
  initSeeds: number[];
  /** Examples in the batch of the at-init gradient. */
  initBatch: number;
  /** Seeds of the trained runs (model init and data order). */
  trainSeeds: number[];
  epochs: number;
  batchSize: number;
  maxStepsPerEpoch: number | null;
  optimizer: OptimizerConfig;
  /** Record per-layer gradient norms every this many steps during training. */
  recordEverySteps: number;
}

// The records below are types (not interfaces) so that they go straight into a table at the notebook's edge.

/** ‖∂L/∂W_i‖ of one hidden layer of one variant and init seed at initialisation. */
export type InitGradientNorm = { variant: string; seed: number; layer: number; gradientNorm: number; log10Norm: number };

/** ‖∂L/∂W_i‖ of one hidden layer at one recorded training step of one run. */
export type TrainingGradientNorm = { variant: string; seed: number; globalStep: number; epoch: number; layer: number; gradientNorm: number };

/** One epoch of one run: train loss/accuracy (running means) and test loss/accuracy (null when not measured). */
export type VanishingEpoch = {
  variant: string; seed: number; epoch: number; trainLoss: number; trainAccuracy: number; testLoss: number | null; testAccuracy: number | null;
};

/** A run whose loss became NaN/Inf, and where. */
export type DivergedRun = { variant: string; seed: number; epoch: number; step: number };

/** Per variant: first/last hidden layer gradient at init (geometric mean over init seeds), final test accuracy. */
export type VanishingVariantSummary = {
  variant: string;
  residual: boolean;
  activation: VanishingVariant['activation'];
  init: VanishingVariant['init'];
  firstLayerGradient: number;
  lastLayerGradient: number;
  log10FirstOverLast: number;
  /** Mean over trained seeds at the last epoch with its 95% t-interval (null: none). */
  finalTestAccuracy: number | null;
  finalTestAccuracyLo: number | null;
  finalTestAccuracyHi: number | null;
  trainedSeeds: number;
  /** Seeds whose training loss reached its plateau (FINE_TUNE_PLATEAU, the convergence rule fixed in advance). */
  seedsOnPlateau: number;
};

export interface VanishingGradientsResults {
  /** One record per variant × init seed × hidden layer. */
  initNorms: InitGradientNorm[];
  /** Per variant × layer: log10 ‖∂L/∂W_i‖ over init seeds, mean with its 95% t-interval (from two seeds on). */
  initSummary: { variant: string; layer: number; log10Norm: MeanCI }[];
  /** One record per variant × seed × recorded step × layer. */
  trainingNorms: TrainingGradientNorm[];
  /** One record per variant × seed × epoch. */
  history: VanishingEpoch[];
  summary: VanishingVariantSummary[];
  diverged: DivergedRun[];
  trainedRuns: number;
  elapsedMs: number;
}

export const VANISHING_NAMESPACE = 'architectures-vanishing';

/**
 * Plain vs residual × sigmoid vs ReLU (the lecture notes' contrast: sigmoid shrinks the backward signal at every layer,
 * a residual path carries it past them), plus one control that separates depth from initialisation: plain ReLU with
 * He/Kaiming init.
 */
export function defaultVanishingVariants(): VanishingVariant[] {
  return [
    { id: 'plain-sigmoid', residual: false, activation: 'sigmoid', init: 'torch-default' },
    { id: 'plain-relu', residual: false, activation: 'relu', init: 'torch-default' },
    { id: 'residual-sigmoid', residual: true, activation: 'sigmoid', init: 'torch-default' },
    { id: 'residual-relu', residual: true, activation: 'relu', init: 'torch-default' },
    { id: 'plain-relu-kaiming', residual: false, activation: 'relu', init: 'kaiming-normal' },
  ];
}

function hiddenLayerIndex(name: string): number | null {
  const m = /^hidden(\d+)\/kernel$/.exec(name);
  return m ? Number(m[1]) : null;
}

function buildModel(config: VanishingGradientsConfig, v: VanishingVariant, seed: number): ReturnType<typeof deepNet> {
  return deepNet({ depth: config.depth, width: config.width, residual: v.residual, activation: v.activation, init: v.init, seed, inputShape: [28, 28, 1] });
}

interface VanishingRunResult {
  history: VanishingEpoch[];
  norms: TrainingGradientNorm[];
  diverged: DivergedRun | null;
}

/** The whole section: gradient norms at init, then the trained runs (each a result-cache entry). */
export async function runVanishingGradients(config: VanishingGradientsConfig, options: { progress?: boolean; cacheRoot?: string } = {}): Promise<VanishingGradientsResults> {
  const started = performance.now();
  const trainDs = await loadClassSubset({ dataset: 'mnist', split: 'train', classes: null, perClass: config.trainPerClass, seed: config.dataSeed });
  const testDs = await loadClassSubset({ dataset: 'mnist', split: 'test', classes: null, perClass: config.testPerClass, seed: config.dataSeed + 1 });
  const trainSource = normalisedSource(trainDs, 'mnist');
  const testSource = normalisedSource(testDs, 'mnist');

  // 1. At initialisation: one fixed batch (the first initBatch images of a seeded permutation), every init seed.
  const initNorms: InitGradientNorm[] = [];
  const perm = Int32Array.from({ length: Math.min(config.initBatch, trainSource.count) }, (_, i) => Math.floor((i * trainSource.count) / Math.min(config.initBatch, trainSource.count)));
  const batch = trainSource.batch(perm);
  for (const v of config.variants) {
    for (const seed of config.initSeeds) {
      const model = buildModel(config, v, seed);
      const norms = gradientNorms(model, batch);
      model.dispose();
      for (const [name, norm] of norms) {
        const layer = hiddenLayerIndex(name);
        if (layer !== null) initNorms.push({ variant: v.id, seed, layer, gradientNorm: norm, log10Norm: Math.log10(norm) });
      }
    }
  }
  const initSummary = config.variants.flatMap((v) =>
    [...new Set(initNorms.filter((r) => r.variant === v.id).map((r) => r.layer))].map((layer) => ({
      variant: v.id,
      layer,
      log10Norm: meanInterval(initNorms.filter((r) => r.variant === v.id && r.layer === layer).map((r) => r.log10Norm), { tFrom: 2 }),
    })),
  );

  // 2. Training runs.
  const history: VanishingEpoch[] = [];
  const trainingNorms: TrainingGradientNorm[] = [];
  const diverged: DivergedRun[] = [];
  let trainedRuns = 0;
  const total = config.variants.length * config.trainSeeds.length;
  const progress = options.progress ? createProgress({ label: 'vanishing gradients', total, unit: 'runs' }) : null;
  let done = 0;
  for (const v of config.variants) {
    for (const seed of config.trainSeeds) {
      const cell = {
        version: config.version, depth: config.depth, width: config.width, variant: v, seed,
        trainPerClass: config.trainPerClass, testPerClass: config.testPerClass, dataSeed: config.dataSeed,
        epochs: config.epochs, batchSize: config.batchSize, maxStepsPerEpoch: config.maxStepsPerEpoch,
        optimizer: config.optimizer, recordEverySteps: config.recordEverySteps,
      };
      const run = await cachedRun<typeof cell, VanishingRunResult>(VANISHING_NAMESPACE, cell, async () => {
        trainedRuns++;
        const model = buildModel(config, v, seed);
        const hook = gradientNormHook({ everySteps: config.recordEverySteps });
        const rows: VanishingEpoch[] = [];
        let failure: DivergedRun | null = null;
        try {
          const r = await train(model, { train: trainSource, val: testSource }, {
            epochs: config.epochs, batchSize: config.batchSize, seed: 7919 + seed, optimizer: config.optimizer,
            restoreBest: false, progress: false, ...(config.maxStepsPerEpoch !== null ? { maxStepsPerEpoch: config.maxStepsPerEpoch } : {}),
          }, [hook]);
          for (const h of r.history) {
            rows.push({ variant: v.id, seed, epoch: h.epoch + 1, trainLoss: h.trainLoss, trainAccuracy: h.trainAccuracy, testLoss: h.valLoss ?? null, testAccuracy: h.valAccuracy ?? null });
          }
        } catch (err) {
          if (!(err instanceof NonFiniteLossError)) throw err;
          failure = { variant: v.id, seed, epoch: err.epoch, step: err.step };
        } finally {
          model.dispose();
        }
        const norms: TrainingGradientNorm[] = [];
        for (const rec of hook.records) {
          for (const [name, norm] of Object.entries(rec.norms)) {
            const layer = hiddenLayerIndex(name);
            if (layer !== null) norms.push({ variant: v.id, seed, globalStep: rec.globalStep, epoch: rec.epoch + 1, layer, gradientNorm: norm });
          }
        }
        return { results: { history: rows, norms, diverged: failure } };
      }, { ...(options.cacheRoot !== undefined ? { root: options.cacheRoot } : {}) });
      const res = run.results;
      if (!res) throw new Error(`runVanishingGradients: cache entry ${run.key} has no results`);
      history.push(...res.history);
      trainingNorms.push(...res.norms);
      if (res.diverged) diverged.push(res.diverged);
      progress?.update(++done, `${v.id} seed ${seed}${run.fromCache ? ' (cache)' : ''}`);
      await yieldToEventLoop();
    }
  }
  progress?.finish();
  return { initNorms, initSummary, trainingNorms, history, summary: vanishingSummary(config, initNorms, history), diverged, trainedRuns, elapsedMs: performance.now() - started };
}

/** Per variant: geometric-mean gradient norm of hidden1 and of the last hidden layer at init, and the final test accuracy. */
export function vanishingSummary(config: VanishingGradientsConfig, initNorms: readonly InitGradientNorm[], history: readonly VanishingEpoch[]): VanishingVariantSummary[] {
  const lastEpoch = Math.max(0, ...history.map((h) => h.epoch));
  return config.variants.map((v) => {
    const geo = (layer: number): number => {
      const xs = initNorms.filter((r) => r.variant === v.id && r.layer === layer).map((r) => r.log10Norm);
      return xs.length ? 10 ** (xs.reduce((a, b) => a + b, 0) / xs.length) : NaN;
    };
    const first = geo(1);
    const last = geo(config.depth);
    // Descriptive: the t-interval from two seeds on, as the table and figure bands of this section.
    const finals = meanInterval(history.filter((h) => h.variant === v.id && h.epoch === lastEpoch).map((h) => h.testAccuracy ?? NaN), { tFrom: 2 });
    const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
    return {
      variant: v.id,
      residual: v.residual,
      activation: v.activation,
      init: v.init,
      firstLayerGradient: first,
      lastLayerGradient: last,
      log10FirstOverLast: Math.log10(first / last),
      finalTestAccuracy: orNull(finals.mean),
      finalTestAccuracyLo: orNull(finals.lo),
      finalTestAccuracyHi: orNull(finals.hi),
      trainedSeeds: finals.n,
      seedsOnPlateau: config.trainSeeds.filter((seed) => lossPlateaued(
        history.filter((h) => h.variant === v.id && h.seed === seed).sort((a, b) => a.epoch - b.epoch).map((h) => h.trainLoss),
      )).length,
    };
  });
}

/**
 * log10 ‖∂L/∂W_first‖ − log10 ‖∂L/∂W_last‖ at one recorded training step of one variant, each side averaged over
 * the seeds in log space (a geometric mean): below 0 means the first layer gets less gradient than the last. Norms
 * of 0 count as 1e-30. NaN when the step has no record of either layer.
 */
export function firstOverLastAtStep(trainingNorms: readonly TrainingGradientNorm[], variant: string, step: number, firstLayer: number, lastLayer: number): number {
  const meanLog = (layer: number): number => {
    const xs = trainingNorms
      .filter((r) => r.variant === variant && r.layer === layer && r.globalStep === step)
      .map((r) => Math.log10(Math.max(r.gradientNorm, 1e-30)));
    return xs.length === 0 ? NaN : xs.reduce((a, x) => a + x, 0) / xs.length;
  };
  return meanLog(firstLayer) - meanLog(lastLayer);
}

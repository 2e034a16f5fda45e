// Retraining one perturbed model and the interpolation path back to its original, each cached on its own.
import { writeSnapshot, type ParameterSnapshot } from '../../probe/snapshot';
import { cachedRun, type CachedRun } from '../../store/cache';
import type { EpochMetrics } from '../../train/loop';
import { NonFiniteLossError, train } from '../../train/loop';
import { subsetSource, type LabelledBatchSource } from '../../data/source';
import { buildParameterChangeModel, parameterChangeData, parameterChangeTrainConfig } from '../parameterChange/run';
import { parameterChangeRunId, type ParameterChangeCell } from '../parameterChange/config';
import { interpolationPath, type InterpolationPoint } from './interpolation';
import {
  applyPerturbation,
  evaluateRobustly,
  negativeRunningVariances,
  perturbationLabel,
  reorderedDataSeed,
  type Perturbation,
  type RobustEvaluation,
} from './perturb';
import { SIGN_FLIP_RETRAIN_NAMESPACE, SIGN_FLIP_PATH_NAMESPACE, SIGN_FLIP_VERSION, type SignFlipConfig } from './config';
import { finiteOrNull } from './records';

// ---------------------------------------------------------------------------------------------------------------
// Retraining one perturbed model

/** Everything that determines a retrained model (its cache key). */
export interface SignFlipRetrainSpec {
  version: number;
  /** The base model (notebook 02's cell); its 'best' snapshot is perturbed. */
  cell: ParameterChangeCell;
  from: 'best';
  perturbation: Perturbation;
  /** Seed of the 'noise' draws (base config noiseSeed + cell seed); 0 for the others. */
  noiseSeed: number;
}

export interface SignFlipRetrainResults {
  diverged: boolean;
  divergence: string | null;
  bestEpoch: number;
  epochsRun: number;
  /** Test metrics of the retrained (best-validation) model (loss null when not finite); null when diverged. */
  test: { loss: number | null; accuracy: number } | null;
  /** Test metrics of the perturbed model before retraining (loss null when outputs are not finite). */
  start: { loss: number | null; accuracy: number; nonFiniteShare: number };
  negativeVariancesAtStart: number;
  negativeVariancesAtEnd: number | null;
  elapsedMs: number;
}

export function signFlipRetrainSpec(cell: ParameterChangeCell, perturbation: Perturbation, noiseSeed: number): SignFlipRetrainSpec {
  return { version: SIGN_FLIP_VERSION, cell, from: 'best', perturbation, noiseSeed: perturbation.kind === 'noise' ? noiseSeed + cell.seed : 0 };
}

/**
 * Perturbs the base model's 'best' snapshot and retrains it with the cell's recipe (or loads it from the cache).
 * Snapshots: 'start' (perturbed), 'best' (best validation accuracy, restored as in notebook 02) and 'last'.
 */
export async function retrainPerturbed(
  spec: SignFlipRetrainSpec,
  original: ParameterSnapshot,
  options: { cacheRoot?: string; progress?: boolean; force?: boolean } = {},
): Promise<CachedRun<SignFlipRetrainSpec, SignFlipRetrainResults>> {
  const cacheOptions = { ...(options.cacheRoot === undefined ? {} : { root: options.cacheRoot }), force: options.force ?? false };
  return cachedRun<SignFlipRetrainSpec, SignFlipRetrainResults>(SIGN_FLIP_RETRAIN_NAMESPACE, spec, async () => {
    const cell = spec.cell;
    const data = await parameterChangeData(cell);
    const model = buildParameterChangeModel(cell);
    const start = { ...applyPerturbation(original, spec.perturbation, spec.noiseSeed), label: 'start' };
    const started = Date.now();
    try {
      writeSnapshot(model, start);
      const before: RobustEvaluation = await evaluateRobustly(model, data.test);
      const startResults = { loss: finiteOrNull(before.loss), accuracy: before.accuracy, nonFiniteShare: before.nonFiniteShare };
      const negativeVariancesAtStart = negativeRunningVariances(start);
      const label = options.progress ? `${parameterChangeRunId(cell)} ${perturbationLabel(spec.perturbation)}` : false;
      try {
        const trainConfig = parameterChangeTrainConfig(cell, label);
        if (spec.perturbation.kind === 'reorder') trainConfig.seed = reorderedDataSeed(trainConfig.seed);
        const r = await train(model, data, trainConfig);
        return {
          history: r.history.map(sanitiseEpoch),
          results: {
            diverged: false, divergence: null, bestEpoch: r.bestEpoch, epochsRun: r.epochsRun,
            test: r.test === undefined ? null : { loss: finiteOrNull(r.test.loss), accuracy: r.test.accuracy },
            start: startResults, negativeVariancesAtStart, negativeVariancesAtEnd: negativeRunningVariances(r.last),
            elapsedMs: Date.now() - started,
          },
          snapshots: [start, { label: 'best', entries: r.best.entries }, { label: 'last', entries: r.last.entries }],
        };
      } catch (err) {
        if (!(err instanceof NonFiniteLossError)) throw err;
        return {
          history: [],
          results: {
            diverged: true, divergence: err.message, bestEpoch: -1, epochsRun: err.epoch, test: null,
            start: startResults, negativeVariancesAtStart, negativeVariancesAtEnd: null, elapsedMs: Date.now() - started,
          },
          snapshots: [start],
        };
      }
    } finally {
      model.dispose();
    }
  }, cacheOptions);
}

/** JSON turns NaN into null: keep the epoch metrics JSON-safe (a flipped BN net has NaN validation loss at first). */
function sanitiseEpoch(e: EpochMetrics): EpochMetrics {
  const out: EpochMetrics = { ...e };
  if (out.valLoss !== undefined && !Number.isFinite(out.valLoss)) delete out.valLoss;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Interpolation path of one retrained model

export interface SignFlipPathSpec {
  version: number;
  retrain: SignFlipRetrainSpec;
  interpolation: SignFlipConfig['interpolation'];
}

/** Loss/accuracy along (1 − α)·θ_orig + α·θ_retrained (cached), BN statistics recomputed at every α. */
export async function signFlipPath(
  spec: SignFlipPathSpec,
  original: ParameterSnapshot,
  retrained: ParameterSnapshot,
  options: { cacheRoot?: string } = {},
): Promise<InterpolationPoint[]> {
  const run = await cachedRun<SignFlipPathSpec, InterpolationPoint[]>(SIGN_FLIP_PATH_NAMESPACE, spec, async () => {
    const cell = spec.retrain.cell;
    const data = await parameterChangeData(cell);
    const model = buildParameterChangeModel(cell);
    try {
      const i = spec.interpolation;
      const points = await interpolationPath(model, original, retrained, {
        alphas: i.alphas,
        train: firstExamples(data.train, i.trainExamples),
        test: firstExamples(data.test, i.testExamples),
        batchNormExamples: i.batchNormExamples,
        batchNormBatchSize: i.batchNormBatchSize,
      });
      // NaN is not JSON: a non-finite loss is stored as +Infinity's stand-in null and read back as NaN.
      return { results: points };
    } finally {
      model.dispose();
    }
  }, options.cacheRoot === undefined ? {} : { root: options.cacheRoot });
  return (run.results ?? []).map((p) => ({
    alpha: p.alpha,
    trainLoss: p.trainLoss ?? NaN,
    trainAccuracy: p.trainAccuracy,
    testLoss: p.testLoss ?? NaN,
    testAccuracy: p.testAccuracy,
  }));
}

export function firstExamples(source: LabelledBatchSource, count: number | null): LabelledBatchSource {
  if (count === null || count >= source.count) return source;
  return subsetSource(source, Int32Array.from({ length: count }, (_, i) => i));
}

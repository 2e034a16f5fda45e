/**
 * Notebook 04 — sign flip, distortion, and how similar learned features are (the second half of the parameter-dynamics student project of notebook 02).
 *
 * 1. Base models: the trained models of notebook 02 (`parameterChange`), same cells, same cache entries (trained here
 *    with the same recipe when not cached yet): architecture × dataset × optimiser × init × seed.
 * 2. Perturb-and-retrain: from a base model's kept ('best') weights, apply a perturbation (signFlipPerturb.ts) and
 *    retrain with the same recipe (same data, epochs, optimiser settings — a fresh optimiser state —, data order and
 *    best-validation checkpoint). Cached under 'sign-flip-retrain'. Measures: accuracy before/after, distance to the
 *    original solution, to the start point and to the unperturbed retrain ('none', the control), changed fraction.
 * 3. 1-D interpolation between the original and each retrained solution, BN statistics recomputed at every point
 *    (signFlipInterpolation.ts). Cached under 'sign-flip-path'.
 * 4. Feature similarity (featureSimilarity.ts): penultimate-layer features on the test set; pairs across seeds,
 *    optimisers, inits, and original vs retrained-after-perturbation; a CKA matrix of every model of a group.
 */
import { changedFraction, l2Distance, l2Norm } from '../../probe/distance';
import { writeSnapshot, type ParameterSnapshot } from '../../probe/snapshot';
import { cachedRun, type CachedRun } from '../../store/cache';
import type { Row } from '../../report/table';
import type { EpochMetrics } from '../../train/loop';
import { NonFiniteLossError, train } from '../../train/loop';
import { subsetSource, type LabelledBatchSource } from '../../data/source';
import { createProgress, yieldToEventLoop } from '../../util/progress';
import {
  centreFeatures,
  compareFeatures,
  extractFeatures,
  linearCKAMatrix,
  sortedCorrelationGrid,
  type CentredFeatures,
} from '../../probe/featureSimilarity';
import {
  buildParameterChangeModel,
  parameterChangeData,
  parameterChangeTrainConfig,
  trainParameterChangeCell,
  type ParameterChangeRunResults,
} from '../parameterChange/run';
import { interpolationPath, pathBarrier, type InterpolationPoint } from './interpolation';
import {
  applyPerturbation,
  evaluateRobustly,
  hasBatchNormStatistics,
  negativeRunningVariances,
  perturbationLabel,
  reorderedDataSeed,
  type Perturbation,
  type RobustEvaluation,
} from './perturb';
import { signFlipVerdict, type SignFlipVerdict } from './verdict';
import { signFlipClaims, type SignFlipClaims } from './claims';
import { SIGN_FLIP_RETRAIN_NAMESPACE, type SignFlipConfig, SIGN_FLIP_PATH_NAMESPACE, validateSignFlipConfig, SIGN_FLIP_VERSION } from './config';
import { ParameterChangeCell, parameterChangeRunId, PcArchitecture, PcDataset, PcOptimizer, PcInit, cellOf } from '../parameterChange/config';


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

function nullNonFinite(row: Row): void {
  for (const [k, v] of Object.entries(row)) if (typeof v === 'number' && !Number.isFinite(v)) row[k] = null;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
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

function firstExamples(source: LabelledBatchSource, count: number | null): LabelledBatchSource {
  if (count === null || count >= source.count) return source;
  return subsetSource(source, Int32Array.from({ length: count }, (_, i) => i));
}

// ---------------------------------------------------------------------------------------------------------------
// The whole experiment

/** A model whose features take part in the comparisons. */
interface ModelEntry {
  id: string;
  /** Short label for figures, e.g. 'sgd·ku·s0' or 'sgd·ku·s0 ⟲flip-all'. */
  label: string;
  architecture: PcArchitecture;
  dataset: PcDataset;
  optimizer: PcOptimizer;
  init: PcInit;
  seed: number;
  /** '' for a base (original) model. */
  perturbation: string;
  snapshot: ParameterSnapshot;
  cell: ParameterChangeCell;
}

/** One heatmap of sorted |correlations| of a pair of models. */
export interface SortedCorrelationHeatmap {
  architecture: PcArchitecture;
  dataset: PcDataset;
  title: string;
  pairType: string;
  /** |r| with rows/columns in greedy-matched order (as the original) and in Hungarian order. */
  greedy: number[][];
  hungarian: number[][];
  greedyMeanAbsR: number;
  hungarianMeanAbsR: number;
  ckaDebiased: number;
}

/** CKA of every pair of models of one architecture × dataset. */
export interface CkaMatrix {
  architecture: PcArchitecture;
  dataset: PcDataset;
  labels: string[];
  cka: number[][];
  ckaDebiased: number[][];
}

export interface SignFlipResults {
  config: SignFlipConfig;
  /** One row per base model. */
  models: Row[];
  /** One row per perturbed-and-retrained model (the results CSV). */
  retrains: Row[];
  /** One row per retrained model and α. */
  paths: Row[];
  /** One row per compared pair of models. */
  pairs: Row[];
  /** Models left out of the feature comparisons, and why (e.g. NaN outputs). */
  excluded: Row[];
  /** One row per pair of models in a CKA matrix. */
  cka: Row[];
  ckaMatrices: CkaMatrix[];
  heatmaps: SortedCorrelationHeatmap[];
  verdict: SignFlipVerdict;
  /** The seed's claims decided by the project's verdict rules (intervals over originals, measured controls, Holm). */
  claims: SignFlipClaims;
  /** Wall time of this call; models trained now (cache misses) of each kind; seconds of that training. */
  elapsedMs: number;
  trainedBaseModels: number;
  trainedRetrains: number;
  trainingSeconds: number;
}

const INIT_SHORT: Record<PcInit, string> = { 'kaiming-uniform': 'ku', 'kaiming-normal': 'kn' };

function baseLabel(optimizer: PcOptimizer, init: PcInit, seed: number): string {
  return `${optimizer}·${INIT_SHORT[init]}·s${seed}`;
}

function relative(distance: number, norm: number): number | null {
  return norm > 0 && Number.isFinite(distance) ? distance / norm : null;
}

/** Runs (or loads) every base model, retrain and path of the config and compares them. */
export async function runSignFlip(config: SignFlipConfig, options: { progress?: boolean; cacheRoot?: string } = {}): Promise<SignFlipResults> {
  validateSignFlipConfig(config);
  const started = Date.now();
  const cacheRoot = options.cacheRoot === undefined ? {} : { cacheRoot: options.cacheRoot };
  const progressBars = options.progress === true;
  const out = { excluded: [] as Row[], models: [] as Row[], retrains: [] as Row[], paths: [] as Row[], pairs: [] as Row[], cka: [] as Row[], ckaMatrices: [] as CkaMatrix[], heatmaps: [] as SortedCorrelationHeatmap[] };
  let trainedBaseModels = 0;
  let trainedRetrains = 0;
  let trainingMs = 0;
  // The control ('none') first: every other retrain is compared with it.
  const perturbations = [...config.perturb.perturbations].sort((a, b) => Number(b.kind === 'none') - Number(a.kind === 'none'));
  const groups = config.architectures.flatMap((architecture) => config.datasets.map((dataset) => ({ architecture, dataset })));
  const perGroupBase = config.optimizers.length * config.inits.length * config.seeds.length;
  const perGroupRetrain = config.perturb.optimizers.length * config.perturb.inits.length * config.perturb.seeds.length * perturbations.length;
  const progress = createProgress({ label: 'sign-flip', total: groups.length * (perGroupBase + perGroupRetrain), unit: 'models', quiet: options.progress === false });
  let done = 0;
  for (const { architecture, dataset } of groups) {
    const entries: ModelEntry[] = [];
    // 1. Base models (notebook 02's cells).
    const baseOf = new Map<string, ModelEntry>();
    for (const optimizer of config.optimizers) {
      for (const init of config.inits) {
        for (const seed of config.seeds) {
          const cell = cellOf(config.recipe, { architecture, init, optimizer, dataset, seed });
          // Long synchronous training: let the notebook kernel's event loop turn between models.
          await yieldToEventLoop();
          const run = await trainParameterChangeCell(cell, { ...cacheRoot, progress: progressBars });
          const results = run.results as ParameterChangeRunResults;
          if (!run.fromCache) {
            trainedBaseModels++;
            trainingMs += results.elapsedMs;
          }
          const best = run.snapshots.get('best');
          out.models.push({
            modelId: parameterChangeRunId(cell), architecture, dataset, optimizer, init, seed, cacheKey: run.key,
            diverged: results.diverged, bestEpoch: results.diverged ? null : results.bestEpoch,
            testAccuracy: results.test?.accuracy ?? null, testLoss: results.test?.loss ?? null,
            parameterNorm: best === undefined ? null : l2Norm(best), trainSeconds: results.elapsedMs / 1000, fromCache: run.fromCache,
          });
          progress.update(++done, `${parameterChangeRunId(cell)}${run.fromCache ? ' (cached)' : ''}`);
          if (results.diverged || best === undefined) continue;
          const entry: ModelEntry = {
            id: parameterChangeRunId(cell), label: baseLabel(optimizer, init, seed), architecture, dataset, optimizer, init, seed,
            perturbation: '', snapshot: best, cell,
          };
          entries.push(entry);
          baseOf.set(`${optimizer}|${init}|${seed}`, entry);
        }
      }
    }
    // 2. Perturb and retrain; 3. interpolation paths.
    for (const optimizer of config.perturb.optimizers) {
      for (const init of config.perturb.inits) {
        for (const seed of config.perturb.seeds) {
          const cell = cellOf(config.recipe, { architecture, init, optimizer, dataset, seed });
          let original = baseOf.get(`${optimizer}|${init}|${seed}`)?.snapshot;
          if (original === undefined) {
            // A perturbed model outside the base grid: train/load it too (not part of the feature comparisons).
            const run = await trainParameterChangeCell(cell, { ...cacheRoot, progress: progressBars });
            if (!run.fromCache) {
              trainedBaseModels++;
              trainingMs += (run.results as ParameterChangeRunResults).elapsedMs;
            }
            original = run.snapshots.get('best');
          }
          if (original === undefined) {
            done += perturbations.length;
            progress.update(done, `${parameterChangeRunId(cell)} diverged: nothing to perturb`);
            continue;
          }
          const originalTest = out.models.find((m) => m['modelId'] === parameterChangeRunId(cell))?.['testAccuracy'] ?? null;
          const withBn = hasBatchNormStatistics(original);
          const originalNorm = l2Norm(original);
          let control: ParameterSnapshot | undefined;
          const flipLast = new Map<string, ParameterSnapshot>();
          for (const p of perturbations) {
            const label = perturbationLabel(p);
            const rowId = { runId: parameterChangeRunId(cell), architecture, dataset, optimizer, init, seed, perturbation: label, perturbationKind: p.kind };
            if (p.kind === 'flip-weights' && !withBn) {
              // Without BN running statistics the two flips are the same perturbation: retrain once.
              out.retrains.push({ ...rowId, skipped: 'no BatchNorm statistics: identical to flip-all' });
              progress.update(++done, `${parameterChangeRunId(cell)} ${label} (same as flip-all)`);
              continue;
            }
            const spec = signFlipRetrainSpec(cell, p, config.perturb.noiseSeed);
            await yieldToEventLoop();
            const run = await retrainPerturbed(spec, original, { ...(options.cacheRoot === undefined ? {} : { cacheRoot: options.cacheRoot }), progress: progressBars });
            const r = run.results as SignFlipRetrainResults;
            if (!run.fromCache) {
              trainedRetrains++;
              trainingMs += r.elapsedMs;
            }
            const start = run.snapshots.get('start') as ParameterSnapshot;
            const best = run.snapshots.get('best');
            const last = run.snapshots.get('last');
            if (p.kind === 'none' && best !== undefined) control = best;
            if ((p.kind === 'flip-all' || p.kind === 'flip-weights') && last !== undefined) flipLast.set(p.kind, last);
            const startDistance = l2Distance(original, start);
            const row: Row = {
              ...rowId,
              sigma: p.kind === 'noise' ? p.sigma : null,
              delta: p.kind === 'shift' ? p.delta : null,
              cacheKey: run.key,
              diverged: r.diverged,
              originalTestAccuracy: originalTest,
              startTestAccuracy: r.start.accuracy,
              startTestLoss: r.start.loss,
              startNonFiniteShare: r.start.nonFiniteShare,
              retrainedTestAccuracy: r.test?.accuracy ?? null,
              retrainedTestLoss: r.test?.loss ?? null,
              bestEpoch: r.diverged ? null : r.bestEpoch,
              negativeVariancesAtStart: r.negativeVariancesAtStart,
              negativeVariancesAtEnd: r.negativeVariancesAtEnd,
              originalNorm,
              startDistance,
              relativeStartDistance: relative(startDistance, originalNorm),
            };
            if (best !== undefined && last !== undefined) {
              const d = l2Distance(original, best);
              Object.assign(row, {
                distanceToOriginal: d,
                relativeDistanceToOriginal: relative(d, originalNorm),
                /** Share of the start gap closed: 1 − ‖θ_retrained − θ_orig‖ / ‖θ_start − θ_orig‖. */
                gapClosed: startDistance > 0 ? 1 - d / startDistance : null,
                distanceFromStart: l2Distance(start, best),
                relativeDistanceToOriginalLast: relative(l2Distance(original, last), originalNorm),
                distanceToControl: control === undefined ? null : l2Distance(control, best),
                relativeDistanceToControl: control === undefined ? null : relative(l2Distance(control, best), originalNorm),
                changedFraction: changedFraction(original, best, config.tolerance),
                changedFractionVsControl: control === undefined ? null : changedFraction(control, best, config.tolerance),
              });
              const path = await signFlipPath({ version: SIGN_FLIP_VERSION, retrain: spec, interpolation: config.interpolation }, original, best,
                options.cacheRoot === undefined ? {} : { cacheRoot: options.cacheRoot });
              for (const pt of path) out.paths.push({ ...rowId, ...pt, trainLoss: finiteOrNull(pt.trainLoss), testLoss: finiteOrNull(pt.testLoss) });
              Object.assign(row, pathBarrier(path));
              entries.push({
                id: `${parameterChangeRunId(cell)}#${label}`, label: `${baseLabel(optimizer, init, seed)} ⟲${label}`,
                architecture, dataset, optimizer, init, seed, perturbation: label, snapshot: best, cell,
              });
            }
            row['retrainSeconds'] = r.elapsedMs / 1000;
            row['fromCache'] = run.fromCache;
            out.retrains.push(row);
            progress.update(++done, `${parameterChangeRunId(cell)} ${label}${run.fromCache ? ' (cached)' : ''}`);
          }
          // The flip with and without BN statistics: training-mode BN never reads the running statistics, so the
          // two retrains should follow the same trajectory of learned parameters.
          const fa = flipLast.get('flip-all');
          const fw = flipLast.get('flip-weights');
          if (fa !== undefined && fw !== undefined) {
            for (const row of out.retrains) {
              if (row['runId'] === parameterChangeRunId(cell) && (row['perturbation'] === 'flip-all' || row['perturbation'] === 'flip-weights')) {
                row['lastDistanceBetweenFlips'] = l2Distance(fa, fw);
              }
            }
          }
        }
      }
    }
    // 4. Features and their similarity.
    await compareGroup(config, architecture, dataset, entries, out);
  }
  progress.finish(`${trainedBaseModels} base models and ${trainedRetrains} retrains trained, the rest from cache`);
  // Tidy rows hold no NaN/Infinity (CSV and the cache's JSON would turn them into different things): null instead.
  for (const rows of [out.models, out.retrains, out.paths, out.pairs, out.cka]) rows.forEach(nullNonFinite);
  const verdict = signFlipVerdict(out.retrains, out.pairs, config);
  const claims = signFlipClaims(out.models, out.retrains, out.pairs, config);
  return { config, ...out, verdict, claims, elapsedMs: Date.now() - started, trainedBaseModels, trainedRetrains, trainingSeconds: trainingMs / 1000 };
}

interface GroupOutputs {
  excluded: Row[];
  pairs: Row[];
  cka: Row[];
  ckaMatrices: CkaMatrix[];
  heatmaps: SortedCorrelationHeatmap[];
}

async function compareGroup(config: SignFlipConfig, architecture: PcArchitecture, dataset: PcDataset, allEntries: readonly ModelEntry[], out: GroupOutputs): Promise<void> {
  let entries = [...allEntries];
  if (entries.length < 2) return;
  const data = await parameterChangeData((entries[0] as ModelEntry).cell);
  const test = firstExamples(data.test, config.features.examples);
  const features = new Map<string, CentredFeatures>();
  const model = buildParameterChangeModel((entries[0] as ModelEntry).cell);
  const usable: ModelEntry[] = [];
  try {
    for (const e of entries) {
      writeSnapshot(model, e.snapshot);
      const raw = await extractFeatures(model, test);
      // A retrained flip-all model whose BN running variance is still negative outputs NaN in inference mode.
      const bad = raw.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        out.excluded.push({ architecture, dataset, model: e.label, reason: `non-finite penultimate features (${raw.data.filter((v) => !Number.isFinite(v)).length} of ${raw.data.length} values)` });
        continue;
      }
      features.set(e.id, centreFeatures(raw));
      usable.push(e);
    }
  } finally {
    model.dispose();
  }
  entries = usable;
  if (entries.length < 2) return;
  const f = (e: ModelEntry): CentredFeatures => features.get(e.id) as CentredFeatures;
  const base = entries.filter((e) => e.perturbation === '');
  const pairRow = (type: string, a: ModelEntry, b: ModelEntry, extra: Row = {}): Row => {
    const c = compareFeatures(f(a), f(b));
    const norm = l2Norm(a.snapshot);
    return {
      pairType: type, architecture, dataset, modelA: a.label, modelB: b.label,
      optimizerA: a.optimizer, optimizerB: b.optimizer, initA: a.init, initB: b.init, seedA: a.seed, seedB: b.seed,
      perturbationA: a.perturbation, perturbationB: b.perturbation, ...extra,
      units: c.unitsA, deadA: c.deadA, deadB: c.deadB,
      greedyMeanAbsR: c.greedyMeanAbsR, hungarianMeanAbsR: c.hungarianMeanAbsR, hungarianMeanAbsRLive: c.hungarianMeanAbsRLive, hungarianMedianAbsR: c.hungarianMedianAbsR,
      shareAbove09: c.hungarianShareAbove09, shareBelow05: c.hungarianShareBelow05, bestMatchMeanAbsR: c.bestMatchMeanAbsR,
      cka: c.cka, ckaDebiased: finiteOrNull(c.ckaDebiased),
      relativeParameterDistance: relative(l2Distance(a.snapshot, b.snapshot), norm),
      examples: test.count,
    };
  };
  const heatmapOf = (title: string, type: string, a: ModelEntry, b: ModelEntry): void => {
    const c = compareFeatures(f(a), f(b));
    out.heatmaps.push({
      architecture, dataset, title, pairType: type,
      greedy: sortedCorrelationGrid(c.correlation, c.greedy), hungarian: sortedCorrelationGrid(c.correlation, c.hungarian),
      greedyMeanAbsR: c.greedyMeanAbsR, hungarianMeanAbsR: c.hungarianMeanAbsR, ckaDebiased: c.ckaDebiased,
    });
  };
  // Across seeds, optimisers and inits (base models).
  for (let i = 0; i < base.length; i++) {
    for (let j = i + 1; j < base.length; j++) {
      const a = base[i] as ModelEntry;
      const b = base[j] as ModelEntry;
      const sameOpt = a.optimizer === b.optimizer;
      const sameInit = a.init === b.init;
      const sameSeed = a.seed === b.seed;
      if (sameOpt && sameInit && !sameSeed) out.pairs.push(pairRow('seed', a, b, { optimizer: a.optimizer }));
      else if (!sameOpt && sameInit && sameSeed) out.pairs.push(pairRow('optimizer', a, b));
      else if (sameOpt && !sameInit && sameSeed) out.pairs.push(pairRow('init', a, b, { optimizer: a.optimizer }));
    }
  }
  // Original vs retrained after each perturbation, and the control retrain vs the others.
  for (const r of entries.filter((e) => e.perturbation !== '')) {
    const orig = base.find((b) => b.optimizer === r.optimizer && b.init === r.init && b.seed === r.seed);
    if (orig !== undefined) out.pairs.push(pairRow('original-vs-retrained', orig, r, { optimizer: r.optimizer, perturbation: r.perturbation }));
    const ctrl = entries.find((e) => e.perturbation === 'none' && e.optimizer === r.optimizer && e.init === r.init && e.seed === r.seed);
    if (ctrl !== undefined && r.perturbation !== 'none') out.pairs.push(pairRow('control-vs-retrained', ctrl, r, { optimizer: r.optimizer, perturbation: r.perturbation }));
  }
  // Heatmaps: first seed pair of each optimiser; the first perturbed model vs its flip and its distortion.
  for (const optimizer of config.optimizers) {
    const [a, b] = base.filter((e) => e.optimizer === optimizer && e.init === config.inits[0]);
    if (a !== undefined && b !== undefined) heatmapOf(`${a.label} vs ${b.label}`, 'seed', a, b);
  }
  const firstPerturbed = entries.find((e) => e.perturbation !== '');
  if (firstPerturbed !== undefined) {
    const orig = base.find((b) => b.optimizer === firstPerturbed.optimizer && b.init === firstPerturbed.init && b.seed === firstPerturbed.seed);
    for (const kind of ['flip-all', 'shift-1e-6']) {
      const r = entries.find((e) => e.perturbation === kind && e.optimizer === firstPerturbed.optimizer && e.init === firstPerturbed.init && e.seed === firstPerturbed.seed);
      if (orig !== undefined && r !== undefined) heatmapOf(`${orig.label} vs ${orig.label} ⟲${kind}`, 'original-vs-retrained', orig, r);
    }
  }
  // CKA of every pair of models of the group.
  const matrix = linearCKAMatrix(entries.map(f));
  out.ckaMatrices.push({ architecture, dataset, labels: entries.map((e) => e.label), ...matrix });
  entries.forEach((a, i) => {
    entries.forEach((b, j) => {
      if (j <= i) return;
      out.cka.push({
        architecture, dataset, modelA: a.label, modelB: b.label,
        cka: (matrix.cka[i] as number[])[j] as number, ckaDebiased: finiteOrNull((matrix.ckaDebiased[i] as number[])[j] as number),
      });
    });
  });
}

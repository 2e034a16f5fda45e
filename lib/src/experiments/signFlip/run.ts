/**
 * Notebook 04 — sign flip, distortion, and how similar learned features are (the second half of the parameter-dynamics student project of notebook 02).
 *
 * 1. Base models: the trained models of notebook 02 (`parameterChange`), same cells, same cache entries (trained here
 *    with the same recipe when not cached yet): architecture × dataset × optimiser × init × seed.
 * 2. Perturb-and-retrain: from a base model's kept ('best') weights, apply a perturbation (perturb.ts) and retrain
 *    with the same recipe (same data, epochs, optimiser settings — a fresh optimiser state —, data order and
 *    best-validation checkpoint; retrain.ts). Cached under 'sign-flip-retrain'. Measures: accuracy before/after,
 *    distance to the original solution, to the start point and to the unperturbed retrain ('none', the control),
 *    changed fraction.
 * 3. 1-D interpolation between the original and each retrained solution, BN statistics recomputed at every point
 *    (interpolation.ts). Cached under 'sign-flip-path'.
 * 4. Feature similarity (compare.ts): penultimate-layer features on the test set; pairs across seeds, optimisers,
 *    inits, and original vs retrained-after-perturbation; a CKA matrix of every model of a group.
 * The results are typed records (records.ts); tables.ts turns them into the rows of the CSVs.
 */
import { changedFraction, l2Distance, l2Norm } from '../../probe/distance';
import type { ParameterSnapshot } from '../../probe/snapshot';
import { createProgress, yieldToEventLoop, type Progress } from '../../util/progress';
import { trainParameterChangeCell, type ParameterChangeRunResults } from '../parameterChange/run';
import { cellOf, parameterChangeRunId, type ParameterChangeCell, type PcArchitecture, type PcDataset, type PcInit, type PcOptimizer } from '../parameterChange/config';
import { pathBarrier } from './interpolation';
import { hasBatchNormStatistics, perturbationLabel, type Perturbation } from './perturb';
import { retrainPerturbed, signFlipPath, signFlipRetrainSpec, type SignFlipRetrainResults } from './retrain';
import { compareGroup, type CkaMatrix, type GroupOutputs, type ModelEntry, type SortedCorrelationHeatmap } from './compare';
import { signFlipVerdict, type SignFlipVerdict } from './verdict';
import { signFlipClaims, type SignFlipClaims } from './claims';
import { SIGN_FLIP_VERSION, type SignFlipConfig, validateSignFlipConfig } from './config';
import {
  finiteOrNull,
  type SfBarrier,
  type SfKeptMeasures,
  type SfOriginalModel,
  type SfPathPoint,
  type SfRetrain,
  type SfRetrainIdentity,
  type SfRetrainRecord,
} from './records';

export interface SignFlipResults {
  config: SignFlipConfig;
  /** One record per base model. */
  models: SfOriginalModel[];
  /** One record per perturbed-and-retrained model (the results CSV). */
  retrains: SfRetrainRecord[];
  /** One record per retrained model and α. */
  paths: SfPathPoint[];
  ckaMatrices: CkaMatrix[];
  heatmaps: SortedCorrelationHeatmap[];
  /** One record per compared pair of models. */
  pairs: GroupOutputs['pairs'];
  /** Models left out of the feature comparisons, and why (e.g. NaN outputs). */
  excluded: GroupOutputs['excluded'];
  /** One record per pair of models in a CKA matrix. */
  cka: GroupOutputs['cka'];
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

/** What one call of runSignFlip shares between its steps: options, progress, the records so far, what was trained. */
interface RunContext {
  config: SignFlipConfig;
  cacheRoot: { cacheRoot?: string };
  progressBars: boolean;
  progress: Progress;
  done: number;
  trainedBaseModels: number;
  trainedRetrains: number;
  trainingMs: number;
  out: Omit<SignFlipResults, 'config' | 'verdict' | 'claims' | 'elapsedMs' | 'trainedBaseModels' | 'trainedRetrains' | 'trainingSeconds'>;
}

/** Trains or loads the group's base models (notebook 02's cells); returns those with a kept snapshot. */
async function originals(ctx: RunContext, architecture: PcArchitecture, dataset: PcDataset): Promise<ModelEntry[]> {
  const { config } = ctx;
  const entries: ModelEntry[] = [];
  for (const optimizer of config.optimizers) {
    for (const init of config.inits) {
      for (const seed of config.seeds) {
        const cell = cellOf(config.recipe, { architecture, init, optimizer, dataset, seed });
        // Long synchronous training: let the notebook kernel's event loop turn between models.
        await yieldToEventLoop();
        const run = await trainParameterChangeCell(cell, { ...ctx.cacheRoot, progress: ctx.progressBars });
        const results = run.results as ParameterChangeRunResults;
        if (!run.fromCache) {
          ctx.trainedBaseModels++;
          ctx.trainingMs += results.elapsedMs;
        }
        const best = run.snapshots.get('best');
        ctx.out.models.push({
          modelId: parameterChangeRunId(cell), architecture, dataset, optimizer, init, seed, cacheKey: run.key,
          diverged: results.diverged, bestEpoch: results.diverged ? null : results.bestEpoch,
          testAccuracy: finiteOrNull(results.test?.accuracy), testLoss: finiteOrNull(results.test?.loss),
          parameterNorm: best === undefined ? null : finiteOrNull(l2Norm(best)), trainSeconds: results.elapsedMs / 1000, fromCache: run.fromCache,
        });
        ctx.progress.update(++ctx.done, `${parameterChangeRunId(cell)}${run.fromCache ? ' (cached)' : ''}`);
        if (results.diverged || best === undefined) continue;
        entries.push({
          id: parameterChangeRunId(cell), label: baseLabel(optimizer, init, seed), architecture, dataset, optimizer, init, seed,
          perturbation: '', snapshot: best, cell,
        });
      }
    }
  }
  return entries;
}

/** The kept snapshot of a cell outside the base grid (trained or loaded; not part of the feature comparisons). */
async function originalOutsideGrid(ctx: RunContext, cell: ParameterChangeCell): Promise<ParameterSnapshot | undefined> {
  const run = await trainParameterChangeCell(cell, { ...ctx.cacheRoot, progress: ctx.progressBars });
  if (!run.fromCache) {
    ctx.trainedBaseModels++;
    ctx.trainingMs += (run.results as ParameterChangeRunResults).elapsedMs;
  }
  return run.snapshots.get('best');
}

/** Distances of a kept retrained model to the original, its start and the control, and the barrier of its path. */
function keptMeasures(
  snapshots: { original: ParameterSnapshot; start: ParameterSnapshot; best: ParameterSnapshot; last: ParameterSnapshot; control: ParameterSnapshot | undefined },
  originalNorm: number,
  startDistance: number,
  barrier: SfBarrier,
  tolerance: SignFlipConfig['tolerance'],
): SfKeptMeasures {
  const { original, start, best, last, control } = snapshots;
  const d = l2Distance(original, best);
  return {
    distanceToOriginal: finiteOrNull(d),
    relativeDistanceToOriginal: relative(d, originalNorm),
    gapClosed: startDistance > 0 ? finiteOrNull(1 - d / startDistance) : null,
    distanceFromStart: finiteOrNull(l2Distance(start, best)),
    relativeDistanceToOriginalLast: relative(l2Distance(original, last), originalNorm),
    distanceToControl: control === undefined ? null : finiteOrNull(l2Distance(control, best)),
    relativeDistanceToControl: control === undefined ? null : relative(l2Distance(control, best), originalNorm),
    changedFraction: finiteOrNull(changedFraction(original, best, tolerance)),
    changedFractionVsControl: control === undefined ? null : finiteOrNull(changedFraction(control, best, tolerance)),
    ...barrier,
  };
}

function finiteBarrier(b: ReturnType<typeof pathBarrier>): SfBarrier {
  return {
    trainLossBarrier: finiteOrNull(b.trainLossBarrier), testLossBarrier: finiteOrNull(b.testLossBarrier),
    trainAccuracyDrop: finiteOrNull(b.trainAccuracyDrop), testAccuracyDrop: finiteOrNull(b.testAccuracyDrop), testLossArgmax: finiteOrNull(b.testLossArgmax),
  };
}

/**
 * Every perturbation of one original, retrained (or loaded), with its path back to the original; the control ('none')
 * first, since the others are compared with it. Returns the retrained models whose features take part in the comparisons.
 */
async function retrainOriginal(ctx: RunContext, cell: ParameterChangeCell, original: ParameterSnapshot, perturbations: readonly Perturbation[]): Promise<ModelEntry[]> {
  const { config, out } = ctx;
  const { architecture, dataset, optimizerName: optimizer, init, seed } = cell;
  const runId = parameterChangeRunId(cell);
  const originalTest = out.models.find((m) => m.modelId === runId)?.testAccuracy ?? null;
  const withBn = hasBatchNormStatistics(original);
  const originalNorm = l2Norm(original);
  const entries: ModelEntry[] = [];
  const records: SfRetrain[] = [];
  let control: ParameterSnapshot | undefined;
  const flipLast = new Map<string, ParameterSnapshot>();
  for (const p of perturbations) {
    const label = perturbationLabel(p);
    const id: SfRetrainIdentity = { runId, architecture, dataset, optimizer, init, seed, perturbation: label, perturbationKind: p.kind };
    if (p.kind === 'flip-weights' && !withBn) {
      // Without BN running statistics the two flips are the same perturbation: retrain once.
      out.retrains.push({ ...id, skipped: 'no BatchNorm statistics: identical to flip-all', kept: null });
      ctx.progress.update(++ctx.done, `${runId} ${label} (same as flip-all)`);
      continue;
    }
    const spec = signFlipRetrainSpec(cell, p, config.perturb.noiseSeed);
    await yieldToEventLoop();
    const run = await retrainPerturbed(spec, original, { ...ctx.cacheRoot, progress: ctx.progressBars });
    const r = run.results as SignFlipRetrainResults;
    if (!run.fromCache) {
      ctx.trainedRetrains++;
      ctx.trainingMs += r.elapsedMs;
    }
    const start = run.snapshots.get('start') as ParameterSnapshot;
    const best = run.snapshots.get('best');
    const last = run.snapshots.get('last');
    if (p.kind === 'none' && best !== undefined) control = best;
    if ((p.kind === 'flip-all' || p.kind === 'flip-weights') && last !== undefined) flipLast.set(p.kind, last);
    const startDistance = l2Distance(original, start);
    let kept: SfKeptMeasures | null = null;
    if (best !== undefined && last !== undefined) {
      const path = await signFlipPath({ version: SIGN_FLIP_VERSION, retrain: spec, interpolation: config.interpolation }, original, best, ctx.cacheRoot);
      for (const pt of path) out.paths.push({ ...id, ...pt, trainLoss: finiteOrNull(pt.trainLoss), testLoss: finiteOrNull(pt.testLoss) });
      kept = keptMeasures({ original, start, best, last, control }, originalNorm, startDistance, finiteBarrier(pathBarrier(path)), config.tolerance);
      entries.push({
        id: `${runId}#${label}`, label: `${baseLabel(optimizer, init, seed)} ⟲${label}`,
        architecture, dataset, optimizer, init, seed, perturbation: label, snapshot: best, cell,
      });
    }
    const record: SfRetrain = {
      ...id,
      skipped: null,
      sigma: p.kind === 'noise' ? p.sigma : null,
      delta: p.kind === 'shift' ? p.delta : null,
      cacheKey: run.key,
      diverged: r.diverged,
      originalTestAccuracy: originalTest,
      startTestAccuracy: finiteOrNull(r.start.accuracy),
      startTestLoss: finiteOrNull(r.start.loss),
      startNonFiniteShare: finiteOrNull(r.start.nonFiniteShare),
      retrainedTestAccuracy: finiteOrNull(r.test?.accuracy),
      retrainedTestLoss: finiteOrNull(r.test?.loss),
      bestEpoch: r.diverged ? null : r.bestEpoch,
      negativeVariancesAtStart: r.negativeVariancesAtStart,
      negativeVariancesAtEnd: r.negativeVariancesAtEnd,
      originalNorm: finiteOrNull(originalNorm),
      startDistance: finiteOrNull(startDistance),
      relativeStartDistance: relative(startDistance, originalNorm),
      kept,
      retrainSeconds: r.elapsedMs / 1000,
      fromCache: run.fromCache,
      lastDistanceBetweenFlips: null,
    };
    records.push(record);
    out.retrains.push(record);
    ctx.progress.update(++ctx.done, `${runId} ${label}${run.fromCache ? ' (cached)' : ''}`);
  }
  // The flip with and without BN statistics: training-mode BN never reads the running statistics, so the two
  // retrains should follow the same trajectory of learned parameters.
  const fa = flipLast.get('flip-all');
  const fw = flipLast.get('flip-weights');
  if (fa !== undefined && fw !== undefined) {
    const between = finiteOrNull(l2Distance(fa, fw));
    for (const record of records) if (record.perturbationKind === 'flip-all' || record.perturbationKind === 'flip-weights') record.lastDistanceBetweenFlips = between;
  }
  return entries;
}

/** Runs (or loads) every base model, retrain and path of the config and compares them. */
export async function runSignFlip(config: SignFlipConfig, options: { progress?: boolean; cacheRoot?: string } = {}): Promise<SignFlipResults> {
  validateSignFlipConfig(config);
  const started = Date.now();
  // The control ('none') first: every other retrain is compared with it.
  const perturbations = [...config.perturb.perturbations].sort((a, b) => Number(b.kind === 'none') - Number(a.kind === 'none'));
  const groups = config.architectures.flatMap((architecture) => config.datasets.map((dataset) => ({ architecture, dataset })));
  const perGroupBase = config.optimizers.length * config.inits.length * config.seeds.length;
  const perGroupRetrain = config.perturb.optimizers.length * config.perturb.inits.length * config.perturb.seeds.length * perturbations.length;
  const ctx: RunContext = {
    config,
    cacheRoot: options.cacheRoot === undefined ? {} : { cacheRoot: options.cacheRoot },
    progressBars: options.progress === true,
    progress: createProgress({ label: 'sign-flip', total: groups.length * (perGroupBase + perGroupRetrain), unit: 'models', quiet: options.progress === false }),
    done: 0, trainedBaseModels: 0, trainedRetrains: 0, trainingMs: 0,
    out: { models: [], retrains: [], paths: [], pairs: [], excluded: [], cka: [], ckaMatrices: [], heatmaps: [] },
  };
  for (const { architecture, dataset } of groups) {
    // 1. Base models (notebook 02's cells).
    const entries = await originals(ctx, architecture, dataset);
    // 2. Perturb and retrain; 3. interpolation paths.
    for (const optimizer of config.perturb.optimizers) {
      for (const init of config.perturb.inits) {
        for (const seed of config.perturb.seeds) {
          const cell = cellOf(config.recipe, { architecture, init, optimizer, dataset, seed });
          const inGrid = entries.find((e) => e.perturbation === '' && e.optimizer === optimizer && e.init === init && e.seed === seed);
          const original = inGrid?.snapshot ?? await originalOutsideGrid(ctx, cell);
          if (original === undefined) {
            ctx.done += perturbations.length;
            ctx.progress.update(ctx.done, `${parameterChangeRunId(cell)} diverged: nothing to perturb`);
            continue;
          }
          entries.push(...await retrainOriginal(ctx, cell, original, perturbations));
        }
      }
    }
    // 4. Features and their similarity.
    await compareGroup(config, architecture, dataset, entries, ctx.out);
  }
  ctx.progress.finish(`${ctx.trainedBaseModels} base models and ${ctx.trainedRetrains} retrains trained, the rest from cache`);
  const { out } = ctx;
  const verdict = signFlipVerdict(out.retrains, out.pairs, config);
  const claims = signFlipClaims(out.models, out.retrains, out.pairs, config);
  return {
    config, ...out, verdict, claims, elapsedMs: Date.now() - started,
    trainedBaseModels: ctx.trainedBaseModels, trainedRetrains: ctx.trainedRetrains, trainingSeconds: ctx.trainingMs / 1000,
  };
}

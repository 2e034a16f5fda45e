// The tables of notebook 04 (its CSVs and displayed tables), made from the typed records at the display edge. The
// columns and their order are the contract of the CSVs: a retrain that kept no model has no distance columns, a
// skipped retrain only its identity and the reason, as in every CSV written so far.
import type { Row } from '../../report/table';
import type { SignFlipResults } from './run';
import type { SfCkaEntry, SfExcludedModel, SfFeaturePair, SfOriginalModel, SfPathPoint, SfRetrainIdentity, SfRetrainRecord } from './records';
import { featureSimilaritySummary, type SfFeatureSummary, SF_SUMMARY_MEASURES } from './summary';

/** CSV and the cache's JSON would turn NaN/Infinity into different things: a table cell holds null instead. */
function finiteCells(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  return out;
}

function modelRow(m: SfOriginalModel): Row {
  return {
    modelId: m.modelId, architecture: m.architecture, dataset: m.dataset, optimizer: m.optimizer, init: m.init, seed: m.seed, cacheKey: m.cacheKey,
    diverged: m.diverged, bestEpoch: m.bestEpoch, testAccuracy: m.testAccuracy, testLoss: m.testLoss,
    parameterNorm: m.parameterNorm, trainSeconds: m.trainSeconds, fromCache: m.fromCache,
  };
}

function identityCells(r: SfRetrainIdentity): Row {
  return { runId: r.runId, architecture: r.architecture, dataset: r.dataset, optimizer: r.optimizer, init: r.init, seed: r.seed, perturbation: r.perturbation, perturbationKind: r.perturbationKind };
}

function retrainRow(r: SfRetrainRecord): Row {
  if (r.skipped !== null) return { ...identityCells(r), skipped: r.skipped };
  const row: Row = {
    ...identityCells(r),
    sigma: r.sigma, delta: r.delta, cacheKey: r.cacheKey, diverged: r.diverged, originalTestAccuracy: r.originalTestAccuracy,
    startTestAccuracy: r.startTestAccuracy, startTestLoss: r.startTestLoss, startNonFiniteShare: r.startNonFiniteShare,
    retrainedTestAccuracy: r.retrainedTestAccuracy, retrainedTestLoss: r.retrainedTestLoss, bestEpoch: r.bestEpoch,
    negativeVariancesAtStart: r.negativeVariancesAtStart, negativeVariancesAtEnd: r.negativeVariancesAtEnd,
    originalNorm: r.originalNorm, startDistance: r.startDistance, relativeStartDistance: r.relativeStartDistance,
  };
  const k = r.kept;
  if (k !== null) {
    Object.assign(row, {
      distanceToOriginal: k.distanceToOriginal, relativeDistanceToOriginal: k.relativeDistanceToOriginal, gapClosed: k.gapClosed,
      distanceFromStart: k.distanceFromStart, relativeDistanceToOriginalLast: k.relativeDistanceToOriginalLast,
      distanceToControl: k.distanceToControl, relativeDistanceToControl: k.relativeDistanceToControl,
      changedFraction: k.changedFraction, changedFractionVsControl: k.changedFractionVsControl,
      trainLossBarrier: k.trainLossBarrier, testLossBarrier: k.testLossBarrier, trainAccuracyDrop: k.trainAccuracyDrop,
      testAccuracyDrop: k.testAccuracyDrop, testLossArgmax: k.testLossArgmax,
    });
  }
  row['retrainSeconds'] = r.retrainSeconds;
  row['fromCache'] = r.fromCache;
  if (r.lastDistanceBetweenFlips !== null) row['lastDistanceBetweenFlips'] = r.lastDistanceBetweenFlips;
  return row;
}

function pathRow(p: SfPathPoint): Row {
  return { ...identityCells(p), alpha: p.alpha, trainLoss: p.trainLoss, trainAccuracy: p.trainAccuracy, testLoss: p.testLoss, testAccuracy: p.testAccuracy };
}

function pairRow(p: SfFeaturePair): Row {
  const row: Row = {
    pairType: p.pairType, architecture: p.architecture, dataset: p.dataset, modelA: p.modelA, modelB: p.modelB,
    optimizerA: p.optimizerA, optimizerB: p.optimizerB, initA: p.initA, initB: p.initB, seedA: p.seedA, seedB: p.seedB,
    perturbationA: p.perturbationA, perturbationB: p.perturbationB,
  };
  // Only the pairs that share an optimiser, and only the retrain pairs, have these columns.
  if (p.optimizer !== null) row['optimizer'] = p.optimizer;
  if (p.perturbation !== null) row['perturbation'] = p.perturbation;
  return {
    ...row,
    units: p.units, deadA: p.deadA, deadB: p.deadB,
    greedyMeanAbsR: p.greedyMeanAbsR, hungarianMeanAbsR: p.hungarianMeanAbsR, hungarianMeanAbsRLive: p.hungarianMeanAbsRLive, hungarianMedianAbsR: p.hungarianMedianAbsR,
    shareAbove09: p.shareAbove09, shareBelow05: p.shareBelow05, bestMatchMeanAbsR: p.bestMatchMeanAbsR,
    cka: p.cka, ckaDebiased: p.ckaDebiased, relativeParameterDistance: p.relativeParameterDistance, examples: p.examples,
  };
}

function ckaRow(c: SfCkaEntry): Row {
  return { architecture: c.architecture, dataset: c.dataset, modelA: c.modelA, modelB: c.modelB, cka: c.cka, ckaDebiased: c.ckaDebiased };
}

function excludedRow(e: SfExcludedModel): Row {
  return { architecture: e.architecture, dataset: e.dataset, model: e.model, reason: e.reason };
}

/** Mean and 95% CI columns of every measure, e.g. cka, ckaLo, ckaHi. */
function summaryRow(s: SfFeatureSummary): Row {
  const row: Row = { architecture: s.architecture, dataset: s.dataset, pairs: s.category, n: s.n };
  for (const m of SF_SUMMARY_MEASURES) {
    row[m] = s.measures[m].mean;
    row[`${m}Lo`] = s.measures[m].lo;
    row[`${m}Hi`] = s.measures[m].hi;
  }
  return row;
}

export interface SignFlipTables {
  models: Row[];
  retrains: Row[];
  paths: Row[];
  pairs: Row[];
  cka: Row[];
  excluded: Row[];
  /** Mean (95% CI) of every similarity measure per architecture × dataset × kind of pair. */
  featureSimilarity: Row[];
}

/** The tables of notebook 04 from its results (one row per record; non-finite numbers as empty cells). */
export function signFlipTables(results: Pick<SignFlipResults, 'models' | 'retrains' | 'paths' | 'pairs' | 'cka' | 'excluded'>): SignFlipTables {
  return {
    models: results.models.map(modelRow).map(finiteCells),
    retrains: results.retrains.map(retrainRow).map(finiteCells),
    paths: results.paths.map(pathRow).map(finiteCells),
    pairs: results.pairs.map(pairRow).map(finiteCells),
    cka: results.cka.map(ckaRow).map(finiteCells),
    excluded: results.excluded.map(excludedRow),
    featureSimilarity: featureSimilaritySummary(results).map(summaryRow).map(finiteCells),
  };
}

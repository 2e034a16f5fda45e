// The typed results of the sign-flip experiment: one record per original model, per retrain, per point of an
// interpolation path, per compared pair of models, per CKA entry and per model left out of the feature comparisons.
// Apart from the runner so that the verdict, the claims, the figures and the tables read them without importing it.
// A measured number that is not finite (a NaN loss of a flipped BatchNorm net) is stored as null, as in the CSVs.
import type { PcArchitecture, PcDataset, PcInit, PcOptimizer } from '../parameterChange/config';
import type { BarrierSummary } from './interpolation';
import type { PerturbationKind } from './perturb';

/** Which net, data, optimiser, init and seed a model belongs to (notebook 02's cell). */
export interface SfModelIdentity {
  architecture: PcArchitecture;
  dataset: PcDataset;
  optimizer: PcOptimizer;
  init: PcInit;
  seed: number;
}

/** One original model (notebook 02's trained cell) and how it did. */
export interface SfOriginalModel extends SfModelIdentity {
  modelId: string;
  cacheKey: string;
  diverged: boolean;
  /** null when diverged. */
  bestEpoch: number | null;
  testAccuracy: number | null;
  testLoss: number | null;
  /** ‖θ‖ of the kept ('best') snapshot; null when there is none. */
  parameterNorm: number | null;
  trainSeconds: number;
  fromCache: boolean;
}

/** Which original a retrain started from and which perturbation it got. */
export interface SfRetrainIdentity extends SfModelIdentity {
  /** The original's model id. */
  runId: string;
  /** perturbationLabel(p), e.g. 'shift-1e-6' or 'noise-0.1'. */
  perturbation: string;
  perturbationKind: PerturbationKind;
}

/** A retrain left out because it would repeat another one (the flip of a net without BatchNorm statistics). */
export interface SfSkippedRetrain extends SfRetrainIdentity {
  skipped: string;
  kept: null;
}

/** Barrier heights of the path back to the original (null where the path has non-finite losses). */
export type SfBarrier = { [K in keyof BarrierSummary]: number | null };

/**
 * What the kept (best-validation) retrained model measures against the original, its start and the control retrain
 * (the unperturbed one: null for the control itself when it ran first, and where the control kept no model).
 */
export interface SfKeptMeasures extends SfBarrier {
  distanceToOriginal: number | null;
  relativeDistanceToOriginal: number | null;
  /** Share of the start gap closed: 1 − ‖θ_retrained − θ_orig‖ / ‖θ_start − θ_orig‖. */
  gapClosed: number | null;
  distanceFromStart: number | null;
  /** The same distance for the last-epoch model. */
  relativeDistanceToOriginalLast: number | null;
  distanceToControl: number | null;
  relativeDistanceToControl: number | null;
  changedFraction: number | null;
  changedFractionVsControl: number | null;
}

/** One perturbed and retrained model. */
export interface SfRetrain extends SfRetrainIdentity {
  skipped: null;
  /** σ of 'noise', δ of 'shift'; null for the other perturbations. */
  sigma: number | null;
  delta: number | null;
  cacheKey: string;
  diverged: boolean;
  originalTestAccuracy: number | null;
  /** The perturbed model before retraining (loss null when its outputs are not finite). */
  startTestAccuracy: number | null;
  startTestLoss: number | null;
  startNonFiniteShare: number | null;
  retrainedTestAccuracy: number | null;
  retrainedTestLoss: number | null;
  bestEpoch: number | null;
  negativeVariancesAtStart: number;
  negativeVariancesAtEnd: number | null;
  originalNorm: number | null;
  startDistance: number | null;
  relativeStartDistance: number | null;
  /** null when the retrain kept no model (its loss diverged). */
  kept: SfKeptMeasures | null;
  retrainSeconds: number;
  fromCache: boolean;
  /**
   * ‖θ_last(flip-all) − θ_last(flip-weights)‖ of the two flips of a BatchNorm net (same on both records); null where
   * the two flips were not both retrained.
   */
  lastDistanceBetweenFlips: number | null;
}

export type SfRetrainRecord = SfRetrain | SfSkippedRetrain;

export function isRetrained(r: SfRetrainRecord): r is SfRetrain {
  return r.skipped === null;
}

/** Loss and accuracy at one α of the line from the original to a retrained model (losses null when not finite). */
export interface SfPathPoint extends SfRetrainIdentity {
  alpha: number;
  trainLoss: number | null;
  trainAccuracy: number;
  testLoss: number | null;
  testAccuracy: number;
}

export type SfPairType = 'seed' | 'optimizer' | 'init' | 'original-vs-retrained' | 'control-vs-retrained';

/** Similarity of the penultimate features of two models (and how far apart their parameters are). */
export interface SfFeaturePair {
  pairType: SfPairType;
  architecture: PcArchitecture;
  dataset: PcDataset;
  modelA: string;
  modelB: string;
  optimizerA: PcOptimizer;
  optimizerB: PcOptimizer;
  initA: PcInit;
  initB: PcInit;
  seedA: number;
  seedB: number;
  /** '' for an original model. */
  perturbationA: string;
  perturbationB: string;
  /** The optimiser both models share (null for an 'optimizer' pair), and the retrain's perturbation (retrain pairs only). */
  optimizer: PcOptimizer | null;
  perturbation: string | null;
  units: number;
  deadA: number;
  deadB: number;
  greedyMeanAbsR: number | null;
  hungarianMeanAbsR: number | null;
  hungarianMeanAbsRLive: number | null;
  hungarianMedianAbsR: number | null;
  shareAbove09: number | null;
  shareBelow05: number | null;
  bestMatchMeanAbsR: number | null;
  cka: number | null;
  ckaDebiased: number | null;
  /** ‖θ_A − θ_B‖ / ‖θ_A‖. */
  relativeParameterDistance: number | null;
  examples: number;
}

/** CKA of one pair of models of a group's CKA matrix. */
export interface SfCkaEntry {
  architecture: PcArchitecture;
  dataset: PcDataset;
  modelA: string;
  modelB: string;
  cka: number | null;
  ckaDebiased: number | null;
}

/** A model left out of the feature comparisons, and why (e.g. NaN features). */
export interface SfExcludedModel {
  architecture: PcArchitecture;
  dataset: PcDataset;
  model: string;
  reason: string;
}

export function finiteOrNull(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

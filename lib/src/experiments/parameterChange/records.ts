// The typed records of the parameter-change experiment: one per trained model, layer, parameter kind, tolerance point
// and snapshot step. Apart from the runner so that the verdict and the figures read them without importing it.
import type { PcArchitecture, PcDataset, PcInit, PcMembership, PcOptimizer } from './config';
import type { ChangedFractionPoint, ChangedValueSample, PathStep } from './metrics';

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

/** Which cell a result belongs to (the columns every table of the experiment starts with). */
// Types (not interfaces) so that the records go straight into a table at the display edge.
export type PcRunIdentity = {
  runId: string;
  architecture: PcArchitecture;
  width: number | null;
  batchNorm: boolean;
  init: PcInit;
  optimizer: PcOptimizer;
  /** 'tuned': the scale's optimiser settings; 'seed': the seed's own (SEED_RECIPES). */
  recipe: 'tuned' | 'seed';
  dataset: PcDataset;
  seed: number;
} & PcMembership;

/** How far one model moved, from its start to the compared snapshot (null when the run diverged). */
export type PcRunMetrics = {
  distance: number | null;
  relativeDistance: number | null;
  changeRate: number | null;
  /** Share of ALL trainable elements changed / unchanged at the headline tolerance (as the quick scale reported). */
  changedFraction: number | null;
  unchangedFraction: number | null;
  /**
   * Share unchanged at the headline tolerance among the trainable elements that do NOT start at 0 (weights, BN γ): a
   * relative tolerance means nothing for an element that starts at 0, which moves as soon as it gets a gradient.
   * This is the headline share of the verdict.
   */
  unchangedWeights: number | null;
  /** Trainable elements that start at exactly 0 (dense and conv biases, BN β), and the share of them changed at `zeroStartAtol`. */
  zeroStartElements: number;
  zeroStartChanged: number | null;
  distanceLast: number | null;
  changeRateLast: number | null;
  changedFractionLast: number | null;
  /** Smallest / largest rtol on the grid at which ≥ 60% unchanged / ≥ 90% changed hold (non-zero-start elements). */
  rtolFor60Unchanged: number | null;
  rtolFor90Changed: number | null;
  rtolFor50Unchanged: number | null;
};

/** One trained model: its cell, its training record and its metrics. */
export type PcRun = PcRunIdentity & PcRunMetrics & {
  cacheKey: string;
  trainableParameters: number;
  diverged: boolean;
  epochsRun: number;
  bestEpoch: number | null;
  bestValAccuracy: number | null;
  /** Running training accuracy of the kept epoch (training mode, over that epoch's batches). */
  trainAccuracy: number | null;
  lastTrainLoss: number | null;
  testAccuracy: number | null;
  testLoss: number | null;
  /** Minimum test accuracy fixed before the run (null: the scale has none) and whether the model met it. */
  criterion: number | null;
  meetsCriterion: boolean;
  trainSeconds: number;
  fromCache: boolean;
};

export type PcLayerRecord = PcRunIdentity & {
  cacheKey: string;
  layer: string;
  layerIndex: number;
  kinds: string;
  size: number;
  distance: number;
  normBefore: number;
  normAfter: number;
  relativeDistance: number;
  changeRate: number;
  changedFraction: number | null;
};

export type PcKindRecord = PcRunIdentity & {
  kind: string;
  size: number;
  distance: number;
  normBefore: number;
  normAfter: number;
  relativeDistance: number;
  changeRate: number;
  changedFraction: number | null;
};

export type PcCurveRecord = PcRunIdentity & ChangedFractionPoint;

export type PcSnapshotStepRecord = PcRunIdentity & PathStep;

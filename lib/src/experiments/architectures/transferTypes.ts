// The typed results of the transfer study (notebook 05, section 5): one row type per table.
import type { TransferPairId, TransferStart } from './config';

/** One source model: seed s of one source task (shared by every pair with that source), with its criterion. */
export type TransferSourceModel = {
  /** e.g. 'mnist 5,6,7,8,9'. */
  source: string;
  pairs: string;
  seed: number;
  trainImages: number;
  testImages: number;
  trainAccuracy: number;
  testAccuracy: number;
  criterion: number;
  meetsCriterion: boolean;
  parameters: number;
};

/** One fine-tuning run (pair × target size × start × k × seed): the training record of the target models. */
export type TransferRun = {
  pair: TransferPairId;
  distance: 'near' | 'far';
  perClass: number;
  start: TransferStart;
  k: number;
  seed: number;
  trainableParameters: number | null;
  targetTrainImages: number;
  steps: number | null;
  epochs: number | null;
  testAccuracy: number | null;
  trainAccuracy: number | null;
  /** Mean training loss of the last epoch. */
  finalTrainLoss: number | null;
  /** The plateau rule (FINE_TUNE_PLATEAU, fixed in advance) on the per-epoch training losses. */
  lossPlateau: boolean;
  /** This seed's source model met its criterion (always true for starts that do not use it). */
  sourceConverged: boolean;
  /** Counted in the verdicts: finite, plateaued and (for 'pretrained') from a converged source model. */
  converged: boolean;
  diverged: boolean;
};

/** Mean target test accuracy of one pair × size × start × k over the converged seeds, 95% interval in [0, 1]. */
export type TransferCell = {
  pair: TransferPairId;
  perClass: number;
  start: TransferStart;
  k: number;
  mean: number;
  lo: number;
  hi: number;
  n: number;
  method: string;
};

/** Accuracy of the nearest-centroid domain classifier on one layer's features of seed 0's source model. */
export type DomainGapPoint = {
  pair: TransferPairId;
  distance: 'near' | 'far';
  layer: string;
  depth: number;
  features: number;
  domainAccuracy: number;
};

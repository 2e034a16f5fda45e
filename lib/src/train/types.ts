// The training loop's configuration and per-epoch metrics: shared by the loop and its hooks.
import type { OptimizerConfig } from './optimizers';

export interface EarlyStoppingConfig {
  /** Epochs without improvement of the monitored validation metric before stopping. */
  patience: number;
  /** Minimum change that counts as improvement (default 0). */
  minDelta?: number;
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  /** Seeds the data order and augmentation (model init has its own seed in the model builder). */
  seed: number;
  /** Reshuffle every epoch (default true); false = the source order. */
  shuffle?: boolean;
  /** Drop a last incomplete batch (default false). */
  dropLast?: boolean;
  /** Learning rate per epoch (default: optimizer.lr constant). */
  lrSchedule?: (epoch: number) => number;
  /** Validation metric that picks the best checkpoint and drives early stopping (default 'val-accuracy'). */
  monitor?: 'val-loss' | 'val-accuracy';
  earlyStopping?: EarlyStoppingConfig;
  /** Write the best-validation weights back into the model at the end (default true; no val → last weights). */
  restoreBest?: boolean;
  /** Batch size for validation / test (default max(batchSize, 256)). */
  evalBatchSize?: number;
  /** Progress bar label, or false for none (default 'train'). NETSTATS_QUIET=1 silences it. */
  progress?: string | false;
  /** Stop each epoch after this many steps (tiny scale / benchmarks). */
  maxStepsPerEpoch?: number;
}

/** Metrics of one epoch. Train loss/accuracy are running means over the epoch's batches (training mode). */
export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  lr: number;
  /** Wall time of the epoch including validation. */
  elapsedMs: number;
  /** Training throughput of the epoch (steps only). */
  samplesPerSecond: number;
}

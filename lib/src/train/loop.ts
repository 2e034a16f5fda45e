import * as tf from '@tensorflow/tfjs';
import type { ParameterSnapshot } from '../probe/snapshot';
import type { EvaluationResult } from './evaluate';
import type { TrainHook } from './hooks';
import type { OptimizerConfig } from './optimizers';
import type { LabelledBatchSource } from './source';

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

export interface TrainData {
  train: LabelledBatchSource;
  /** Held-out validation split: per-epoch metrics, best checkpoint, early stopping. */
  val?: LabelledBatchSource;
  /** Evaluated once at the end on the restored (best) weights. */
  test?: LabelledBatchSource;
}

export interface TrainResult {
  history: EpochMetrics[];
  /** Epoch of the best checkpoint (by config.monitor on val; the last epoch without val). */
  bestEpoch: number;
  /** All weights (incl. BN statistics) at the best epoch. */
  best: ParameterSnapshot;
  /** All weights after the last step. */
  last: ParameterSnapshot;
  /** Test metrics of the model as returned (best weights when restoreBest). */
  test?: EvaluationResult;
  /** Mean loss of every step, in order. */
  stepLosses: Float32Array;
  epochsRun: number;
  stoppedEarly: boolean;
  stopReason?: string;
  elapsedMs: number;
}

/** Thrown when a step's loss is NaN or ±Inf; says where. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
  ) {
    super(`training diverged: loss is ${loss} at epoch ${epoch}, step ${step} (0-based); lower the learning rate or check the data`);
    this.name = 'NonFiniteLossError';
  }
}

/**
 * Trains a model that outputs logits with softmax cross-entropy, by custom steps: forward in training mode
 * (BatchNorm uses batch statistics and updates its moving statistics), gradients of the trainable variables,
 * hooks' gradient transforms and update masks, then our optimiser. Validation each epoch, best checkpoint, early
 * stopping, progress with ETA. Deterministic: same model init + config → bit-identical weights on one backend.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  config: TrainConfig,
  hooks: readonly TrainHook[] = [],
): Promise<TrainResult> {
  void model;
  void data;
  void config;
  void hooks;
  throw new Error('train: not implemented yet');
}

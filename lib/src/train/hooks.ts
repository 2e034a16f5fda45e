import * as tf from '@tensorflow/tfjs';
import type { ParameterInfo } from '../models/parameters';
import type { ParameterSnapshot } from '../probe/snapshot';
import type { EpochMetrics, TrainConfig } from './loop';

/** What every hook call sees. Hooks may set `stopTraining = true` to end the run after the current epoch. */
export interface TrainContext {
  model: tf.LayersModel;
  config: TrainConfig;
  /** Trainable variables by canonical name. */
  parameters: ReadonlyMap<string, tf.Variable>;
  /** Descriptions of all model weights (incl. BN moving statistics). */
  parameterInfo: readonly ParameterInfo[];
  stepsPerEpoch: number;
  /** Metrics of the finished epochs so far. */
  history: readonly EpochMetrics[];
  stopTraining: boolean;
  /** Why a hook stopped training (shown in TrainResult.stopReason). */
  stopReason?: string;
}

export interface EpochContext extends TrainContext {
  /** 0-based epoch. */
  epoch: number;
}

export interface StepContext extends EpochContext {
  /** 0-based step within the epoch. */
  step: number;
  /** 0-based step since the start. */
  globalStep: number;
  /** Learning rate of this step. */
  lr: number;
  batchSize: number;
}

export interface StepEndContext extends StepContext {
  /** Mean loss of the batch (before the update). */
  loss: number;
}

export interface EpochEndContext extends EpochContext {
  metrics: EpochMetrics;
}

/**
 * A training-loop extension in the fastai callback style. All methods optional. Tensors a hook returns from
 * `transformGradients` are disposed by the loop; tensors returned by `updateMasks` stay owned by the hook.
 */
export interface TrainHook {
  name?: string;
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(ctx: EpochContext): void | Promise<void>;
  /**
   * Element-wise transform of the gradients (keyed by canonical parameter name) before the optimiser, e.g. scale or
   * mask. Return a new map (or mutate and return nothing). Runs inside tf.tidy: intermediate tensors are freed.
   */
  transformGradients?(grads: Map<string, tf.Tensor>, ctx: StepContext): Map<string, tf.Tensor> | void;
  /**
   * Element-wise 0/1 update masks by parameter name: where 0, the parameter and its optimiser state stay exactly
   * unchanged in this step (true freezing under momentum / Adam). Masks of several hooks are multiplied.
   */
  updateMasks?(ctx: StepContext): ReadonlyMap<string, tf.Tensor> | void;
  onStepEnd?(ctx: StepEndContext): void;
  onEpochEnd?(ctx: EpochEndContext): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}

/** Element-wise gradient factors by parameter name (Float32Array with the parameter's size, row-major). */
export type GradientFactors = ReadonlyMap<string, Float32Array>;

/**
 * Multiplies each listed parameter's gradient element-wise by its factor (1 = train, 1e-3 = the seed-001 damping,
 * 0 = frozen). Elements with factor exactly 0 are also frozen in the optimiser (update mask 0), so they stay bit-for-
 * bit unchanged also under momentum, Adam and weight decay. Disposes its tensors at onTrainEnd.
 */
export function gradientMaskHook(factors: GradientFactors): TrainHook {
  void factors;
  throw new Error('gradientMaskHook: not implemented yet');
}

/**
 * Per-output-channel factors → element-wise factors for the layers' kernels and biases (output channel = last axis of
 * a tfjs kernel, for conv and dense alike). `channelFactors[layer]` has one value per output channel; BN gamma/beta of
 * a layer named in `batchNormOf[layer]` get the same factors when given.
 */
export function channelGradientFactors(
  parameterInfo: readonly ParameterInfo[],
  channelFactors: Readonly<Record<string, Float32Array>>,
  batchNormOf?: Readonly<Record<string, string>>,
): Map<string, Float32Array> {
  void parameterInfo;
  void channelFactors;
  void batchNormOf;
  throw new Error('channelGradientFactors: not implemented yet');
}

export interface SnapshotHookOptions {
  /** Take 'init' before the first step (default true). */
  atInit?: boolean;
  /** Take 'epoch-{e}' after these 0-based epochs (seed 002: [0, 5, 10, 15]). */
  epochs?: readonly number[];
  /** Take 'epoch-{e}' after every k-th epoch (e % k === 0). */
  everyEpochs?: number;
}

/** Collects parameter snapshots during training; read them from `.snapshots` (label → snapshot, in order taken). */
export interface SnapshotHook extends TrainHook {
  readonly snapshots: Map<string, ParameterSnapshot>;
}

export function snapshotHook(options: SnapshotHookOptions = {}): SnapshotHook {
  void options;
  throw new Error('snapshotHook: not implemented yet');
}

/** One record of per-parameter gradient L2 norms (before any gradient transform). */
export interface GradientNormRecord {
  epoch: number;
  step: number;
  globalStep: number;
  norms: Record<string, number>;
}

export interface GradientNormHook extends TrainHook {
  readonly records: GradientNormRecord[];
}

/** Records ‖∇θ‖₂ per parameter every `everySteps` steps (default 1) — vanishing gradients per layer. */
export function gradientNormHook(options: { everySteps?: number } = {}): GradientNormHook {
  void options;
  throw new Error('gradientNormHook: not implemented yet');
}

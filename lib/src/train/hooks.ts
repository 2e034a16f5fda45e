import * as tf from '@tensorflow/tfjs';
import type { GradientFactors } from '../models/gradientFactors';
import type { ParameterInfo } from '../models/parameters';
import { takeSnapshot, type ParameterSnapshot } from '../probe/snapshot';
import type { EpochMetrics, TrainConfig } from './types';

// The factors are built from the model's parameters alone (models/), so that the kernel masks of probe/, which sit
// below train/, can build them too.
export { channelGradientFactors, type GradientFactors } from '../models/gradientFactors';

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
   * unchanged in this step (true freezing under momentum / Adam). Masks of several hooks are multiplied. Called
   * outside tf.tidy; the returned tensors stay owned by the hook (create them in onTrainBegin, dispose in onTrainEnd).
   */
  updateMasks?(ctx: StepContext): ReadonlyMap<string, tf.Tensor> | void;
  onStepEnd?(ctx: StepEndContext): void;
  onEpochEnd?(ctx: EpochEndContext): void | Promise<void>;
  /** Called at the end, also when training fails (for cleanup). */
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}

/**
 * Multiplies each listed parameter's gradient element-wise by its factor (1 = train, 1e-3 = the original masking code's damping,
 * 0 = frozen). Elements with factor exactly 0 are also frozen in the optimiser (update mask 0), so they stay bit-for-
 * bit unchanged also under momentum, Adam and weight decay. Disposes its tensors at onTrainEnd.
 */
export function gradientMaskHook(factors: GradientFactors): TrainHook {
  const factorTensors = new Map<string, tf.Tensor>();
  const updateMasks = new Map<string, tf.Tensor>();
  const release = (): void => {
    tf.dispose([...factorTensors.values(), ...updateMasks.values()]);
    factorTensors.clear();
    updateMasks.clear();
  };
  return {
    name: 'gradientMask',
    onTrainBegin(ctx: TrainContext): void {
      release();
      for (const [name, values] of factors) {
        const variable = ctx.parameters.get(name);
        if (!variable) {
          throw new Error(`gradientMaskHook: '${name}' is not a trainable parameter; trainable: ${[...ctx.parameters.keys()].join(', ')}`);
        }
        if (values.length !== variable.size) {
          throw new Error(`gradientMaskHook: factors of '${name}' have ${values.length} values, the parameter has ${variable.size}`);
        }
        factorTensors.set(name, tf.tensor(values, variable.shape, 'float32'));
        if (values.some((v) => v === 0)) {
          updateMasks.set(name, tf.tensor(values.map((v) => (v === 0 ? 0 : 1)), variable.shape, 'float32'));
        }
      }
    },
    transformGradients(grads: Map<string, tf.Tensor>): Map<string, tf.Tensor> {
      for (const [name, factor] of factorTensors) {
        const g = grads.get(name);
        if (g) grads.set(name, tf.mul(g, factor));
      }
      return grads;
    },
    updateMasks: () => updateMasks,
    onTrainEnd: release,
  };
}

export interface SnapshotHookOptions {
  /** Take 'init' before the first step (default true). */
  atInit?: boolean;
  /** Take 'epoch-{e}' after these 0-based epochs (the original parameter-change study: [0, 5, 10, 15]). */
  epochs?: readonly number[];
  /** Take 'epoch-{e}' after every k-th epoch (e % k === 0). */
  everyEpochs?: number;
}

/** Collects parameter snapshots during training; read them from `.snapshots` (label → snapshot, in order taken). */
export interface SnapshotHook extends TrainHook {
  readonly snapshots: Map<string, ParameterSnapshot>;
}

export function snapshotHook(options: SnapshotHookOptions = {}): SnapshotHook {
  const snapshots = new Map<string, ParameterSnapshot>();
  const epochs = new Set(options.epochs ?? []);
  const every = options.everyEpochs;
  if (every !== undefined && !(Number.isInteger(every) && every >= 1)) {
    throw new Error(`snapshotHook: everyEpochs must be a positive integer, got ${every}`);
  }
  return {
    name: 'snapshot',
    snapshots,
    onTrainBegin(ctx: TrainContext): void {
      snapshots.clear();
      if (options.atInit ?? true) snapshots.set('init', takeSnapshot(ctx.model, 'init'));
    },
    onEpochEnd(ctx: EpochEndContext): void {
      if (epochs.has(ctx.epoch) || (every !== undefined && ctx.epoch % every === 0)) {
        const label = `epoch-${ctx.epoch}`;
        snapshots.set(label, takeSnapshot(ctx.model, label));
      }
    },
  };
}

/** One record of per-parameter gradient L2 norms (as left by the hooks listed before the norm hook). */
export interface GradientNormRecord {
  epoch: number;
  step: number;
  globalStep: number;
  norms: Record<string, number>;
}

export interface GradientNormHook extends TrainHook {
  readonly records: GradientNormRecord[];
}

/**
 * Records ‖∇θ‖₂ per parameter every `everySteps` steps (default 1) — vanishing gradients per layer. It sees the
 * gradients as left by the hooks before it: put it first to record raw gradients.
 */
export function gradientNormHook(options: { everySteps?: number } = {}): GradientNormHook {
  const every = options.everySteps ?? 1;
  if (!(Number.isInteger(every) && every >= 1)) throw new Error(`gradientNormHook: everySteps must be a positive integer, got ${every}`);
  const records: GradientNormRecord[] = [];
  return {
    name: 'gradientNorm',
    records,
    onTrainBegin(): void {
      records.length = 0;
    },
    transformGradients(grads: Map<string, tf.Tensor>, ctx: StepContext): void {
      if (ctx.globalStep % every !== 0) return;
      const names = [...grads.keys()];
      const values = tf.stack(names.map((n) => tf.norm(grads.get(n) as tf.Tensor))).dataSync();
      const norms: Record<string, number> = {};
      names.forEach((n, i) => (norms[n] = values[i] as number));
      records.push({ epoch: ctx.epoch, step: ctx.step, globalStep: ctx.globalStep, norms });
    },
  };
}

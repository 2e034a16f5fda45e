// What one training run of the masking study does with its budget and what it reports (shared by the full-network
// runs and the linear probe on cached features).
import type * as tf from '@tensorflow/tfjs';
import { convLayerNames } from '../../probe/kernelCapture';
import { evaluateModel } from '../../train/evaluate';
import type { TrainHook } from '../../train/hooks';
import { train, type TrainConfig } from '../../train/loop';
import type { LabelledBatchSource } from '../../data/source';
import type { MaskingTrainingConfig } from './config';

/** Epochs and patience from the step budget for a training set of `count` images. */
export function maskingTrainSchedule(training: MaskingTrainingConfig, count: number): { epochs: number; patience: number; batchSize: number } {
  const batchSize = Math.min(training.batchSize, count);
  const stepsPerEpoch = Math.ceil(count / batchSize);
  const epochs = Math.max(1, Math.min(training.maxEpochs, Math.ceil(training.stepBudget / stepsPerEpoch)));
  const patience = Math.max(training.minPatienceEpochs, Math.ceil(training.patienceSteps / stepsPerEpoch));
  return { epochs, patience, batchSize };
}

/**
 * The training loop's settings for one run on `count` training images: Adam at the configured lr, the budget's
 * epochs, early stopping on the validation metric, the best checkpoint restored (every method, the probe included).
 */
export function maskingTrainConfig(training: MaskingTrainingConfig, count: number, seed: number): TrainConfig {
  const schedule = maskingTrainSchedule(training, count);
  return {
    epochs: schedule.epochs,
    batchSize: schedule.batchSize,
    seed,
    optimizer: { kind: 'adam', lr: training.lr },
    monitor: training.monitor,
    earlyStopping: { patience: schedule.patience },
    restoreBest: true,
    progress: false,
    ...(training.evalBatchSize !== undefined ? { evalBatchSize: training.evalBatchSize } : {}),
  };
}

/**
 * The convergence criterion of a fine-tuning run, fixed before the runs: early stopping ended it (the validation
 * loss stopped improving for the patience) before the step budget ran out. A run cut off by the budget may still have
 * been improving; it is kept in the tables and figures but left out of the verdicts.
 */
export function maskingRunStoppedEarly(epochsRun: number, scheduledEpochs: number): boolean {
  return epochsRun < scheduledEpochs;
}

/** What one run reports (cached as JSON). */
export interface MaskingRunResult {
  testAccuracy: number;
  testLoss: number;
  /** Labelled images the run used: trainImages + validationImages never exceed the cell's n. */
  trainImages: number;
  validationImages: number;
  /** Accuracy and loss on its own training images at the restored best checkpoint (the train side of the gap). */
  trainAccuracy: number;
  trainLoss: number;
  bestValAccuracy: number;
  bestValLoss: number;
  bestEpoch: number;
  epochsRun: number;
  trainMs: number;
  /** Masked kernels (masked methods) or kernels in frozen conv layers (freeze / linear probe), and all conv kernels. */
  maskedKernels: number;
  totalKernels: number;
  /** Masked kernels per compared conv layer (masked methods). */
  maskedPerLayer: number[];
}

/** Filters (kernels) of the named conv layers of `model`, all of its conv layers by default. */
export function maskingConvKernels(model: tf.LayersModel, names: readonly string[] = convLayerNames(model)): number {
  return names.reduce((s, n) => s + Number(model.getLayer(n).getConfig()['filters']), 0);
}

/**
 * Trains `model` with the study's settings (maskingTrainConfig) and reports the run: test metrics, the best
 * validation epoch, and the restored best weights on the training images, in inference mode like the validation and
 * test numbers. `kernels` says what the method froze or masked; the caller owns (and disposes) the model.
 */
export async function trainMaskingRun(
  model: tf.LayersModel,
  data: { train: LabelledBatchSource; val: LabelledBatchSource; test: LabelledBatchSource },
  training: MaskingTrainingConfig,
  seed: number,
  kernels: { maskedKernels: number; totalKernels: number; maskedPerLayer: number[] },
  hooks: TrainHook[] = [],
): Promise<MaskingRunResult> {
  const result = await train(model, data, maskingTrainConfig(training, data.train.count, seed), hooks);
  const best = result.history[result.bestEpoch];
  const onTrain = await evaluateModel(model, data.train);
  return {
    testAccuracy: result.test?.accuracy ?? NaN,
    testLoss: result.test?.loss ?? NaN,
    trainImages: data.train.count,
    validationImages: data.val.count,
    trainAccuracy: onTrain.accuracy,
    trainLoss: onTrain.loss,
    bestValAccuracy: best?.valAccuracy ?? NaN,
    bestValLoss: best?.valLoss ?? NaN,
    bestEpoch: result.bestEpoch,
    epochsRun: result.epochsRun,
    trainMs: result.elapsedMs,
    ...kernels,
  };
}

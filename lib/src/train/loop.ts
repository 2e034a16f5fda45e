import * as tf from '@tensorflow/tfjs';
import { describeParameters, trainableVariablesByName } from '../models/parameters';
import { cloneSnapshot, takeSnapshot, writeSnapshot, type ParameterSnapshot } from '../probe/snapshot';
import { createProgress } from '../util/progress';
import { createRng } from '../util/random';
import { applyModel, batchTensors, evaluateModel, softmaxCrossEntropyAndCorrect, type EvaluationResult } from './evaluate';
import type { EpochContext, EpochEndContext, StepContext, StepEndContext, TrainContext, TrainHook } from './hooks';
import { createOptimizer, type OptimizerConfig } from './optimizers';
import type { LabelledBatch, LabelledBatchSource } from './source';

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

function checkTrainConfig(config: TrainConfig, data: TrainData): void {
  const positiveInt = (what: string, v: number | undefined, allowZero = false): void => {
    if (v === undefined) return;
    if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
      throw new Error(`train: config.${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${v}`);
    }
  };
  positiveInt('epochs', config.epochs, true);
  positiveInt('batchSize', config.batchSize);
  positiveInt('evalBatchSize', config.evalBatchSize);
  positiveInt('maxStepsPerEpoch', config.maxStepsPerEpoch);
  if (!Number.isFinite(config.seed)) throw new Error(`train: config.seed must be a finite number, got ${config.seed}`);
  if (config.earlyStopping) positiveInt('earlyStopping.patience', config.earlyStopping.patience);
  if (data.train.count < 1) throw new Error('train: the training source has no examples');
  if (config.dropLast && data.train.count < config.batchSize) {
    throw new Error(`train: dropLast with batchSize ${config.batchSize} > ${data.train.count} training examples leaves no step`);
  }
}

/**
 * The model's output width must equal every source's class count: with fewer outputs some labels have no logit (the
 * plain cpu kernel then silently drops them, others raise mid-step); with more, the extra classes never appear.
 */
function checkModelFitsData(model: tf.LayersModel, data: TrainData): void {
  const shape = model.outputs[0]?.shape;
  const width = shape?.[shape.length - 1];
  for (const [split, source] of [['training', data.train], ['validation', data.val], ['test', data.test]] as const) {
    if (source && width !== source.classes) {
      throw new Error(`train: model '${model.name}' outputs ${width ?? 'an unknown number of'} logits [${shape?.map((d) => d ?? 'N').join(', ')}] but the ${split} source has ${source.classes} classes; build the model with ${source.classes} outputs`);
    }
  }
}

/**
 * Checks a batch in plain JS before any tensor exists: a rejection inside the gradient tape would leave the tensors
 * tfjs saved for the backward pass alive (they are kept outside tf.tidy until backprop consumes them).
 */
function checkBatch(batch: LabelledBatch, classes: number, where: string): void {
  const n = batch.shape[0] ?? 0;
  const size = batch.shape.reduce((a, d) => a * d, 1);
  if (batch.labels.length !== n || batch.xs.length !== size) {
    throw new Error(`train: ${where}: batch of shape [${batch.shape.join(', ')}] has ${batch.xs.length} input values and ${batch.labels.length} labels`);
  }
  for (let i = 0; i < n; i++) {
    const label = batch.labels[i] as number;
    if (!(label >= 0 && label < classes)) throw new Error(`train: ${where}: label ${label} of row ${i} is outside 0..${classes - 1}`);
  }
}

/**
 * Trains a model that outputs logits with softmax cross-entropy, by custom steps: forward in training mode
 * (BatchNorm uses batch statistics and updates its moving statistics), gradients of the trainable variables,
 * hooks' gradient transforms and update masks, then our optimiser. Validation each epoch, best checkpoint, early
 * stopping, progress with ETA. Deterministic: same model init + config → bit-identical weights on one backend.
 * A non-finite loss throws NonFiniteLossError before that step's update (the model keeps the last finite state).
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  config: TrainConfig,
  hooks: readonly TrainHook[] = [],
): Promise<TrainResult> {
  checkTrainConfig(config, data);
  checkModelFitsData(model, data);
  const started = performance.now();
  const parameters = trainableVariablesByName(model);
  if (parameters.size === 0) throw new Error(`train: model '${model.name}' has no trainable parameters`);
  const names = [...parameters.keys()];
  const varList = [...parameters.values()];
  const optimizer = createOptimizer(config.optimizer, parameters);
  const orderRng = createRng(config.seed);
  const augmentRng = createRng(orderRng.uint32());
  const n = data.train.count;
  const batchSize = config.batchSize;
  let stepsPerEpoch = config.dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  if (config.maxStepsPerEpoch !== undefined) stepsPerEpoch = Math.min(stepsPerEpoch, config.maxStepsPerEpoch);
  const evalBatchSize = config.evalBatchSize ?? Math.max(batchSize, 256);
  const monitor = config.monitor ?? 'val-accuracy';
  const history: EpochMetrics[] = [];
  const ctx: TrainContext = {
    model,
    config,
    parameters,
    parameterInfo: describeParameters(model),
    stepsPerEpoch,
    history,
    stopTraining: false,
  };
  const progress = createProgress({
    label: config.progress === false ? 'train' : (config.progress ?? 'train'),
    total: config.epochs * stepsPerEpoch,
    unit: 'steps',
    ...(config.progress === false ? { quiet: true } : {}),
  });
  const stepLosses: number[] = [];
  let best: ParameterSnapshot | undefined;
  let bestEpoch = -1;
  let bestValue = NaN;
  let sinceBest = 0;
  let stoppedEarly = false;
  let stopReason: string | undefined;
  let globalStep = 0;
  let failed = true;
  try {
    for (const hook of hooks) await hook.onTrainBegin?.(ctx);
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const epochStart = performance.now();
      const epochCtx: EpochContext = Object.assign(ctx, { epoch });
      for (const hook of hooks) await hook.onEpochBegin?.(epochCtx);
      const order = config.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : orderRng.permutation(n);
      const lr = config.lrSchedule ? config.lrSchedule(epoch) : config.optimizer.lr;
      let lossSum = 0;
      let correctSum = 0;
      let seen = 0;
      let stepMs = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const stepStart = performance.now();
        const indices = order.subarray(step * batchSize, Math.min(n, (step + 1) * batchSize));
        const batch = data.train.batch(indices, augmentRng);
        checkBatch(batch, data.train.classes, `epoch ${epoch} step ${step}`);
        const stepCtx: StepContext = Object.assign(epochCtx, { step, globalStep, lr, batchSize: indices.length });
        // Phase 1: loss and gradients (kept), so that a non-finite loss stops before any update.
        let correct: tf.Scalar | undefined;
        const { value, grads } = tf.tidy(() => {
          const { xs, labels } = batchTensors(batch);
          return tf.variableGrads(() => {
            const r = softmaxCrossEntropyAndCorrect(applyModel(model, xs, true), labels);
            correct = tf.keep(r.correct);
            return r.loss;
          }, varList);
        });
        const loss = (await value.data())[0] as number;
        const right = correct ? ((await correct.data())[0] as number) : 0;
        value.dispose();
        correct?.dispose();
        if (!Number.isFinite(loss)) {
          tf.dispose(grads);
          throw new NonFiniteLossError(epoch, step, loss);
        }
        // Phase 2: hooks' gradient transforms, update masks, optimiser step.
        const masks: ReadonlyMap<string, tf.Tensor>[] = [];
        for (const hook of hooks) {
          const m = hook.updateMasks?.(stepCtx);
          if (m && m.size > 0) masks.push(m);
        }
        tf.tidy(() => {
          let gradMap = new Map<string, tf.Tensor>();
          for (let i = 0; i < names.length; i++) {
            const g = grads[(varList[i] as tf.Variable).name];
            if (g) gradMap.set(names[i] as string, g);
          }
          for (const hook of hooks) {
            const out = hook.transformGradients?.(gradMap, stepCtx);
            if (out) gradMap = out;
          }
          let updateMasks: Map<string, tf.Tensor> | undefined;
          for (const m of masks) {
            updateMasks ??= new Map();
            for (const [name, mask] of m) {
              const prev = updateMasks.get(name);
              updateMasks.set(name, prev ? tf.mul(prev, mask) : mask);
            }
          }
          optimizer.step(gradMap, { lr, ...(updateMasks ? { updateMasks } : {}) });
        });
        tf.dispose(grads);
        stepMs += performance.now() - stepStart;
        stepLosses.push(loss);
        lossSum += loss * indices.length;
        correctSum += right;
        seen += indices.length;
        for (const hook of hooks) hook.onStepEnd?.(Object.assign(stepCtx, { loss }) as StepEndContext);
        globalStep += 1;
        progress.update(globalStep, `epoch ${epoch + 1}/${config.epochs} loss ${loss.toFixed(4)}`);
      }
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: lossSum / seen,
        trainAccuracy: correctSum / seen,
        lr,
        elapsedMs: 0,
        samplesPerSecond: seen / (stepMs / 1000),
      };
      if (data.val) {
        const v = await evaluateModel(model, data.val, { batchSize: evalBatchSize });
        metrics.valLoss = v.loss;
        metrics.valAccuracy = v.accuracy;
      }
      metrics.elapsedMs = performance.now() - epochStart;
      history.push(metrics);
      if (data.val) {
        const value = monitor === 'val-loss' ? (metrics.valLoss as number) : (metrics.valAccuracy as number);
        const minDelta = config.earlyStopping?.minDelta ?? 0;
        const improved =
          bestEpoch < 0 ? Number.isFinite(value) : monitor === 'val-loss' ? value < bestValue - minDelta : value > bestValue + minDelta;
        if (improved || bestEpoch < 0) {
          best = takeSnapshot(model, 'best');
          bestEpoch = epoch;
          bestValue = value;
          sinceBest = 0;
        } else {
          sinceBest += 1;
        }
      }
      for (const hook of hooks) await hook.onEpochEnd?.(Object.assign(epochCtx, { metrics }) as EpochEndContext);
      if (config.earlyStopping && data.val && sinceBest >= config.earlyStopping.patience) {
        stoppedEarly = true;
        stopReason = `early stopping: no ${monitor} improvement for ${sinceBest} epochs (best epoch ${bestEpoch})`;
        break;
      }
      if (ctx.stopTraining) {
        stoppedEarly = true;
        stopReason = ctx.stopReason ?? 'stopped by a hook';
        break;
      }
    }
    const last = takeSnapshot(model, 'last');
    if (!best) {
      best = cloneSnapshot(last, 'best');
      bestEpoch = history.length - 1;
    }
    if ((config.restoreBest ?? true) && data.val && bestEpoch !== history.length - 1) writeSnapshot(model, best);
    const result: TrainResult = {
      history,
      bestEpoch,
      best,
      last,
      stepLosses: Float32Array.from(stepLosses),
      epochsRun: history.length,
      stoppedEarly,
      elapsedMs: 0,
    };
    if (stopReason !== undefined) result.stopReason = stopReason;
    if (data.test) result.test = await evaluateModel(model, data.test, { batchSize: evalBatchSize });
    result.elapsedMs = performance.now() - started;
    failed = false;
    const lastMetrics = history[history.length - 1];
    progress.finish(
      lastMetrics
        ? `loss ${lastMetrics.trainLoss.toFixed(4)}` + (lastMetrics.valAccuracy !== undefined ? ` val acc ${(100 * lastMetrics.valAccuracy).toFixed(2)}%` : '')
        : 'no epochs',
    );
    return result;
  } finally {
    optimizer.dispose();
    for (const hook of hooks) await hook.onTrainEnd?.(ctx);
    if (failed) progress.finish('failed');
  }
}

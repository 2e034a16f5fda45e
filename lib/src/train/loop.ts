import * as tf from '@tensorflow/tfjs';
import { describeParameters, trainableVariablesByName } from '../models/parameters';
import { cloneSnapshot, takeSnapshot, writeSnapshot, type ParameterSnapshot } from '../probe/snapshot';
import { createProgress, type Progress } from '../util/progress';
import { createRng, type Rng } from '../util/random';
import { applyModel, batchTensors, evaluateModel, softmaxCrossEntropyAndCorrect, type EvaluationResult } from './evaluate';
import type { EpochContext, EpochEndContext, StepContext, StepEndContext, TrainContext, TrainHook } from './hooks';
import { createOptimizer, type ParameterOptimizer } from './optimizers';
import type { LabelledBatch, LabelledBatchSource } from '../data/source';
import type { EpochMetrics, TrainConfig } from './types';

export type { EarlyStoppingConfig, EpochMetrics, TrainConfig } from './types';

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

/** Everything one training run keeps between its steps and epochs. */
interface TrainRun {
  readonly model: tf.LayersModel;
  readonly data: TrainData;
  readonly config: TrainConfig;
  readonly hooks: readonly TrainHook[];
  /** Canonical parameter names and their variables, in the same order. */
  readonly names: readonly string[];
  readonly varList: tf.Variable[];
  readonly optimizer: ParameterOptimizer;
  readonly orderRng: Rng;
  readonly augmentRng: Rng;
  readonly stepsPerEpoch: number;
  readonly evalBatchSize: number;
  readonly monitor: NonNullable<TrainConfig['monitor']>;
  readonly history: EpochMetrics[];
  readonly ctx: TrainContext;
  readonly progress: Progress;
  readonly stepLosses: number[];
  globalStep: number;
  /** The best checkpoint by the monitored validation metric so far (epoch -1: none yet). */
  readonly best: { snapshot?: ParameterSnapshot; epoch: number; value: number; epochsSince: number };
}

/** Sums over one epoch's steps. */
interface EpochTotals { loss: number; correct: number; seen: number; stepMs: number }

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
  const run = startRun(model, data, config, hooks);
  let failed = true;
  try {
    for (const hook of hooks) await hook.onTrainBegin?.(run.ctx);
    let stopReason: string | undefined;
    for (let epoch = 0; epoch < config.epochs && stopReason === undefined; epoch++) stopReason = await runEpoch(run, epoch);
    const result = await finishRun(run, stopReason, started);
    failed = false;
    const lastMetrics = run.history[run.history.length - 1];
    run.progress.finish(
      lastMetrics
        ? `loss ${lastMetrics.trainLoss.toFixed(4)}` + (lastMetrics.valAccuracy !== undefined ? ` val acc ${(100 * lastMetrics.valAccuracy).toFixed(2)}%` : '')
        : 'no epochs',
    );
    return result;
  } finally {
    run.optimizer.dispose();
    for (const hook of hooks) await hook.onTrainEnd?.(run.ctx);
    if (failed) run.progress.finish('failed');
  }
}

/** The run's optimiser, random streams, step count, hook context and progress bar. */
function startRun(model: tf.LayersModel, data: TrainData, config: TrainConfig, hooks: readonly TrainHook[]): TrainRun {
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
  return {
    model, data, config, hooks, names, varList, optimizer, orderRng, augmentRng, stepsPerEpoch, evalBatchSize, monitor,
    history, ctx, progress, stepLosses: [], globalStep: 0, best: { epoch: -1, value: NaN, epochsSince: 0 },
  };
}

/** One epoch: its steps, validation, best checkpoint and hooks. Returns why training stops after it, if it does. */
async function runEpoch(run: TrainRun, epoch: number): Promise<string | undefined> {
  const { config, data, hooks } = run;
  const epochStart = performance.now();
  const epochCtx: EpochContext = Object.assign(run.ctx, { epoch });
  for (const hook of hooks) await hook.onEpochBegin?.(epochCtx);
  const n = data.train.count;
  const order = config.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : run.orderRng.permutation(n);
  const lr = config.lrSchedule ? config.lrSchedule(epoch) : config.optimizer.lr;
  const totals: EpochTotals = { loss: 0, correct: 0, seen: 0, stepMs: 0 };
  for (let step = 0; step < run.stepsPerEpoch; step++) await runStep(run, epochCtx, order, step, lr, totals);
  const metrics: EpochMetrics = {
    epoch,
    trainLoss: totals.loss / totals.seen,
    trainAccuracy: totals.correct / totals.seen,
    lr,
    elapsedMs: 0,
    samplesPerSecond: totals.seen / (totals.stepMs / 1000),
  };
  if (data.val) {
    const v = await evaluateModel(run.model, data.val, { batchSize: run.evalBatchSize });
    metrics.valLoss = v.loss;
    metrics.valAccuracy = v.accuracy;
  }
  metrics.elapsedMs = performance.now() - epochStart;
  run.history.push(metrics);
  if (data.val) trackBest(run, epoch, metrics);
  for (const hook of hooks) await hook.onEpochEnd?.(Object.assign(epochCtx, { metrics }) as EpochEndContext);
  return stopReasonAfterEpoch(run);
}

/** One optimisation step on the batch at `order[step * batchSize ...]`. */
async function runStep(run: TrainRun, epochCtx: EpochContext, order: Int32Array, step: number, lr: number, totals: EpochTotals): Promise<void> {
  const { config, data, hooks } = run;
  const stepStart = performance.now();
  const indices = order.subarray(step * config.batchSize, Math.min(data.train.count, (step + 1) * config.batchSize));
  const batch = data.train.batch(indices, run.augmentRng);
  checkBatch(batch, data.train.classes, `epoch ${epochCtx.epoch} step ${step}`);
  const stepCtx: StepContext = Object.assign(epochCtx, { step, globalStep: run.globalStep, lr, batchSize: indices.length });
  const { loss, correct, grads } = await lossAndGradients(run, batch, epochCtx.epoch, step);
  applyUpdate(run, grads, hookUpdateMasks(hooks, stepCtx), stepCtx, lr);
  tf.dispose(grads);
  totals.stepMs += performance.now() - stepStart;
  run.stepLosses.push(loss);
  totals.loss += loss * indices.length;
  totals.correct += correct;
  totals.seen += indices.length;
  for (const hook of hooks) hook.onStepEnd?.(Object.assign(stepCtx, { loss }) as StepEndContext);
  run.globalStep += 1;
  run.progress.update(run.globalStep, `epoch ${epochCtx.epoch + 1}/${config.epochs} loss ${loss.toFixed(4)}`);
}

/**
 * Phase 1 of a step: the batch's loss, correct count and gradients (kept), so that a non-finite loss stops training
 * before any update.
 */
async function lossAndGradients(run: TrainRun, batch: LabelledBatch, epoch: number, step: number): Promise<{ loss: number; correct: number; grads: tf.NamedTensorMap }> {
  let correct: tf.Scalar | undefined;
  const { value, grads } = tf.tidy(() => {
    const { xs, labels } = batchTensors(batch);
    return tf.variableGrads(() => {
      const r = softmaxCrossEntropyAndCorrect(applyModel(run.model, xs, true), labels);
      correct = tf.keep(r.correct);
      return r.loss;
    }, run.varList);
  });
  const loss = (await value.data())[0] as number;
  const right = correct ? ((await correct.data())[0] as number) : 0;
  value.dispose();
  correct?.dispose();
  if (!Number.isFinite(loss)) {
    tf.dispose(grads);
    throw new NonFiniteLossError(epoch, step, loss);
  }
  return { loss, correct: right, grads };
}

/** The update masks the hooks ask for this step (asked before the update's tidy: hooks may keep what they return). */
function hookUpdateMasks(hooks: readonly TrainHook[], stepCtx: StepContext): ReadonlyMap<string, tf.Tensor>[] {
  const masks: ReadonlyMap<string, tf.Tensor>[] = [];
  for (const hook of hooks) {
    const m = hook.updateMasks?.(stepCtx);
    if (m && m.size > 0) masks.push(m);
  }
  return masks;
}

/** Phase 2 of a step: hooks' gradient transforms, the product of the update masks, the optimiser step. */
function applyUpdate(run: TrainRun, grads: tf.NamedTensorMap, masks: readonly ReadonlyMap<string, tf.Tensor>[], stepCtx: StepContext, lr: number): void {
  tf.tidy(() => {
    let gradMap = new Map<string, tf.Tensor>();
    for (let i = 0; i < run.names.length; i++) {
      const g = grads[(run.varList[i] as tf.Variable).name];
      if (g) gradMap.set(run.names[i] as string, g);
    }
    for (const hook of run.hooks) {
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
    run.optimizer.step(gradMap, { lr, ...(updateMasks ? { updateMasks } : {}) });
  });
}

/** Keeps a snapshot of the weights when the monitored validation metric improved (the first finite value counts). */
function trackBest(run: TrainRun, epoch: number, metrics: EpochMetrics): void {
  const best = run.best;
  const value = run.monitor === 'val-loss' ? (metrics.valLoss as number) : (metrics.valAccuracy as number);
  const minDelta = run.config.earlyStopping?.minDelta ?? 0;
  const improved =
    best.epoch < 0 ? Number.isFinite(value) : run.monitor === 'val-loss' ? value < best.value - minDelta : value > best.value + minDelta;
  if (improved || best.epoch < 0) {
    best.snapshot = takeSnapshot(run.model, 'best');
    best.epoch = epoch;
    best.value = value;
    best.epochsSince = 0;
  } else {
    best.epochsSince += 1;
  }
}

function stopReasonAfterEpoch(run: TrainRun): string | undefined {
  const { config, data, best } = run;
  if (config.earlyStopping && data.val && best.epochsSince >= config.earlyStopping.patience) {
    return `early stopping: no ${run.monitor} improvement for ${best.epochsSince} epochs (best epoch ${best.epoch})`;
  }
  if (run.ctx.stopTraining) return run.ctx.stopReason ?? 'stopped by a hook';
  return undefined;
}

/** The last and best weights (the best restored into the model when asked), the test metrics and the result. */
async function finishRun(run: TrainRun, stopReason: string | undefined, started: number): Promise<TrainResult> {
  const { model, data, config, history } = run;
  const last = takeSnapshot(model, 'last');
  let best = run.best.snapshot;
  let bestEpoch = run.best.epoch;
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
    stepLosses: Float32Array.from(run.stepLosses),
    epochsRun: history.length,
    stoppedEarly: stopReason !== undefined,
    elapsedMs: 0,
  };
  if (stopReason !== undefined) result.stopReason = stopReason;
  if (data.test) result.test = await evaluateModel(model, data.test, { batchSize: run.evalBatchSize });
  result.elapsedMs = performance.now() - started;
  return result;
}

import type { MeanCI } from '../../stats/intervals';
import {
  MlpReplicas,
  StackedAdam,
  forEachHiddenBatch,
  mlpForwardMultiplyAdds,
  mlpReplicaCorrect,
  mlpTrainMultiplyAdds,
  resizeMlpReplicasHidden,
  trainReplicas,
  PYTORCH_ADAM_DEFAULTS,
} from '../../train/replicas';
import type { LabelledBatchSource } from '../../data/source';
import { createRng } from '../../util/random';
import type { Scale } from '../../util/scale';
import { replicateInterval, type ActivationVarianceData } from './run';
import { RunningMoments } from '../../probe/moments';
import { deriveExperimentSeed } from './stats';
import { ActivationVarianceDataset } from './config';

/**
 * Beyond the original (its unfinished "training algorithm that uses this metric for resizing the layers"): a width
 * search driven by the per-neuron activation std, compared with training the width it finds from scratch.
 *
 * Rule, checked after every epoch but the last, on a fixed probe subset of the training set:
 * - neurons whose std is below `pruneBelow` are pruned (their incoming and outgoing weights removed);
 * - while growing is still allowed, the layer grows by `growFactor` when the pruned share was at most
 *   `growWhenPrunedShareAtMost` (0 = "grow when none are dead"), new units starting with zero outgoing weights;
 * - the first time the pruned share exceeds that, growing stops for good (the layer is judged big enough) and
 *   later checks only prune.
 * Adam moments of kept units carry over across a resize; the last epoch always trains at a fixed width.
 */
export interface ActivationVarianceResizeConfig {
  dataset: ActivationVarianceDataset;
  startWidth: number;
  minWidth: number;
  maxWidth: number;
  growFactor: number;
  pruneBelow: number;
  growWhenPrunedShareAtMost: number;
  epochs: number;
  replicates: number;
  batchSize: number;
  lr: number;
  seed: number;
  scale: Scale;
  normalization: { mean: number; std: number };
  trainLimit: number | null;
  testLimit: number | null;
  /** Training examples (a seeded subset) on which the std is measured at each check. */
  probeExamples: number;
}

export function activationVarianceResizeConfig(scale: Scale, dataset: ActivationVarianceDataset): ActivationVarianceResizeConfig {
  const common = {
    dataset,
    minWidth: 8,
    growFactor: 2,
    pruneBelow: 1e-2,
    growWhenPrunedShareAtMost: 0,
    batchSize: 128,
    lr: 1e-3,
    seed: 3,
    scale,
    normalization: { mean: 0.1307, std: 0.3081 },
  };
  switch (scale) {
    case 'full':
      return { ...common, startWidth: 16, maxWidth: 11585, epochs: 30, replicates: 11, trainLimit: null, testLimit: null, probeExamples: 60000 };
    case 'standard':
      return { ...common, startWidth: 16, maxWidth: 2896, epochs: 5, replicates: 5, trainLimit: null, testLimit: null, probeExamples: 10000 };
    case 'quick':
      return { ...common, startWidth: 16, maxWidth: 1024, epochs: 4, replicates: 3, trainLimit: null, testLimit: null, probeExamples: 10000 };
    case 'tiny':
      return { ...common, startWidth: 8, maxWidth: 64, epochs: 3, replicates: 2, trainLimit: 2000, testLimit: 500, probeExamples: 500 };
  }
}

export type WidthResizeAction = 'grow' | 'prune' | 'prune-and-stop-growing' | 'keep';

export interface WidthResizeStep {
  /** After this many epochs. */
  epoch: number;
  widthBefore: number;
  /** Neurons with probe std below pruneBelow, and with std exactly 0. */
  belowThreshold: number;
  dead: number;
  action: WidthResizeAction;
  widthAfter: number;
  testAccuracy: number;
}

export interface WidthResizeRun {
  replicate: number;
  steps: WidthResizeStep[];
  finalWidth: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Multiply-adds of training plus the probe passes. */
  multiplyAdds: number;
  wallMs: number;
}

export interface WidthScratchRun {
  replicate: number;
  width: number;
  trainAccuracy: number;
  testAccuracy: number;
  multiplyAdds: number;
  wallMs: number;
}

export interface ActivationVarianceResizeResult {
  config: ActivationVarianceResizeConfig;
  resized: WidthResizeRun[];
  scratch: WidthScratchRun[];
  summary: {
    finalWidth: MeanCI;
    resizedTestAccuracy: MeanCI;
    scratchTestAccuracy: MeanCI;
    /** Mean over replicates of (resized − scratch) test accuracy, paired by replicate. */
    testAccuracyDifference: MeanCI;
    resizedMultiplyAdds: number;
    scratchMultiplyAdds: number;
    resizedWallMs: number;
    scratchWallMs: number;
  };
}

function probeSource(source: LabelledBatchSource, count: number, seed: number): LabelledBatchSource {
  if (count >= source.count) return source;
  const chosen = createRng(seed).permutation(source.count).subarray(0, count).sort();
  return {
    count,
    exampleShape: source.exampleShape,
    classes: source.classes,
    batch: (indices) => source.batch(Int32Array.from(indices, (i) => chosen[i] as number)),
  };
}

/** Per-neuron std (ddof 1) of a single-replica model over a source. */
function hiddenStds(model: MlpReplicas, source: LabelledBatchSource): Float64Array {
  const moments = new RunningMoments(model.replicas * model.hiddenSize);
  forEachHiddenBatch(model, source, 1000, (hidden, _p, labels) => moments.addRows(hidden, labels.length));
  return moments.std(1);
}

function accuracy(model: MlpReplicas, source: LabelledBatchSource): number {
  return (mlpReplicaCorrect(model, source)[0] as number) / source.count;
}

function checkResizeConfig(c: ActivationVarianceResizeConfig): void {
  const bad = (what: string): never => {
    throw new Error(`activationVarianceResize config: ${what}`);
  };
  if (!(c.minWidth >= 1 && c.startWidth >= c.minWidth && c.maxWidth >= c.startWidth)) {
    bad(`need 1 <= minWidth <= startWidth <= maxWidth, got ${c.minWidth}, ${c.startWidth}, ${c.maxWidth}`);
  }
  if (!(c.growFactor > 1)) bad(`growFactor must be > 1, got ${c.growFactor}`);
  if (!(c.pruneBelow >= 0)) bad(`pruneBelow must be >= 0, got ${c.pruneBelow}`);
  for (const [k, v] of [['epochs', c.epochs], ['replicates', c.replicates], ['batchSize', c.batchSize], ['probeExamples', c.probeExamples]] as const) {
    if (!Number.isInteger(v) || v < 1) bad(`${k} must be a positive integer, got ${v}`);
  }
}

/** One replicate of the std-driven resizing procedure. */
export function runResizeReplicate(config: ActivationVarianceResizeConfig, data: ActivationVarianceData, replicate: number): WidthResizeRun {
  const start = Date.now();
  const inputSize = data.train.exampleShape.reduce((a, b) => a * b, 1);
  const classes = data.train.classes;
  const probe = probeSource(data.train, config.probeExamples, deriveExperimentSeed(config.seed, config.dataset, 'resize-probe'));
  let model = MlpReplicas.create({
    inputSize,
    hiddenSize: config.startWidth,
    outputSize: classes,
    seeds: [deriveExperimentSeed(config.seed, config.dataset, 'resize-init', replicate)],
  });
  let optimizer = new StackedAdam(model.variables, { ...PYTORCH_ADAM_DEFAULTS, lr: config.lr });
  let growing = true;
  let multiplyAdds = 0;
  const steps: WidthResizeStep[] = [];
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const trained = trainReplicas({
      model,
      source: data.train,
      epochs: 1,
      batchSize: config.batchSize,
      shuffleSeed: deriveExperimentSeed(config.seed, config.dataset, 'resize-shuffle', replicate, epoch),
      optimizer,
    });
    multiplyAdds += trained.examplesSeen * mlpTrainMultiplyAdds(inputSize, model.hiddenSize, classes);
    if (epoch === config.epochs - 1) break;
    const stds = hiddenStds(model, probe);
    multiplyAdds += probe.count * mlpForwardMultiplyAdds(inputSize, model.hiddenSize, classes);
    const width = model.hiddenSize;
    const keep: number[] = [];
    let dead = 0;
    stds.forEach((s, j) => {
      if (s === 0) dead++;
      if (s >= config.pruneBelow) keep.push(j);
    });
    const below = width - keep.length;
    if (keep.length < config.minWidth) {
      // keep the minWidth most active units
      const order = Array.from(stds.keys()).sort((a, b) => (stds[b] as number) - (stds[a] as number));
      keep.splice(0, keep.length, ...order.slice(0, config.minWidth).sort((a, b) => a - b));
    }
    let action: WidthResizeAction = 'keep';
    let grow = 0;
    if (growing && below / width <= config.growWhenPrunedShareAtMost) {
      grow = Math.max(0, Math.min(config.maxWidth, Math.round(keep.length * config.growFactor)) - keep.length);
      action = grow > 0 ? 'grow' : below > 0 ? 'prune' : 'keep';
    } else if (below > 0) {
      action = growing ? 'prune-and-stop-growing' : 'prune';
      growing = false;
    }
    if (keep.length !== width || grow > 0) {
      const next = resizeMlpReplicasHidden(model, [Int32Array.from(keep)], grow, [deriveExperimentSeed(config.seed, config.dataset, 'resize-grow', replicate, epoch)], optimizer);
      model.dispose();
      optimizer.dispose();
      model = next.model;
      optimizer = next.optimizer as StackedAdam;
    }
    steps.push({ epoch: epoch + 1, widthBefore: width, belowThreshold: below, dead, action, widthAfter: model.hiddenSize, testAccuracy: accuracy(model, data.test) });
  }
  const result: WidthResizeRun = {
    replicate,
    steps,
    finalWidth: model.hiddenSize,
    trainAccuracy: accuracy(model, data.train),
    testAccuracy: accuracy(model, data.test),
    multiplyAdds,
    wallMs: Date.now() - start,
  };
  model.dispose();
  optimizer.dispose();
  return result;
}

/** The baseline: a fresh model of `width` trained for the same number of epochs. */
export function runScratchReplicate(config: ActivationVarianceResizeConfig, data: ActivationVarianceData, replicate: number, width: number): WidthScratchRun {
  const start = Date.now();
  const inputSize = data.train.exampleShape.reduce((a, b) => a * b, 1);
  const classes = data.train.classes;
  const model = MlpReplicas.create({ inputSize, hiddenSize: width, outputSize: classes, seeds: [deriveExperimentSeed(config.seed, config.dataset, 'scratch-init', replicate)] });
  const trained = trainReplicas({
    model,
    source: data.train,
    epochs: config.epochs,
    batchSize: config.batchSize,
    shuffleSeed: deriveExperimentSeed(config.seed, config.dataset, 'scratch-shuffle', replicate),
    adam: { ...PYTORCH_ADAM_DEFAULTS, lr: config.lr },
  });
  trained.optimizer.dispose();
  const run: WidthScratchRun = {
    replicate,
    width,
    trainAccuracy: accuracy(model, data.train),
    testAccuracy: accuracy(model, data.test),
    multiplyAdds: trained.examplesSeen * mlpTrainMultiplyAdds(inputSize, width, classes),
    wallMs: Date.now() - start,
  };
  model.dispose();
  return run;
}

/** Runs the resizing procedure and the from-scratch baseline for every replicate. */
export function runActivationVarianceResize(config: ActivationVarianceResizeConfig, data: ActivationVarianceData): ActivationVarianceResizeResult {
  checkResizeConfig(config);
  const resized: WidthResizeRun[] = [];
  const scratch: WidthScratchRun[] = [];
  for (let r = 0; r < config.replicates; r++) {
    const run = runResizeReplicate(config, data, r);
    resized.push(run);
    scratch.push(runScratchReplicate(config, data, r, run.finalWidth));
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    config,
    resized,
    scratch,
    summary: {
      finalWidth: replicateInterval(resized.map((r) => r.finalWidth), [config.minWidth, config.maxWidth]),
      resizedTestAccuracy: replicateInterval(resized.map((r) => r.testAccuracy), [0, 1]),
      scratchTestAccuracy: replicateInterval(scratch.map((r) => r.testAccuracy), [0, 1]),
      testAccuracyDifference: replicateInterval(resized.map((r, i) => r.testAccuracy - (scratch[i] as WidthScratchRun).testAccuracy)),
      resizedMultiplyAdds: mean(resized.map((r) => r.multiplyAdds)),
      scratchMultiplyAdds: mean(scratch.map((r) => r.multiplyAdds)),
      resizedWallMs: mean(resized.map((r) => r.wallMs)),
      scratchWallMs: mean(scratch.map((r) => r.wallMs)),
    },
  };
}

/**
 * Notebook 04 — the 1-D path between two solutions, (1 − α)·θ_orig + α·θ_retrained, and the BatchNorm statistics it needs.
 *
 * Interpolating BN running statistics linearly gives statistics that belong to neither network (and the flipped
 * network's running variance is negative), so at every α the running mean and variance of every BN layer are
 * RECOMPUTED from training images before evaluating — as in the linear-mode-connectivity literature (Frankle et al.
 * 2020; Izmailov et al.'s `update_bn`): a forward pass in training mode (each BN normalises with its batch's
 * statistics, exactly as during training) records every BN layer's input mean and variance, pooled over all images.
 */
import * as tf from '@tensorflow/tfjs';
import { interpolateSnapshots } from '../../probe/perturb';
import { writeSnapshot, type ParameterSnapshot } from '../../probe/snapshot';
import { evaluateModel } from '../../train/evaluate';
import { inOrder, type LabelledBatchSource } from '../../data/source';

/** Names of the model's BatchNormalization layers, in model order. */
export function batchNormLayerNames(model: tf.LayersModel): string[] {
  return model.layers.filter((l) => l.getClassName() === 'BatchNormalization').map((l) => l.name);
}

/**
 * Recomputes every BN layer's moving mean and variance from the first `examples` images of `source` (default all):
 * training-mode forward passes of `batchSize` images (default 256), per-channel mean and (biased) variance of each
 * BN layer's input pooled over all images and positions, written into the moving statistics. No effect on models
 * without BN. Returns the number of BN layers updated.
 */
export async function recomputeBatchNormStatistics(
  model: tf.LayersModel,
  source: LabelledBatchSource,
  options: { examples?: number; batchSize?: number } = {},
): Promise<number> {
  const layers = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  if (layers.length === 0) return 0;
  const inputs = layers.map((l) => {
    const x = l.input;
    if (Array.isArray(x)) throw new Error(`recomputeBatchNormStatistics: BN layer '${l.name}' has several inputs`);
    return x;
  });
  // Shares the model's layers (and weights): never dispose it.
  const probe = tf.model({ inputs: model.inputs, outputs: inputs });
  const total = Math.min(source.count, options.examples ?? source.count);
  if (total < 1) throw new Error('recomputeBatchNormStatistics: no examples');
  const batchSize = options.batchSize ?? 256;
  const channels = layers.map((l) => {
    const c = (l.input as tf.SymbolicTensor).shape[(l.input as tf.SymbolicTensor).shape.length - 1];
    if (typeof c !== 'number') throw new Error(`recomputeBatchNormStatistics: BN layer '${l.name}' has an unknown channel count`);
    return c;
  });
  const sums = channels.map((c) => new Float64Array(c));
  const squares = channels.map((c) => new Float64Array(c));
  const counts = channels.map(() => 0);
  for (const { batch } of inOrder(source, batchSize, total)) {
    const n = batch.labels.length;
    // Per channel Σx and Σx² of each BN input, reduced on the backend (only 2·C numbers per layer come back).
    const reduced = tf.tidy(() => {
      const out = probe.apply(tf.tensor(batch.xs, batch.shape, 'float32'), { training: true });
      const list = Array.isArray(out) ? out : [out];
      return list.flatMap((t) => {
        if (!(t instanceof tf.Tensor)) throw new Error('recomputeBatchNormStatistics: symbolic output for a concrete input');
        const axes = Array.from({ length: t.rank - 1 }, (_, i) => i);
        return [tf.sum(t, axes), tf.sum(tf.square(t), axes)];
      });
    });
    try {
      for (let li = 0; li < layers.length; li++) {
        const s = (await (reduced[2 * li] as tf.Tensor).data()) as Float32Array;
        const q = (await (reduced[2 * li + 1] as tf.Tensor).data()) as Float32Array;
        const sum = sums[li] as Float64Array;
        const sq = squares[li] as Float64Array;
        for (let c = 0; c < sum.length; c++) {
          sum[c] = (sum[c] as number) + (s[c] as number);
          sq[c] = (sq[c] as number) + (q[c] as number);
        }
        const inputShape = (inputs[li] as tf.SymbolicTensor).shape;
        const positions = inputShape.slice(1, -1).reduce<number>((a, d) => a * (d ?? 1), 1);
        counts[li] = (counts[li] as number) + n * positions;
      }
    } finally {
      tf.dispose(reduced);
    }
  }
  layers.forEach((layer, li) => {
    const count = counts[li] as number;
    const sum = sums[li] as Float64Array;
    const sq = squares[li] as Float64Array;
    const mean = Float32Array.from(sum, (s) => s / count);
    const variance = Float32Array.from(sq, (q, c) => Math.max(0, q / count - ((sum[c] as number) / count) ** 2));
    const weights = layer.weights;
    const movingMean = weights.find((w) => /moving_mean$/.test(w.originalName));
    const movingVariance = weights.find((w) => /moving_variance$/.test(w.originalName));
    if (movingMean === undefined || movingVariance === undefined) {
      throw new Error(`recomputeBatchNormStatistics: BN layer '${layer.name}' has no moving_mean / moving_variance weights`);
    }
    tf.tidy(() => {
      movingMean.write(tf.tensor1d(mean));
      movingVariance.write(tf.tensor1d(variance));
    });
  });
  return layers.length;
}

/** Loss and accuracy at one point of the path (NaN loss = non-finite outputs). */
export interface InterpolationPoint {
  alpha: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

export interface InterpolationOptions {
  /** α values; the path is (1 − α)·a + α·b (α outside [0, 1] extrapolates). */
  alphas: readonly number[];
  /** Training images used for the train loss/accuracy (the first N of the source). */
  train: LabelledBatchSource;
  test: LabelledBatchSource;
  /** Images (from `train`) used to recompute BN statistics at each point, and the batch size of that pass. */
  batchNormExamples: number;
  batchNormBatchSize?: number;
  /** Evaluation batch size (default 256). */
  batchSize?: number;
}

/**
 * Evaluates the model at every α on the straight line between snapshots a and b, after writing the interpolated
 * weights and recomputing BN statistics (models without BN are evaluated as interpolated). The model's weights are
 * left at the last α; the caller owns and disposes the model.
 */
export async function interpolationPath(
  model: tf.LayersModel,
  a: ParameterSnapshot,
  b: ParameterSnapshot,
  options: InterpolationOptions,
): Promise<InterpolationPoint[]> {
  if (options.alphas.length === 0) throw new Error('interpolationPath: alphas is empty');
  const out: InterpolationPoint[] = [];
  for (const alpha of options.alphas) {
    writeSnapshot(model, interpolateSnapshots(a, b, alpha));
    await recomputeBatchNormStatistics(model, options.train, {
      examples: options.batchNormExamples,
      ...(options.batchNormBatchSize === undefined ? {} : { batchSize: options.batchNormBatchSize }),
    });
    const evalOptions = options.batchSize === undefined ? {} : { batchSize: options.batchSize };
    const train = await evaluateModel(model, options.train, evalOptions);
    const test = await evaluateModel(model, options.test, evalOptions);
    out.push({ alpha, trainLoss: train.loss, trainAccuracy: train.accuracy, testLoss: test.loss, testAccuracy: test.accuracy });
  }
  return out;
}

/** Height of the bump of a curve over the chord between its end points, on the α grid points in [0, 1]. */
export interface BarrierSummary {
  /** max over α ∈ [0,1] of L(α) − ((1 − α)·L(0) + α·L(1)) (≥ 0: the end points count; 0 = no barrier; NaN if non-finite). */
  trainLossBarrier: number;
  testLossBarrier: number;
  /** max over α ∈ [0,1] of ((1 − α)·A(0) + α·A(1)) − A(α): the accuracy dip below the chord. */
  trainAccuracyDrop: number;
  testAccuracyDrop: number;
  /** α of the highest test loss inside [0, 1]. */
  testLossArgmax: number;
}

/**
 * Barrier heights of a path (needs the points α = 0 and α = 1). A barrier of 0 means the straight line is no worse
 * than the end points ("linearly connected").
 */
export function pathBarrier(points: readonly InterpolationPoint[]): BarrierSummary {
  const at = (x: number): InterpolationPoint => {
    const p = points.find((q) => Math.abs(q.alpha - x) < 1e-12);
    if (p === undefined) throw new Error(`pathBarrier: the path has no point at α = ${x}`);
    return p;
  };
  const p0 = at(0);
  const p1 = at(1);
  const inside = points.filter((p) => p.alpha >= -1e-12 && p.alpha <= 1 + 1e-12);
  const bump = (get: (p: InterpolationPoint) => number, sign: 1 | -1): number => {
    let best = -Infinity;
    for (const p of inside) {
      const chord = (1 - p.alpha) * get(p0) + p.alpha * get(p1);
      const v = sign * (get(p) - chord);
      if (!Number.isFinite(v)) return NaN;
      best = Math.max(best, v);
    }
    return best;
  };
  let argmax = 0;
  let maxLoss = -Infinity;
  for (const p of inside) {
    if (p.testLoss > maxLoss) {
      maxLoss = p.testLoss;
      argmax = p.alpha;
    }
  }
  return {
    trainLossBarrier: bump((p) => p.trainLoss, 1),
    testLossBarrier: bump((p) => p.testLoss, 1),
    trainAccuracyDrop: bump((p) => p.trainAccuracy, -1),
    testAccuracyDrop: bump((p) => p.testAccuracy, -1),
    testLossArgmax: argmax,
  };
}

import * as tf from '@tensorflow/tfjs';
import { layerVariablesByName, trainableVariablesByName } from '../models/parameters';
import { inOrder, type LabelledBatch, type LabelledBatchSource } from '../data/source';
import { fusedSoftmaxCrossEntropy, fusedSoftmaxXentAvailable } from '../backend/kernels/softmaxCrossEntropy';

export interface EvaluationResult {
  /** Mean softmax cross-entropy. */
  loss: number;
  /** Share of examples whose argmax logit equals the label. */
  accuracy: number;
  count: number;
}

/** Turns a LabelledBatch into tensors (caller disposes). */
export function batchTensors(batch: LabelledBatch): { xs: tf.Tensor; labels: tf.Tensor1D } {
  return { xs: tf.tensor(batch.xs, batch.shape, 'float32'), labels: tf.tensor1d(batch.labels, 'int32') };
}

/** Runs the model on a concrete tensor; `training` selects batch statistics in BN (and updates its moving stats). */
export function applyModel(model: tf.LayersModel, xs: tf.Tensor, training: boolean): tf.Tensor {
  const y = model.apply(xs, { training });
  if (Array.isArray(y) || !(y instanceof tf.Tensor)) throw new Error(`model '${model.name}' must have exactly one output`);
  return y;
}

/** Labels as int32 (without a Cast kernel call when they already are). */
function asInt32(labels: tf.Tensor): tf.Tensor {
  return labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
}

/** Whether the fused loss kernel serves these logits (the active backend has it; float32 [n, classes]). */
function fusedLossApplies(logits: tf.Tensor): boolean {
  return fusedSoftmaxXentAvailable() && logits.dtype === 'float32' && logits.rank === 2;
}

/**
 * Mean softmax cross-entropy of logits [n, classes] and the number of rows whose arg-max is the label (scalar
 * tensors): one fused kernel where the backend has the kernel pack (differentiable in the logits), tfjs ops elsewhere.
 */
export function softmaxCrossEntropyAndCorrect(logits: tf.Tensor, labels: tf.Tensor): { loss: tf.Scalar; correct: tf.Scalar } {
  if (fusedLossApplies(logits)) {
    return tf.tidy(() => {
      const r = fusedSoftmaxCrossEntropy(logits, asInt32(labels));
      return { loss: r.loss, correct: r.correct };
    });
  }
  return { loss: softmaxCrossEntropyOps(logits, labels), correct: correctCount(logits, labels) };
}

/** Mean softmax cross-entropy of logits [n, classes] vs integer labels [n] (a scalar tensor). */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  if (fusedLossApplies(logits)) {
    return tf.tidy(() => {
      const r = fusedSoftmaxCrossEntropy(logits, asInt32(labels));
      r.correct.dispose();
      return r.loss;
    });
  }
  return softmaxCrossEntropyOps(logits, labels);
}

/** The same loss from tfjs ops (the reference the fused kernel is tested against). */
export function softmaxCrossEntropyOps(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.shape.length - 1] as number;
    const logProbs = tf.logSoftmax(logits as tf.Tensor2D);
    const oneHot = tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, classes);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), -1))) as tf.Scalar;
  });
}

/** Number of rows whose argmax equals the label (a scalar tensor). */
export function correctCount(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(labels, 'int32')), 'float32')) as tf.Scalar);
}

/** Loss and accuracy in inference mode (BN moving statistics), batch by batch. */
export async function evaluateModel(
  model: tf.LayersModel,
  source: LabelledBatchSource,
  options: { batchSize?: number } = {},
): Promise<EvaluationResult> {
  if (source.count === 0) throw new Error('evaluateModel: the source has no examples');
  let lossSum = 0;
  let correct = 0;
  for (const { batch } of inOrder(source, options.batchSize ?? 256)) {
    const [loss, right] = tf.tidy(() => {
      const { xs, labels } = batchTensors(batch);
      const logits = applyModel(model, xs, false);
      const r = softmaxCrossEntropyAndCorrect(logits, labels);
      return [r.loss, r.correct];
    });
    const [l, r] = await Promise.all([loss.data(), right.data()]);
    loss.dispose();
    right.dispose();
    lossSum += (l[0] as number) * batch.labels.length;
    correct += r[0] as number;
  }
  return { loss: lossSum / source.count, accuracy: correct / source.count, count: source.count };
}

/** Logits of every example, count × classes row-major, inference mode. */
export async function predictLogits(
  model: tf.LayersModel,
  source: LabelledBatchSource,
  options: { batchSize?: number } = {},
): Promise<Float32Array> {
  let out: Float32Array | undefined;
  let offset = 0;
  for (const { batch } of inOrder(source, options.batchSize ?? 256)) {
    const logits = tf.tidy(() => applyModel(model, batchTensors(batch).xs, false));
    const values = (await logits.data()) as Float32Array;
    const classes = logits.shape[1] as number;
    logits.dispose();
    out ??= new Float32Array(source.count * classes);
    out.set(values, offset);
    offset += values.length;
  }
  return out ?? new Float32Array(0);
}

/**
 * Gradient L2 norm per trainable parameter for one batch, with no side effect on the model: no update, and BN moving
 * statistics (updated by a training-mode forward) are restored. `training` (default true) = forward as in training.
 */
export function gradientNorms(
  model: tf.LayersModel,
  batch: LabelledBatch,
  options: { training?: boolean } = {},
): Map<string, number> {
  const training = options.training ?? true;
  const params = trainableVariablesByName(model);
  const names = [...params.keys()];
  const statistics = [...layerVariablesByName(model).values()].filter((w) => !w.trainable && /moving_(mean|variance)$/.test(w.originalName));
  const saved = statistics.map((w) => tf.clone(w.read()));
  try {
    const norms = tf.tidy(() => {
      const { xs, labels } = batchTensors(batch);
      const { grads } = tf.variableGrads(() => softmaxCrossEntropy(applyModel(model, xs, training), labels), [...params.values()]);
      return names.map((name) => {
        const g = grads[(params.get(name) as tf.Variable).name];
        return g ? tf.norm(g) : tf.scalar(0);
      });
    });
    const out = new Map<string, number>();
    names.forEach((name, i) => out.set(name, (norms[i] as tf.Tensor).dataSync()[0] as number));
    tf.dispose(norms);
    return out;
  } finally {
    statistics.forEach((w, i) => w.write(saved[i] as tf.Tensor));
    tf.dispose(saved);
  }
}

import * as tf from '@tensorflow/tfjs';
import type { LabelledBatch, LabelledBatchSource } from './source';

export interface EvaluationResult {
  /** Mean softmax cross-entropy. */
  loss: number;
  /** Share of examples whose argmax logit equals the label. */
  accuracy: number;
  count: number;
}

/** Loss and accuracy in inference mode (BN moving statistics), batch by batch. */
export async function evaluateModel(
  model: tf.LayersModel,
  source: LabelledBatchSource,
  options: { batchSize?: number } = {},
): Promise<EvaluationResult> {
  void model;
  void source;
  void options;
  throw new Error('evaluateModel: not implemented yet');
}

/** Logits of every example, count × classes row-major, inference mode. */
export async function predictLogits(
  model: tf.LayersModel,
  source: LabelledBatchSource,
  options: { batchSize?: number } = {},
): Promise<Float32Array> {
  void model;
  void source;
  void options;
  throw new Error('predictLogits: not implemented yet');
}

/** Mean softmax cross-entropy of logits vs integer labels (a scalar tensor). */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  void logits;
  void labels;
  throw new Error('softmaxCrossEntropy: not implemented yet');
}

/** Turns a LabelledBatch into tensors (caller disposes). */
export function batchTensors(batch: LabelledBatch): { xs: tf.Tensor; labels: tf.Tensor1D } {
  void batch;
  throw new Error('batchTensors: not implemented yet');
}

/**
 * Gradient L2 norm per trainable parameter for one batch (no update), training-mode forward unless
 * `training: false`. For "gradient norms per layer at initialisation". Note: training mode updates BN moving stats.
 */
export function gradientNorms(
  model: tf.LayersModel,
  batch: LabelledBatch,
  options: { training?: boolean } = {},
): Map<string, number> {
  void model;
  void batch;
  void options;
  throw new Error('gradientNorms: not implemented yet');
}

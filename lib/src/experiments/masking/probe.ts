/**
 * The linear probe of protocol B on cached features. A linear probe trains only the new head on the pretrained
 * backbone, which stays fixed with its ImageNet BatchNorm statistics (inference mode): its input is then the same
 * for every step, seed and epoch, so computing the pooled backbone features once per image and training the head on
 * them gives the same model as running the frozen network every step, at a fraction of the cost (one 224×224
 * forward pass per image instead of one per image and epoch, and the test set's features shared by every seed).
 */
import * as tf from '@tensorflow/tfjs';
import { sourceFromArrays, type LabelledBatchSource } from '../../data/source';
import { initializeModel } from '../../models/init';
import { layerOutputModel } from '../../probe/activations';
import { convLayerNames } from '../../probe/kernelCapture';
import { evaluateModel } from '../../train/evaluate';
import { train } from '../../train/loop';
import type { MaskingTrainingConfig } from './config';
import { maskingTrainConfig, type MaskingRunResult } from './training';

/** Pooled backbone features of every image of a source, with its labels. */
export interface MaskingFeatures {
  features: Float32Array;
  labels: Int32Array;
  width: number;
  classes: number;
}

/**
 * The output of `layer` (a pooled feature vector) for every image of `source`, in inference mode, in batches of
 * `batchSize`. The model is not changed.
 */
export function maskingFeatures(model: tf.LayersModel, layer: string, source: LabelledBatchSource, batchSize = 32): MaskingFeatures {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`maskingFeatures: batchSize must be a positive integer, got ${batchSize}`);
  const extractor = layerOutputModel(model, [layer]);
  const shape = extractor.outputs[0]?.shape;
  const width = shape?.[shape.length - 1];
  if (shape?.length !== 2 || typeof width !== 'number') throw new Error(`maskingFeatures: layer '${layer}' must output [batch, features], got [${shape?.join(', ')}]`);
  const features = new Float32Array(source.count * width);
  const labels = new Int32Array(source.count);
  for (let start = 0; start < source.count; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, source.count - start) }, (_, i) => start + i);
    const batch = source.batch(idx);
    const out = tf.tidy(() => extractor.apply(tf.tensor(batch.xs, batch.shape, 'float32'), { training: false }) as tf.Tensor);
    features.set(out.dataSync(), start * width);
    out.dispose();
    labels.set(batch.labels, start);
  }
  return { features, labels, width, classes: source.classes };
}

/** A source over cached features (for training and evaluating the head). */
export function featureSource(f: MaskingFeatures): LabelledBatchSource {
  return sourceFromArrays(f.features, f.labels, [f.width], f.classes);
}

/** The new head alone: one dense layer named 'head', initialised as the full model's head for this seed. */
export function maskingProbeHead(width: number, classes: number, seed: number): tf.LayersModel {
  const input = tf.input({ shape: [width], name: 'features' });
  const out = tf.layers.dense({ name: 'head', units: classes, kernelInitializer: 'zeros' }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'probe_head' });
  initializeModel(model, { seed });
  return model;
}

/**
 * Trains the head on cached features with the same schedule, optimiser and early stopping as every other method, and
 * reports like a full run (all conv kernels counted as frozen). `backbone` only supplies the kernel count.
 */
export async function trainProbeOnFeatures(
  data: { train: MaskingFeatures; val: MaskingFeatures; test: MaskingFeatures },
  backbone: tf.LayersModel,
  training: MaskingTrainingConfig,
  seed: number,
): Promise<MaskingRunResult> {
  const model = maskingProbeHead(data.train.width, data.train.classes, seed);
  try {
    const trainSource = featureSource(data.train);
    const result = await train(
      model,
      { train: trainSource, val: featureSource(data.val), test: featureSource(data.test) },
      maskingTrainConfig(training, data.train.labels.length, seed),
    );
    const best = result.history[result.bestEpoch];
    const onTrain = await evaluateModel(model, trainSource);
    const kernels = convLayerNames(backbone).reduce((s, n) => s + Number(backbone.getLayer(n).getConfig()['filters']), 0);
    return {
      testAccuracy: result.test?.accuracy ?? NaN,
      testLoss: result.test?.loss ?? NaN,
      trainImages: data.train.labels.length,
      validationImages: data.val.labels.length,
      trainAccuracy: onTrain.accuracy,
      trainLoss: onTrain.loss,
      bestValAccuracy: best?.valAccuracy ?? NaN,
      bestValLoss: best?.valLoss ?? NaN,
      bestEpoch: result.bestEpoch,
      epochsRun: result.epochsRun,
      trainMs: result.elapsedMs,
      maskedKernels: kernels,
      totalKernels: kernels,
      maskedPerLayer: [],
    };
  } finally {
    model.dispose();
  }
}

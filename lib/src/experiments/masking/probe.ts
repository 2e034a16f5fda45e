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
import type { MaskingTrainingConfig } from './config';
import { maskingConvKernels, trainMaskingRun, type MaskingRunResult } from './training';

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
    const kernels = maskingConvKernels(backbone);
    const sources = { train: featureSource(data.train), val: featureSource(data.val), test: featureSource(data.test) };
    return await trainMaskingRun(model, sources, training, seed, { maskedKernels: kernels, totalKernels: kernels, maskedPerLayer: [] });
  } finally {
    model.dispose();
  }
}

import * as tf from '@tensorflow/tfjs';
import type { LabelledBatchSource } from '../train/source';
import { RunningMoments } from './moments';

export interface ActivationProbeOptions {
  /** Names of the layers whose outputs are probed (e.g. 'relu1', 'conv3_1'). */
  layers: readonly string[];
  /** Default 256. */
  batchSize?: number;
  /**
   * 'auto' (default): rank-4 outputs (N,H,W,C) are reduced per channel over N·H·W, other outputs per unit over N.
   * 'unit': every output element (H·W·C of them) is its own unit.
   */
  reduce?: 'auto' | 'unit';
  /** Keep a seeded reservoir sample of this many values per unit/channel (default 0 = none). */
  samplesPerUnit?: number;
  /** Seed of the reservoir samples (default 0). */
  seed?: number;
  /** Keep the full N × d feature matrix (d = flattened output size) of these layers (or all with `true`). */
  features?: boolean | readonly string[];
  /** A unit is "ever active" when some value is > this (default 0: post-ReLU active). */
  activeThreshold?: number;
  /** Only the first `maxExamples` examples of the source (default all). */
  maxExamples?: number;
}

/** Statistics of one probed layer over the whole source. */
export interface LayerActivationStats {
  layer: string;
  /** Output shape without the batch axis. */
  outputShape: number[];
  reduce: 'channel' | 'unit';
  /** Number of units (channels for 'channel'). */
  units: number;
  /** Examples seen. */
  examples: number;
  /** Running moments per unit (count = values per unit). */
  moments: RunningMoments;
  /** Population mean / variance / std per unit (ddof 0; use moments.variance(1) for the sample variance). */
  mean: Float64Array;
  variance: Float64Array;
  std: Float64Array;
  min: Float32Array;
  max: Float32Array;
  /** 1 when the unit exceeded activeThreshold at least once. */
  everActive: Uint8Array;
  /** Reservoir samples per unit, when asked. */
  samples?: Float32Array[];
  /** examples × featureDim row-major, when asked. */
  features?: Float32Array;
  featureDim: number;
}

/**
 * Runs the model in inference mode over the source batch by batch and accumulates statistics of the named layers'
 * outputs, never holding more than one batch of activations (plus the feature matrices asked for).
 */
export async function probeActivations(
  model: tf.LayersModel,
  source: LabelledBatchSource,
  options: ActivationProbeOptions,
): Promise<Map<string, LayerActivationStats>> {
  void model;
  void source;
  void options;
  void RunningMoments;
  throw new Error('probeActivations: not implemented yet');
}

/** A model sharing `model`'s weights whose outputs are the named layers' outputs (in that order). Caller disposes nothing: it owns no weights. */
export function layerOutputModel(model: tf.LayersModel, layers: readonly string[]): tf.LayersModel {
  void model;
  void layers;
  throw new Error('layerOutputModel: not implemented yet');
}

/**
 * Notebook 05, section 3b — GoogLeNet's auxiliary classifiers as another answer to vanishing gradients (the notes:
 * "FC layers in different parts of the network, minimise the sum of the losses of all these outputs … one FC block
 * near the start, one in the middle, one near the end"). A deep plain net (models/deep.ts) gets small softmax heads on
 * some hidden layers; the training loss becomes L_main + w·Σ L_aux (GoogLeNet: w = 0.3). At initialisation we compare
 * every hidden layer's gradient norm ‖∂L/∂W_i‖ with and without the auxiliary terms, on the same weights and batch.
 */
import * as tf from '@tensorflow/tfjs';
import { deepNet } from '../../models/deep';
import { initializeModel } from '../../models/init';
import { trainableVariablesByName } from '../../models/parameters';
import { softmaxCrossEntropy } from '../../train/evaluate';
import type { LabelledBatch } from '../../data/source';
import { loadClassSubset, normalisedSource } from './common';

export interface AuxiliaryConfig {
  depth: number;
  width: number;
  activation: 'sigmoid' | 'relu' | 'tanh';
  /** Hidden layers (1-based) that get an auxiliary head. */
  auxAt: number[];
  /** Weight of each auxiliary loss (GoogLeNet: 0.3). */
  auxWeight: number;
  initSeeds: number[];
  /** MNIST images in the batch (class-balanced, seeded). */
  batch: number;
  dataSeed: number;
}

/** One row per init seed × hidden layer: the gradient norm without and with the auxiliary losses. */
export type AuxiliaryGradientRow = {
  seed: number;
  layer: number;
  withoutAux: number;
  withAux: number;
  /** log10(withAux / withoutAux): how many orders of magnitude the auxiliary losses add. */
  log10Gain: number;
};

/**
 * Per hidden layer, ‖∂L/∂W_i‖ of (a) L_main and (b) L_main + auxWeight·Σ L_aux, for one model and batch. The heads
 * are dense layers (width → classes) on the chosen hidden layers' outputs, initialised like the network.
 */
export function auxiliaryGradientNorms(config: Omit<AuxiliaryConfig, 'initSeeds' | 'batch' | 'dataSeed'>, seed: number, batch: LabelledBatch): { layer: number; withoutAux: number; withAux: number }[] {
  for (const a of config.auxAt) {
    if (!(Number.isInteger(a) && a >= 1 && a < config.depth)) throw new Error(`auxiliaryGradientNorms: auxAt must be hidden layers in 1..${config.depth - 1}; got ${a}`);
  }
  const main = deepNet({ depth: config.depth, width: config.width, residual: false, activation: config.activation, init: 'torch-default', seed, inputShape: batch.shape.slice(1) });
  const classes = 10;
  const heads = config.auxAt.map((a) => tf.layers.dense({ name: `aux${a}`, units: classes }));
  const outputs = [main.outputs[0] as tf.SymbolicTensor, ...config.auxAt.map((a, i) => (heads[i] as tf.layers.Layer).apply(main.getLayer(`act${a}`).output as tf.SymbolicTensor) as tf.SymbolicTensor)];
  const model = tf.model({ inputs: main.inputs, outputs });
  // Same init scheme for the heads as for the network (seeded apart from it); the network's weights stay as they are.
  const headModel = tf.model({ inputs: main.inputs, outputs: outputs.slice(1) });
  const saved = main.getWeights().map((w) => w.clone());
  initializeModel(headModel, { scheme: 'torch-default', seed: seed + 10_000 });
  main.setWeights(saved);
  tf.dispose(saved);
  try {
    const byName = trainableVariablesByName(main);
    const vars = Array.from({ length: config.depth }, (_, i) => {
      const v = byName.get(`hidden${i + 1}/kernel`);
      if (!v) throw new Error(`auxiliaryGradientNorms: no variable hidden${i + 1}/kernel`);
      return v;
    });
    const norms = (withAux: boolean): number[] => {
      const t = tf.tidy(() => {
        const xs = tf.tensor(batch.xs, batch.shape);
        const labels = tf.tensor1d(batch.labels, 'int32');
        const { grads } = tf.variableGrads(() => {
          const [logits, ...aux] = model.apply(xs, { training: true }) as tf.Tensor[];
          let loss = softmaxCrossEntropy(logits as tf.Tensor, labels);
          if (withAux) for (const a of aux) loss = tf.add(loss, tf.mul(config.auxWeight, softmaxCrossEntropy(a, labels)));
          return loss;
        }, vars);
        return tf.stack(vars.map((v) => tf.norm(grads[v.name] as tf.Tensor)));
      });
      const out = Array.from(t.dataSync());
      t.dispose();
      return out;
    };
    const without = norms(false);
    const withAux = norms(true);
    return without.map((w, i) => ({ layer: i + 1, withoutAux: w, withAux: withAux[i] as number }));
  } finally {
    main.dispose();
    heads.forEach((h) => h.dispose());
  }
}

/** The section: every init seed on one fixed MNIST batch. */
export async function runAuxiliaryClassifiers(config: AuxiliaryConfig): Promise<AuxiliaryGradientRow[]> {
  const ds = await loadClassSubset({ dataset: 'mnist', split: 'train', classes: null, perClass: Math.ceil(config.batch / 10), seed: config.dataSeed });
  const source = normalisedSource(ds, 'mnist');
  const batch = source.batch(Int32Array.from({ length: Math.min(config.batch, source.count) }, (_, i) => i));
  return config.initSeeds.flatMap((seed) =>
    auxiliaryGradientNorms(config, seed, batch).map((r) => ({ seed, ...r, log10Gain: Math.log10(r.withAux / r.withoutAux) })));
}

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
import { inOrder, type LabelledBatchSource } from '../../data/source';
import { createRng } from '../../util/random';
import { yieldToEventLoop } from '../../util/progress';
import { cachedRun } from '../../store/cache';
import { meanInterval, type MeanCI } from '../../stats/intervals';
import { verdictAgainstThreshold, type VerdictStatus } from '../../stats/verdict';
import { loadClassSubset, normalisedSource } from './common';
import { pairedBySeed } from './transferStats';

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
 * The deep plain net with a dense softmax head (width → 10 classes) on each chosen hidden layer, initialised like the
 * network (seeded apart from it, so the network's own weights are those of `deepNet` with this seed).
 */
function auxiliaryModel(config: Pick<AuxiliaryConfig, 'depth' | 'width' | 'activation' | 'auxAt'>, seed: number, inputShape: readonly number[]): { main: tf.LayersModel; model: tf.LayersModel; heads: tf.layers.Layer[] } {
  for (const a of config.auxAt) {
    if (!(Number.isInteger(a) && a >= 1 && a < config.depth)) throw new Error(`auxiliaryModel: auxAt must be hidden layers in 1..${config.depth - 1}; got ${a}`);
  }
  const main = deepNet({ depth: config.depth, width: config.width, residual: false, activation: config.activation, init: 'torch-default', seed, inputShape: [...inputShape] });
  const classes = 10;
  const heads = config.auxAt.map((a) => tf.layers.dense({ name: `aux${a}`, units: classes }));
  const outputs = [main.outputs[0] as tf.SymbolicTensor, ...config.auxAt.map((a, i) => (heads[i] as tf.layers.Layer).apply(main.getLayer(`act${a}`).output as tf.SymbolicTensor) as tf.SymbolicTensor)];
  const model = tf.model({ inputs: main.inputs, outputs });
  const headModel = tf.model({ inputs: main.inputs, outputs: outputs.slice(1) });
  const saved = main.getWeights().map((w) => w.clone());
  initializeModel(headModel, { scheme: 'torch-default', seed: seed + 10_000 });
  main.setWeights(saved);
  tf.dispose(saved);
  return { main, model, heads };
}

/**
 * Per hidden layer, ‖∂L/∂W_i‖ of (a) L_main and (b) L_main + auxWeight·Σ L_aux, for one model and batch. The heads
 * are dense layers (width → classes) on the chosen hidden layers' outputs, initialised like the network.
 */
export function auxiliaryGradientNorms(config: Omit<AuxiliaryConfig, 'initSeeds' | 'batch' | 'dataSeed'>, seed: number, batch: LabelledBatch): { layer: number; withoutAux: number; withAux: number }[] {
  for (const a of config.auxAt) {
    if (!(Number.isInteger(a) && a >= 1 && a < config.depth)) throw new Error(`auxiliaryGradientNorms: auxAt must be hidden layers in 1..${config.depth - 1}; got ${a}`);
  }
  const { main, model, heads } = auxiliaryModel(config, seed, batch.shape.slice(1));
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

export interface AuxiliaryTrainingSpec {
  /** Adam steps of every run (both arms of a seed make the same steps on the same batches). */
  steps: number;
  batchSize: number;
  lr: number;
  /** MNIST images per class for training and for the test accuracy (class-balanced, seeded by dataSeed). */
  trainPerClass: number;
  testPerClass: number;
  /** Each seed trains both arms from the same init. */
  seeds: number[];
}

/** One trained run: the main head's final test accuracy, trained with or without the auxiliary losses. */
export type AuxiliaryTrainingRow = { seed: number; withAux: boolean; finalTrainLoss: number; testAccuracy: number };

/**
 * Trains the net of `auxiliaryGradientNorms` for `steps` Adam steps on L_main (+ auxWeight·Σ L_aux when `withAux`)
 * and returns the main head's accuracy on `test` (the auxiliary heads are dropped at test time, as in GoogLeNet).
 * The batch order comes from the seed alone, so both arms of a seed see the same batches.
 */
export async function trainWithAuxiliaryHeads(
  config: Pick<AuxiliaryConfig, 'depth' | 'width' | 'activation' | 'auxAt' | 'auxWeight'>,
  spec: Pick<AuxiliaryTrainingSpec, 'steps' | 'batchSize' | 'lr'>,
  seed: number,
  withAux: boolean,
  data: { train: LabelledBatchSource; test: LabelledBatchSource },
): Promise<AuxiliaryTrainingRow> {
  if (!(Number.isInteger(spec.steps) && spec.steps >= 1)) throw new Error(`trainWithAuxiliaryHeads: steps must be a positive integer; got ${spec.steps}`);
  const { main, model, heads } = auxiliaryModel(config, seed, data.train.exampleShape);
  const optimizer = tf.train.adam(spec.lr);
  // Without the auxiliary losses their heads are not connected to the loss: train the main network's weights only.
  const vars = (withAux ? model : main).trainableWeights.map((w) => w.read() as tf.Variable);
  const rng = createRng(7919 + seed);
  const n = data.train.count;
  const bs = Math.min(spec.batchSize, n);
  let order = rng.permutation(n);
  let pos = 0;
  let finalTrainLoss = NaN;
  try {
    for (let step = 0; step < spec.steps; step++) {
      if (pos + bs > n) {
        order = rng.permutation(n);
        pos = 0;
      }
      const b = data.train.batch(order.slice(pos, pos + bs));
      pos += bs;
      const loss = tf.tidy(() => {
        const xs = tf.tensor(b.xs, b.shape);
        const labels = tf.tensor1d(b.labels, 'int32');
        return optimizer.minimize(() => {
          const [logits, ...aux] = model.apply(xs, { training: true }) as tf.Tensor[];
          let l = softmaxCrossEntropy(logits as tf.Tensor, labels);
          if (withAux) for (const a of aux) l = tf.add(l, tf.mul(config.auxWeight, softmaxCrossEntropy(a, labels)));
          return l as tf.Scalar;
        }, true, vars) as tf.Scalar;
      });
      finalTrainLoss = (await loss.data())[0] as number;
      loss.dispose();
      if (step % 50 === 49) await yieldToEventLoop();
    }
    let correct = 0;
    for (const { batch: b } of inOrder(data.test, 256)) {
      const hits = tf.tidy(() => {
        const logits = main.predict(tf.tensor(b.xs, b.shape)) as tf.Tensor;
        return tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), tf.tensor1d(b.labels, 'int32')), 'int32'));
      });
      correct += (await hits.data())[0] as number;
      hits.dispose();
    }
    return { seed, withAux, finalTrainLoss, testAccuracy: correct / data.test.count };
  } finally {
    optimizer.dispose();
    main.dispose();
    heads.forEach((h) => h.dispose());
  }
}

export const AUXILIARY_TRAINING_NAMESPACE = 'architectures-auxiliary-training';

/** The trained comparison: every seed with and without the auxiliary losses, on MNIST subsets (result-cache entries). */
export async function runAuxiliaryTraining(
  config: Pick<AuxiliaryConfig, 'depth' | 'width' | 'activation' | 'auxAt' | 'auxWeight' | 'dataSeed'>,
  spec: AuxiliaryTrainingSpec,
  options: { cacheRoot?: string } = {},
): Promise<AuxiliaryTrainingRow[]> {
  const train = normalisedSource(await loadClassSubset({ dataset: 'mnist', split: 'train', classes: null, perClass: spec.trainPerClass, seed: config.dataSeed }), 'mnist');
  const test = normalisedSource(await loadClassSubset({ dataset: 'mnist', split: 'test', classes: null, perClass: spec.testPerClass, seed: config.dataSeed + 1 }), 'mnist');
  const rows: AuxiliaryTrainingRow[] = [];
  const { seeds: _seeds, ...recipe } = spec;
  for (const seed of spec.seeds) for (const withAux of [false, true]) {
    const cell = { version: 1, ...config, ...recipe, seed, withAux };
    const run = await cachedRun<typeof cell, AuxiliaryTrainingRow>(AUXILIARY_TRAINING_NAMESPACE, cell, async () => ({
      results: await trainWithAuxiliaryHeads(config, spec, seed, withAux, { train, test }),
    }), options.cacheRoot !== undefined ? { root: options.cacheRoot } : {});
    if (!run.results) throw new Error(`runAuxiliaryTraining: cache entry ${run.key} has no results`);
    rows.push(run.results);
  }
  return rows;
}

/** What the lecture notes tested by notebook 05 say about auxiliary classifiers, in their words: the verdict line quotes them. */
export const AUXILIARY_CLAIM_WORDS = 'То есть skip connection не единственное возможное решение затухания градиентов';

/**
 * "Auxiliary heads help the deep plain net": per seed, main-head test accuracy with − without the auxiliary losses
 * (paired: same init and batches), mean with the project's 95% interval, holds when the whole interval is above 0.
 */
export function auxiliaryAccuracyClaim(rows: readonly AuxiliaryTrainingRow[]): { without: MeanCI; with: MeanCI; difference: MeanCI; status: VerdictStatus } {
  const bySeed = (withAux: boolean): Map<number, number> => new Map(rows.filter((r) => r.withAux === withAux).map((r) => [r.seed, r.testAccuracy]));
  const difference = meanInterval(pairedBySeed(bySeed(true), bySeed(false)).differences, { seed: 5 });
  return {
    // All seeds can end at exactly the same accuracy (the plain sigmoid net stays at chance, 10.0%): no interval then.
    without: meanInterval([...bySeed(false).values()], { seed: 6, identical: 'none' }),
    with: meanInterval([...bySeed(true).values()], { seed: 7, identical: 'none' }),
    difference,
    status: verdictAgainstThreshold(difference, 0, 'above'),
  };
}

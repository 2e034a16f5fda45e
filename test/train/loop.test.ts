import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { describeParameters, layerVariablesByName, mlp, vggSmall } from '../../lib/src/models/index';
import { addRelativeNoise, layerOutputModel, snapshotEntry, takeSnapshot, writeSnapshot, type ParameterSnapshot } from '../../lib/src/probe/index';
import { createRng } from '../../lib/src/util/random';
import { sourceFromArrays, splitSource, type LabelledBatchSource } from '../../lib/src/data/index';
import {
  NonFiniteLossError,
  channelGradientFactors,
  gradientMaskHook,
  gradientNormHook,
  gradientNorms,
  snapshotHook,
  train,
  type TrainConfig,
  type TrainHook,
} from '../../lib/src/train/index';

/** Vectors: class c shifts feature c by +2 (linearly separable with noise). */
function blobs(n: number, dim: number, classes: number, seed: number): LabelledBatchSource {
  const rng = createRng(seed);
  const xs = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(classes);
    for (let j = 0; j < dim; j++) xs[i * dim + j] = rng.normal() + (j === labels[i] ? 2 : 0);
  }
  return sourceFromArrays(xs, labels, [dim], classes);
}

/** Tiny images 6×6×2: class 1 is brighter in channel 1. */
function images(n: number, seed: number): LabelledBatchSource {
  const rng = createRng(seed);
  const size = 6 * 6 * 2;
  const xs = new Float32Array(n * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(2);
    for (let j = 0; j < size; j++) xs[i * size + j] = rng.normal() * 0.5 + 0.3 + (labels[i] === 1 && j % 2 === 1 ? 0.8 : 0);
  }
  return sourceFromArrays(xs, labels, [6, 6, 2], 2);
}

const tinyCnn = (seed: number): tf.LayersModel =>
  vggSmall({ seed, width: 3, stages: [1, 1], inputShape: [6, 6, 2], classes: 2, init: 'kaiming-uniform' });

const quiet: Partial<TrainConfig> = { progress: false };

function assertSnapshotsEqual(a: ParameterSnapshot, b: ParameterSnapshot, what: string): void {
  assert.equal(a.entries.length, b.entries.length);
  a.entries.forEach((e, i) => assert.deepEqual(e.values, b.entries[i]?.values, `${what}: ${e.name}`));
}

describe('train/loop', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('learns a separable task; history, best checkpoint and test metrics are filled', async () => {
    const { train: tr, val } = splitSource(blobs(300, 6, 3, 1), { validationCount: 60, seed: 2 });
    const model = mlp({ inputSize: 6, hidden: 16, classes: 3, seed: 1 });
    const r = await train(model, { train: tr, val, test: val }, { ...quiet, epochs: 4, batchSize: 32, seed: 1, optimizer: { kind: 'adam', lr: 0.02 } });
    assert.equal(r.history.length, 4);
    assert.equal(r.stepLosses.length, 4 * Math.ceil(240 / 32));
    const last = r.history[3];
    assert.ok(last && (last.valAccuracy as number) > 0.85, `val accuracy ${last?.valAccuracy}`);
    assert.ok((r.history[3]?.trainLoss as number) < (r.history[0]?.trainLoss as number));
    assert.ok(r.test && r.test.count === 60 && Math.abs(r.test.accuracy - (r.history[r.bestEpoch]?.valAccuracy as number)) < 1e-12);
    const best = Math.max(...r.history.map((h) => h.valAccuracy as number));
    assert.equal(r.history[r.bestEpoch]?.valAccuracy, best);
    assert.ok(r.history.every((h) => h.samplesPerSecond > 0 && h.elapsedMs > 0 && h.lr === 0.02));
    model.dispose();
  });

  it('is deterministic: same seeds → bit-identical weights; another data seed → different weights', async () => {
    const data = { train: images(48, 3) };
    const run = async (dataSeed: number): Promise<ParameterSnapshot> => {
      const m = tinyCnn(7);
      const r = await train(m, data, { ...quiet, epochs: 2, batchSize: 16, seed: dataSeed, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } });
      m.dispose();
      return r.last;
    };
    const a = await run(1);
    const b = await run(1);
    assertSnapshotsEqual(a, b, 'same seed');
    const c = await run(2);
    assert.notDeepEqual(snapshotEntry(a, 'conv1_1/kernel').values, snapshotEntry(c, 'conv1_1/kernel').values);
  });

  it('leaks no tensors over a run and memory stays flat across epochs', async () => {
    const model = tinyCnn(1);
    const { train: tr, val } = splitSource(images(40, 4), { validationCount: 8, seed: 1 });
    const perEpoch: number[] = [];
    const probe: TrainHook = { onEpochEnd: () => void perEpoch.push(tf.memory().numTensors) };
    const factors = channelGradientFactors(describeParameters(model), { conv1_1: Float32Array.from([0, 1, 1e-3]) });
    const before = tf.memory().numTensors;
    await train(model, { train: tr, val, test: val }, { ...quiet, epochs: 3, batchSize: 8, seed: 1, optimizer: { kind: 'adam', lr: 0.01 } }, [
      probe,
      gradientMaskHook(factors),
      gradientNormHook(),
      snapshotHook({ everyEpochs: 1 }),
    ]);
    assert.equal(tf.memory().numTensors, before, 'tensor count after training = before');
    assert.ok(perEpoch.every((n) => n === perEpoch[0]), `flat over epochs: ${perEpoch.join(', ')}`);
    model.dispose();
  });

  it('stops on a NaN loss with an error naming epoch and step, before that step updates the weights', async () => {
    const src = blobs(40, 4, 2, 5);
    const poisoned: LabelledBatchSource = {
      ...src,
      batch(indices, rng) {
        const b = src.batch(indices, rng);
        if (Array.from(indices).includes(25)) b.xs[0] = NaN;
        return b;
      },
    };
    const model = mlp({ inputSize: 4, hidden: 4, classes: 2, seed: 1 });
    const seen: ParameterSnapshot[] = [];
    const before = tf.memory().numTensors;
    await assert.rejects(
      train(model, { train: poisoned }, { ...quiet, epochs: 2, batchSize: 10, seed: 1, shuffle: false, optimizer: { kind: 'sgd', lr: 0.1 } }, [
        { onStepEnd: () => void seen.push(takeSnapshot(model)) },
      ]),
      (err: unknown) => {
        assert.ok(err instanceof NonFiniteLossError);
        assert.equal(err.epoch, 0);
        assert.equal(err.step, 2);
        assert.match(err.message, /loss is NaN at epoch 0, step 2/);
        return true;
      },
    );
    assert.equal(seen.length, 2);
    assertSnapshotsEqual(takeSnapshot(model), seen[1] as ParameterSnapshot, 'weights as after the last finite step');
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });

  it('early stopping after `patience` epochs without improvement; the best weights are restored', async () => {
    const { train: tr, val } = splitSource(blobs(120, 4, 2, 6), { validationCount: 30, seed: 1 });
    const model = mlp({ inputSize: 4, hidden: 8, classes: 2, seed: 2 });
    // After epoch 1 the weights are scrambled (after the best checkpoint was taken) and lr is 0: no later epoch can
    // improve on the validation loss, so training stops after epoch 1 + patience, and the model gets epoch 1 back.
    let bestAtEpoch1: ParameterSnapshot | undefined;
    const scramble: TrainHook = {
      onEpochEnd: (ctx) => {
        if (ctx.epoch !== 1) return;
        bestAtEpoch1 = takeSnapshot(ctx.model);
        writeSnapshot(ctx.model, addRelativeNoise(bestAtEpoch1, 3, 1));
      },
    };
    const r = await train(
      model,
      { train: tr, val },
      {
        ...quiet,
        epochs: 10,
        batchSize: 16,
        seed: 1,
        optimizer: { kind: 'sgd', lr: 0.1, momentum: 0 },
        lrSchedule: (e) => (e <= 1 ? 0.1 : 0),
        monitor: 'val-loss',
        earlyStopping: { patience: 2 },
      },
      [scramble],
    );
    assert.equal(r.bestEpoch, 1);
    assert.equal(r.history.length, 4);
    assert.ok(r.stoppedEarly && /no val-loss improvement for 2 epochs/.test(r.stopReason ?? ''));
    assert.ok((r.history[2]?.valLoss as number) > (r.history[1]?.valLoss as number));
    assertSnapshotsEqual(r.best, bestAtEpoch1 as ParameterSnapshot, 'best = epoch 1');
    assertSnapshotsEqual(takeSnapshot(model), r.best, 'model restored to best');
    assert.notDeepEqual(snapshotEntry(r.last, 'fc1/kernel').values, snapshotEntry(r.best, 'fc1/kernel').values);
    model.dispose();
  });

  it('a hook can stop training; onTrainEnd runs', async () => {
    const model = mlp({ inputSize: 4, hidden: 4, classes: 2, seed: 1 });
    let ended = false;
    const r = await train(model, { train: blobs(20, 4, 2, 1) }, { ...quiet, epochs: 5, batchSize: 10, seed: 1, optimizer: { kind: 'sgd', lr: 0.1 } }, [
      {
        onStepEnd: (ctx) => {
          if (ctx.globalStep === 2) {
            ctx.stopTraining = true;
            ctx.stopReason = 'enough';
          }
        },
        onTrainEnd: () => void (ended = true),
      },
    ]);
    assert.equal(r.epochsRun, 2);
    assert.equal(r.stopReason, 'enough');
    assert.ok(ended);
    model.dispose();
  });

  it('BatchNorm in the custom step uses batch statistics and updates moving mean/variance (momentum 0.1 as PyTorch)', async () => {
    const model = tinyCnn(3);
    const data = images(16, 9);
    const all = data.batch(Int32Array.from({ length: 16 }, (_, i) => i));
    // Conv output before the step (conv weights are those the training forward pass uses).
    const convOut = tf.tidy(() => layerOutputModel(model, ['conv1_1']).predict(tf.tensor(all.xs, all.shape)) as tf.Tensor);
    const { mean, variance } = tf.moments(convOut, [0, 1, 2]);
    const m = Array.from(mean.dataSync());
    const v = Array.from(variance.dataSync());
    tf.dispose([convOut, mean, variance]);
    await train(model, { train: data }, { ...quiet, epochs: 1, batchSize: 16, seed: 1, optimizer: { kind: 'sgd', lr: 0.01 } });
    const vars = layerVariablesByName(model);
    const movingMean = Array.from(vars.get('bn1_1/moving_mean')?.read().dataSync() ?? []);
    const movingVar = Array.from(vars.get('bn1_1/moving_variance')?.read().dataSync() ?? []);
    movingMean.forEach((x, c) => assert.ok(Math.abs(x - 0.1 * (m[c] as number)) < 1e-5, `moving mean ${c}: ${x} vs ${0.1 * (m[c] as number)}`));
    // tfjs uses the biased batch variance (PyTorch the unbiased one: a factor n/(n-1), n = 16·6·6 here).
    movingVar.forEach((x, c) => assert.ok(Math.abs(x - (0.9 + 0.1 * (v[c] as number))) < 1e-5, `moving var ${c}: ${x}`));
    model.dispose();
  });

  for (const optimizer of [
    { kind: 'adam', lr: 0.01 },
    { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-3 },
  ] as TrainConfig['optimizer'][]) {
    it(`gradient mask: a fully masked conv kernel stays bit-identical through training (${optimizer.kind})`, async () => {
      const model = tinyCnn(5);
      const factors = channelGradientFactors(describeParameters(model), { conv1_1: Float32Array.from([0, 1, 1e-3]) });
      assert.deepEqual(Array.from(factors.get('conv1_1/bias') ?? []), [0, 1, Math.fround(1e-3)]);
      const snaps = snapshotHook({ epochs: [1] });
      await train(model, { train: images(32, 2) }, { ...quiet, epochs: 2, batchSize: 8, seed: 1, optimizer }, [snaps, gradientMaskHook(factors)]);
      const init = snaps.snapshots.get('init') as ParameterSnapshot;
      const last = takeSnapshot(model);
      const k0 = snapshotEntry(init, 'conv1_1/kernel').values;
      const k1 = snapshotEntry(last, 'conv1_1/kernel').values;
      for (let i = 0; i < k0.length; i++) {
        const channel = i % 3;
        if (channel === 0) assert.equal(k1[i], k0[i], `masked element ${i} moved`);
      }
      const moved = (ch: number): number => Array.from(k0).filter((x, i) => i % 3 === ch && x !== k1[i]).length;
      assert.equal(moved(1), k0.length / 3, 'free channel moved everywhere');
      assert.equal(snapshotEntry(last, 'conv1_1/bias').values[0], snapshotEntry(init, 'conv1_1/bias').values[0]);
      assert.ok(snaps.snapshots.has('epoch-1'));
      model.dispose();
    });
  }

  it('gradient mask rejects unknown parameters and wrong sizes', async () => {
    const model = mlp({ inputSize: 4, hidden: 4, classes: 2, seed: 1 });
    const cfg: TrainConfig = { ...quiet, epochs: 1, batchSize: 10, seed: 1, optimizer: { kind: 'sgd', lr: 0.1 } };
    await assert.rejects(train(model, { train: blobs(10, 4, 2, 1) }, cfg, [gradientMaskHook(new Map([['nope/kernel', new Float32Array(1)]]))]), /'nope\/kernel' is not a trainable parameter/);
    await assert.rejects(train(model, { train: blobs(10, 4, 2, 1) }, cfg, [gradientMaskHook(new Map([['fc1/bias', new Float32Array(3)]]))]), /have 3 values, the parameter has 4/);
    assert.throws(() => channelGradientFactors(describeParameters(model), { fc1: new Float32Array(3) }), /'fc1\/kernel' has 4 output channels/);
    model.dispose();
  });

  it('frozen layers (layer.trainable = false) do not move; snapshots at init and chosen epochs', async () => {
    const model = tinyCnn(2);
    model.getLayer('conv1_1').trainable = false;
    const snaps = snapshotHook({ epochs: [0, 2] });
    const r = await train(model, { train: images(16, 1) }, { ...quiet, epochs: 3, batchSize: 8, seed: 1, optimizer: { kind: 'adam', lr: 0.01 } }, [snaps]);
    assert.deepEqual([...snaps.snapshots.keys()], ['init', 'epoch-0', 'epoch-2']);
    const init = snaps.snapshots.get('init') as ParameterSnapshot;
    assert.deepEqual(snapshotEntry(r.last, 'conv1_1/kernel').values, snapshotEntry(init, 'conv1_1/kernel').values);
    assert.notDeepEqual(snapshotEntry(r.last, 'conv2_1/kernel').values, snapshotEntry(init, 'conv2_1/kernel').values);
    assertSnapshotsEqual(snaps.snapshots.get('epoch-2') as ParameterSnapshot, r.last, 'epoch-2 = last');
    model.dispose();
  });

  it('gradient norm hook records the raw per-parameter norms of each step', async () => {
    const src = blobs(20, 4, 2, 3);
    const model = mlp({ inputSize: 4, hidden: 4, classes: 2, seed: 1 });
    const first = src.batch(Int32Array.from({ length: 10 }, (_, i) => i));
    const expected = gradientNorms(model, first);
    const norms = gradientNormHook();
    await train(model, { train: src }, { ...quiet, epochs: 1, batchSize: 10, seed: 1, shuffle: false, optimizer: { kind: 'sgd', lr: 0.1 } }, [norms]);
    assert.equal(norms.records.length, 2);
    for (const [name, value] of expected) {
      assert.ok(Math.abs((norms.records[0]?.norms[name] as number) - value) < 1e-6, `${name}: ${norms.records[0]?.norms[name]} vs ${value}`);
    }
    assert.ok(Object.keys(norms.records[0]?.norms ?? {}).length === 4);
    model.dispose();
    // With BatchNorm: a training-mode forward would move the moving statistics; gradientNorms restores them.
    const cnn = tinyCnn(1);
    const stateBefore = takeSnapshot(cnn);
    const before = tf.memory().numTensors;
    const cnnNorms = gradientNorms(cnn, images(8, 1).batch(Int32Array.from({ length: 8 }, (_, i) => i)));
    assert.equal(tf.memory().numTensors, before);
    assert.ok((cnnNorms.get('conv1_1/kernel') as number) > 0 && !cnnNorms.has('bn1_1/moving_mean'));
    assertSnapshotsEqual(takeSnapshot(cnn), stateBefore, 'no side effect on the model');
    cnn.dispose();
  });
});

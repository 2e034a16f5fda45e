import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/src/backend/select';
import { lenet5 } from '../../../lib/src/models/lenet';
import { resnet18 } from '../../../lib/src/models/resnet';
import { l2Norm } from '../../../lib/src/probe/distance';
import { takeSnapshot, writeSnapshot } from '../../../lib/src/probe/snapshot';
import { flipSigns } from '../../../lib/src/probe/perturb';
import { evaluateModel } from '../../../lib/src/train/evaluate';
import { sourceFromArrays, type LabelledBatchSource } from '../../../lib/src/data/source';
import { createRng } from '../../../lib/src/util/random';
import { recomputeBatchNormStatistics, interpolationPath, InterpolationPoint, pathBarrier } from '../../../lib/src/experiments/signFlip/interpolation';
import { evaluateRobustly } from '../../../lib/src/experiments/signFlip/perturb';

function randomImages(n: number, seed: number): LabelledBatchSource {
  const rng = createRng(seed);
  return sourceFromArrays(Float32Array.from({ length: n * 32 * 32 * 3 }, () => rng.next()), Int32Array.from({ length: n }, (_, i) => i % 10), [32, 32, 3], 10);
}

describe('signFlip: BN recomputation, robust evaluation and interpolation', function () {
  this.timeout(120_000);
  before(async () => {
    await selectBackend({ force: 'cpu' });
  });

  it('after recomputation, inference equals the training-mode forward on the same full batch; the first BN gets the exact moments', async () => {
    const model = resnet18({ width: 4, blocksPerStage: [1, 1], batchNorm: true, inputShape: [32, 32, 3], classes: 10, seed: 3, init: 'kaiming-uniform' });
    const source = randomImages(24, 4);
    const all = source.batch(Int32Array.from({ length: 24 }, (_, i) => i));
    const before = tf.memory().numTensors;
    const layers = await recomputeBatchNormStatistics(model, source, { batchSize: 24 });
    assert.equal(tf.memory().numTensors, before);
    assert.ok(layers >= 5, `BN layers ${layers}`);
    const x = tf.tensor(all.xs, all.shape);
    const inference = (model.apply(x, { training: false }) as tf.Tensor).dataSync();
    const training = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < inference.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((inference[i] as number) - (training[i] as number)));
      maxAbs = Math.max(maxAbs, Math.abs(training[i] as number));
    }
    assert.ok(maxDiff < 1e-4 * Math.max(1, maxAbs), `inference vs training-mode logits differ by ${maxDiff}`);
    // In smaller batches (3 × 8) the first BN layer still gets the exact moments of its input over all 24 images.
    await recomputeBatchNormStatistics(model, source, { batchSize: 8 });
    const firstBn = model.layers.find((l) => l.getClassName() === 'BatchNormalization') as tf.layers.Layer;
    const input = tf.model({ inputs: model.inputs, outputs: firstBn.input as tf.SymbolicTensor }).predict(x) as tf.Tensor;
    const { mean, variance } = tf.moments(input, [0, 1, 2]);
    const mm = firstBn.weights.find((w) => w.originalName.endsWith('moving_mean'))?.read().dataSync() as Float32Array;
    const mv = firstBn.weights.find((w) => w.originalName.endsWith('moving_variance'))?.read().dataSync() as Float32Array;
    const em = mean.dataSync();
    const ev = variance.dataSync();
    for (let c = 0; c < mm.length; c++) {
      assert.ok(Math.abs((mm[c] as number) - (em[c] as number)) < 1e-5 * (1 + Math.abs(em[c] as number)), `mean ${c}`);
      assert.ok(Math.abs((mv[c] as number) - (ev[c] as number)) < 1e-4 * (1 + (ev[c] as number)), `variance ${c}`);
    }
    tf.dispose([x, input, mean, variance]);
    // A model without BN is left alone.
    const lenet = lenet5({ variant: 'parameter-dynamics', channels: 3, seed: 1 });
    const s0 = takeSnapshot(lenet);
    assert.equal(await recomputeBatchNormStatistics(lenet, source), 0);
    assert.equal(l2Norm(s0, { include: 'all' }), l2Norm(takeSnapshot(lenet), { include: 'all' }));
    lenet.dispose();
    model.dispose();
  });

  it('robust evaluation equals evaluateModel on finite outputs, and counts NaN outputs of a flipped BN net as wrong', async () => {
    const source = randomImages(30, 6);
    const lenet = lenet5({ variant: 'parameter-dynamics', channels: 3, seed: 2, init: 'kaiming-normal' });
    const a = await evaluateRobustly(lenet, source);
    const b = await evaluateModel(lenet, source);
    assert.equal(a.nonFiniteShare, 0);
    assert.equal(a.accuracy, b.accuracy);
    assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `${a.loss} vs ${b.loss}`);
    lenet.dispose();
    const net = resnet18({ width: 4, blocksPerStage: [1, 1], batchNorm: true, inputShape: [32, 32, 3], classes: 10, seed: 3 });
    await recomputeBatchNormStatistics(net, source);
    writeSnapshot(net, flipSigns(takeSnapshot(net), { batchNormStatistics: true }));
    const flipped = await evaluateRobustly(net, source);
    assert.equal(flipped.nonFiniteShare, 1);
    assert.ok(Number.isNaN(flipped.loss));
    assert.equal(flipped.accuracy, 0);
    net.dispose();
  });

  it('the path reproduces both end points of a net without BN, and recomputed BN statistics make every point of a flip path finite', async () => {
    const train = randomImages(20, 7);
    const test = randomImages(16, 8);
    const model = lenet5({ variant: 'parameter-dynamics', channels: 3, seed: 5, init: 'kaiming-uniform' });
    const other = lenet5({ variant: 'parameter-dynamics', channels: 3, seed: 6, init: 'kaiming-uniform' });
    const a = takeSnapshot(model, 'a');
    const b = takeSnapshot(other, 'b');
    const refA = await evaluateModel(model, test);
    const refB = await evaluateModel(other, test);
    const points = await interpolationPath(model, a, b, { alphas: [0, 0.5, 1], train, test, batchNormExamples: 20 });
    assert.deepEqual(points.map((p) => p.alpha), [0, 0.5, 1]);
    assert.equal(points[0]?.testLoss, refA.loss);
    assert.equal(points[0]?.testAccuracy, refA.accuracy);
    assert.equal(points[2]?.testLoss, refB.loss);
    model.dispose();
    other.dispose();
    const net = resnet18({ width: 4, blocksPerStage: [1, 1], batchNorm: true, inputShape: [32, 32, 3], classes: 10, seed: 3 });
    await recomputeBatchNormStatistics(net, train);
    const orig = takeSnapshot(net, 'orig');
    const flip = flipSigns(orig, { batchNormStatistics: true });
    const path = await interpolationPath(net, orig, flip, { alphas: [0, 0.5, 1, 1.25], train, test, batchNormExamples: 20 });
    // Linearly interpolated statistics would be 0 (α = 0.5) or negative (α ≥ 1): NaN outputs. Recomputed: finite.
    for (const p of path) assert.ok(Number.isFinite(p.testLoss) && Number.isFinite(p.trainLoss), `α = ${p.alpha}: ${p.testLoss}`);
    net.dispose();
  });

  it('barrier = the largest bump of the curve over the chord between its end points', () => {
    const pts = (losses: number[], accs: number[]): InterpolationPoint[] =>
      [-0.5, 0, 0.25, 0.5, 0.75, 1, 1.5].map((alpha, i) => ({ alpha, trainLoss: losses[i] as number, testLoss: losses[i] as number, trainAccuracy: accs[i] as number, testAccuracy: accs[i] as number }));
    // Chord from L(0) = 1 to L(1) = 2; at α = 0.5 the chord is 1.5 and the curve 3 → barrier 1.5 (points outside [0,1] ignored).
    const b = pathBarrier(pts([9, 1, 2, 3, 2.5, 2, 9], [0, 0.9, 0.7, 0.5, 0.6, 0.8, 0]));
    assert.equal(b.testLossBarrier, 1.5);
    assert.equal(b.trainLossBarrier, 1.5);
    assert.ok(Math.abs(b.testAccuracyDrop - (0.85 - 0.5)) < 1e-12);
    assert.equal(b.testLossArgmax, 0.5);
    // A convex path has no barrier.
    assert.equal(pathBarrier(pts([5, 1, 0.8, 0.9, 1.3, 2, 5], [0, 1, 1, 1, 1, 1, 0])).testLossBarrier, 0);
    assert.throws(() => pathBarrier(pts([1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]).filter((p) => p.alpha !== 1)), /no point at α = 1/);
  });
});

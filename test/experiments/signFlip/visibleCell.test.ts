// Notebook 04 writes its two operations out in visible cells: the flip of every learned parameter with tf.neg
// (BatchNorm running statistics kept), and the loss barrier of an interpolation path as the largest excess of the
// loss over the chord between α = 0 and α = 1. These tests run the same lines (copied from the notebook) and compare
// them with the library's perturbation and pathBarrier.
import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { vggSmall } from '../../../lib/src/models/index';
import { applyPerturbation } from '../../../lib/src/experiments/signFlip/perturb';
import { pathBarrier, type InterpolationPoint } from '../../../lib/src/experiments/signFlip/interpolation';
import { takeSnapshot, writeSnapshot } from '../../../lib/src/probe/snapshot';
import type { SfPathPoint } from '../../../lib/src/experiments/signFlip/records';
import { asNumber } from '../../../lib/src/util/format';
import { createRng } from '../../../lib/src/util/random';

describe('notebook 04 visible cells agree with the library', () => {
  let previousBackend = '';
  before(async () => {
    previousBackend = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  it("negating model.trainableWeights with tf gives the library's flip-weights model (outputs to 1e-5), not flip-all's", () => {
    const make = (): tf.LayersModel => vggSmall({ seed: 2, width: 4, stages: [1, 1], inputShape: [8, 8, 3], classes: 3, batchNorm: true });
    const model = make();
    // Trained-looking BN running statistics (non-zero means, variances ≠ 1), so that keeping or flipping them matters.
    const rng = createRng(9);
    tf.tidy(() => {
      for (const w of model.weights.filter((v) => /moving_(mean|variance)$/.test(v.originalName))) {
        const n = w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
        w.write(tf.tensor(Float32Array.from({ length: n }, () => (/variance/.test(w.originalName) ? 0.5 + rng.next() : rng.normal())), w.shape as number[]));
      }
    });
    const original = takeSnapshot(model, 'original');
    const x = tf.randomNormal([5, 8, 8, 3], 0, 1, 'float32', 4);
    // The notebook's line.
    tf.tidy(() => { for (const w of model.trainableWeights) w.write(tf.neg(w.read())); });
    const byHand = tf.tidy(() => (model.predict(x) as tf.Tensor).arraySync() as number[][]);
    const reference = make();
    writeSnapshot(reference, applyPerturbation(original, { kind: 'flip-weights' }, 0));
    const library = tf.tidy(() => (reference.predict(x) as tf.Tensor).arraySync() as number[][]);
    byHand.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - library[i]![j]!) < 1e-5, `[${i}, ${j}] ${v} vs ${library[i]![j]}`)));
    writeSnapshot(reference, applyPerturbation(original, { kind: 'flip-all' }, 0));
    const flipAll = tf.tidy(() => (reference.predict(x) as tf.Tensor).arraySync() as number[][]);
    assert.ok(flipAll.flat().some((v, k) => !(Math.abs(v - byHand.flat()[k]!) < 1e-3)), 'flipping the running statistics too gives another model');
    x.dispose();
    model.dispose();
    reference.dispose();
  });

  it("the barrier by hand from the path points equals pathBarrier's test-loss barrier", () => {
    const points: InterpolationPoint[] = [-0.25, 0, 0.25, 0.5, 0.75, 1, 1.25].map((alpha) => ({
      alpha,
      // A bump at α ≈ 0.4 on a chord from 0.3 to 0.5; the extrapolated points are higher still but must not count.
      testLoss: 0.3 + 0.2 * alpha + 1.1 * Math.exp(-((alpha - 0.4) ** 2) / 0.02) + (alpha < 0 || alpha > 1 ? 5 : 0),
      trainLoss: 0, trainAccuracy: 0, testAccuracy: 0,
    }));
    const id = { architecture: 'lenet5', dataset: 'mnist', optimizer: 'sgd', init: 'kaiming-uniform', seed: 0, perturbationKind: 'flip-all' } as const;
    const point = (runId: string, perturbation: string, alpha: number, testLoss: number | null): SfPathPoint =>
      ({ ...id, runId, perturbation, alpha, testLoss, trainLoss: 0, trainAccuracy: 0, testAccuracy: 0 });
    const flipRun = { runId: 'm', perturbation: 'flip-all', kept: { testLossBarrier: pathBarrier(points).testLossBarrier } };
    const retrained = [{ runId: 'other', perturbation: 'none', kept: { testLossBarrier: 9 } }, { runId: 'n', perturbation: 'flip-all', kept: null }, flipRun];
    const results = { paths: [...points.map((p) => point('m', 'flip-all', p.alpha, p.testLoss)), point('m', 'none', 0.5, 99), point('n', 'flip-all', 0.5, 50)] };
    // The notebook's lines (ns.format.asNumber → asNumber; `retrained` holds the retrains that ran).
    const flip = retrained.find((x) => x.perturbation === 'flip-all' && x.kept !== null);
    const path = results.paths.filter((p) => p.runId === flip?.runId && p.perturbation === 'flip-all');
    const loss0 = asNumber(path.find((p) => p.alpha === 0)?.testLoss), loss1 = asNumber(path.find((p) => p.alpha === 1)?.testLoss);
    const inside = path.filter((p) => p.alpha >= 0 && p.alpha <= 1);
    const excess = inside.map((p) => asNumber(p.testLoss) - ((1 - p.alpha) * loss0 + p.alpha * loss1));
    const barrier = Math.max(...excess);
    assert.ok(barrier > 0.5, `a real bump: ${barrier}`);
    assert.equal(flip, flipRun);
    assert.ok(Math.abs(barrier - asNumber(flip?.kept?.testLossBarrier)) < 1e-12, `${barrier} vs ${flip?.kept?.testLossBarrier}`);
  });
});

import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { auxiliaryAccuracyClaim, auxiliaryGradientNorms, trainWithAuxiliaryHeads } from '../../../lib/src/experiments/architectures/auxiliary';
import { auxiliaryAccuracyText } from '../../../lib/src/experiments/architectures/text';
import { sourceFromArrays } from '../../../lib/src/data/source';
import { createRng } from '../../../lib/src/util/random';

describe('experiments/architectures: auxiliary classifiers (GoogLeNet)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  const rng = createRng(5);
  const n = 64;
  const xs = Float32Array.from({ length: n * 8 * 8 }, () => rng.normal());
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const batch = sourceFromArrays(xs, labels, [8, 8, 1], 10).batch(Int32Array.from({ length: n }, (_, i) => i));

  it('auxiliary losses change only the layers below their heads; with weight 0 nothing changes', () => {
    const before = tf.memory().numTensors;
    const config = { depth: 12, width: 16, activation: 'sigmoid' as const, auxAt: [4, 8], auxWeight: 0.3 };
    const rows = auxiliaryGradientNorms(config, 1, batch);
    assert.equal(rows.length, 12);
    for (const r of rows) {
      assert.ok(r.withoutAux > 0 && Number.isFinite(r.withAux));
      // Layers 9..12 feed only the main head: their gradient is the main loss's alone.
      if (r.layer > 8) assert.ok(Math.abs(r.withAux - r.withoutAux) <= 1e-6 * r.withoutAux, `layer ${r.layer}: ${r.withAux} vs ${r.withoutAux}`);
    }
    // In a 12-layer sigmoid net the first layer's gradient through the main head is orders of magnitude below the
    // one it gets from the head on layer 4 (4 sigmoid layers deep instead of 12).
    const first = rows[0] as { withoutAux: number; withAux: number };
    assert.ok(first.withAux / first.withoutAux > 10, `layer 1 gain ${first.withAux / first.withoutAux}`);
    const zero = auxiliaryGradientNorms({ ...config, auxWeight: 0 }, 1, batch);
    zero.forEach((r, i) => assert.ok(Math.abs(r.withAux - r.withoutAux) <= 1e-6 * r.withoutAux && Math.abs(r.withoutAux - (rows[i] as { withoutAux: number }).withoutAux) <= 1e-6 * r.withoutAux));
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => auxiliaryGradientNorms({ ...config, auxAt: [12] }, 1, batch), /auxAt must be hidden layers in 1..11/);
  });

  it('trained comparison: same seed, same batches; with weight 0 the auxiliary arm equals the plain arm; no tensor leak', async () => {
    const src = sourceFromArrays(xs, labels, [8, 8, 1], 10);
    const data = { train: src, test: src };
    const config = { depth: 6, width: 8, activation: 'sigmoid' as const, auxAt: [2, 4], auxWeight: 0.3 };
    const spec = { steps: 6, batchSize: 16, lr: 1e-2 };
    const before = tf.memory().numTensors;
    const plain = await trainWithAuxiliaryHeads(config, spec, 2, false, data);
    const again = await trainWithAuxiliaryHeads(config, spec, 2, false, data);
    const zeroWeight = await trainWithAuxiliaryHeads({ ...config, auxWeight: 0 }, spec, 2, true, data);
    const aux = await trainWithAuxiliaryHeads(config, spec, 2, true, data);
    assert.equal(tf.memory().numTensors, before, 'tensors left after training');
    assert.deepEqual(again, plain, 'a seed fixes init and batch order');
    // L_main + 0·ΣL_aux has the main loss's gradients: the main network trains exactly as without heads.
    assert.equal(zeroWeight.finalTrainLoss, plain.finalTrainLoss);
    assert.equal(zeroWeight.testAccuracy, plain.testAccuracy);
    assert.equal(aux.withAux, true);
    assert.ok(aux.finalTrainLoss > plain.finalTrainLoss, 'the reported loss includes the auxiliary terms');
    assert.ok(aux.testAccuracy >= 0 && aux.testAccuracy <= 1);
    await assert.rejects(() => trainWithAuxiliaryHeads(config, { ...spec, steps: 0 }, 2, true, data), /steps must be a positive integer/);
  });

  it('accuracy verdict on hand-made runs: holds, fails, inconclusive (paired by seed)', () => {
    const rows = (gains: number[]) => gains.flatMap((g, seed) => [
      { seed, withAux: false, finalTrainLoss: 1, testAccuracy: 0.2 + 0.01 * seed },
      { seed, withAux: true, finalTrainLoss: 1, testAccuracy: 0.2 + 0.01 * seed + g },
    ]);
    const holds = auxiliaryAccuracyClaim(rows([0.10, 0.12, 0.08, 0.11, 0.09]));
    assert.equal(holds.status, 'holds');
    assert.ok(Math.abs(holds.difference.mean - 0.1) < 1e-12);
    assert.equal(holds.difference.n, 5);
    assert.equal(auxiliaryAccuracyClaim(rows([-0.10, -0.12, -0.08, -0.11, -0.09])).status, 'fails');
    assert.equal(auxiliaryAccuracyClaim(rows([0.10, -0.12, 0.08, -0.11, 0.01])).status, 'inconclusive');
  });

  it('an arm whose seeds all end at the same accuracy gets no zero-width interval; the text says they are equal', () => {
    const rows = [0, 1, 2, 3, 4].flatMap((seed) => [
      { seed, withAux: false, finalTrainLoss: 2.3, testAccuracy: 0.1 },
      { seed, withAux: true, finalTrainLoss: 2.9, testAccuracy: 0.18 + 0.005 * seed },
    ]);
    const claim = auxiliaryAccuracyClaim(rows);
    assert.equal(claim.without.mean, 0.1);
    assert.ok(Number.isNaN(claim.without.lo) && Number.isNaN(claim.without.hi));
    assert.ok(claim.with.hi > claim.with.lo);
    const text = auxiliaryAccuracyText(rows, 'standard');
    assert.match(text, /mean accuracy without 10\.0% \(all 5 equal\), with 19\.0% \[/);
    assert.doesNotMatch(text, /\[10\.0%, 10\.0%\]/);
  });
});

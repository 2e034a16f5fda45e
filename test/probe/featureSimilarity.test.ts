import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/src/backend/select';
import {
  centreFeatures,
  compareFeatures,
  extractFeatures,
  featureCorrelationMatrix,
  linearCKAMatrix,
  linearCKAPair,
  matchUnits,
  penultimateLayerName,
  sortedCorrelationGrid,
} from '../../lib/src/probe/featureSimilarity';
import { lenet5 } from '../../lib/src/models/lenet';
import { resnet18 } from '../../lib/src/models/resnet';
import { vggSmall } from '../../lib/src/models/vgg';
import { linearCKA } from '../../lib/src/stats/cka';
import { pearson } from '../../lib/src/stats/correlation';
import { sourceFromArrays } from '../../lib/src/data/source';
import { createRng } from '../../lib/src/util/random';

function randomMatrix(rows: number, cols: number, seed: number): { data: Float64Array; rows: number; cols: number } {
  const rng = createRng(seed);
  return { data: Float64Array.from({ length: rows * cols }, () => rng.normal()), rows, cols };
}

/** Y = X·M + noise, so that X and Y are related but not identical. */
function related(x: { data: Float64Array; rows: number; cols: number }, cols: number, noise: number, seed: number): { data: Float64Array; rows: number; cols: number } {
  const rng = createRng(seed);
  const m = Float64Array.from({ length: x.cols * cols }, () => rng.normal());
  const data = new Float64Array(x.rows * cols);
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let i = 0; i < x.cols; i++) s += (x.data[r * x.cols + i] as number) * (m[i * cols + j] as number);
      data[r * cols + j] = s + noise * rng.normal();
    }
  }
  return { data, rows: x.rows, cols };
}

function column(x: { data: ArrayLike<number>; rows: number; cols: number }, c: number): number[] {
  return Array.from({ length: x.rows }, (_, r) => x.data[r * x.cols + c] as number);
}

describe('featureSimilarity: correlation, pairing, CKA', () => {
  const x = randomMatrix(200, 6, 1);
  const y = related(x, 5, 2, 2);

  it('the correlation matrix equals stats.pearson for every pair of units; a dead unit correlates 0', () => {
    const withDead = { data: Float64Array.from(y.data), rows: y.rows, cols: y.cols };
    for (let r = 0; r < withDead.rows; r++) withDead.data[r * withDead.cols + 4] = 3.5; // constant unit
    const a = centreFeatures(x);
    const b = centreFeatures(withDead);
    assert.equal(b.deadUnits, 1);
    assert.equal(a.deadUnits, 0);
    const c = featureCorrelationMatrix(a, b);
    assert.equal(c.rows, 6);
    assert.equal(c.cols, 5);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 5; j++) {
        const got = c.data[i * 5 + j] as number;
        if (j === 4) assert.equal(got, 0);
        else assert.ok(Math.abs(got - pearson(column(x, i), column(withDead, j)).r) < 1e-12, `r[${i}][${j}]`);
      }
    }
  });

  it('linear CKA and debiased CKA equal stats.linearCKA, and the all-pairs matrix equals the pairwise values', () => {
    const z = related(x, 8, 0.5, 3);
    const cx = centreFeatures(x);
    const cy = centreFeatures(y);
    const cz = centreFeatures(z);
    const pair = linearCKAPair(cx, cy);
    assert.ok(Math.abs(pair.cka - linearCKA(x, y)) < 1e-12);
    assert.ok(Math.abs(pair.ckaDebiased - linearCKA(x, y, { debiased: true })) < 1e-12);
    const m = linearCKAMatrix([cx, cy, cz]);
    const all = [x, y, z];
    for (let i = 0; i < 3; i++) {
      assert.equal(m.cka[i]?.[i], 1);
      assert.equal(m.ckaDebiased[i]?.[i], 1);
      for (let j = 0; j < 3; j++) {
        if (i === j) continue;
        assert.equal(m.cka[i]?.[j], m.cka[j]?.[i]);
        assert.ok(Math.abs((m.cka[i]?.[j] as number) - linearCKA(all[i]!, all[j]!)) < 1e-12, `cka ${i},${j}`);
        assert.ok(Math.abs((m.ckaDebiased[i]?.[j] as number) - linearCKA(all[i]!, all[j]!, { debiased: true })) < 1e-12, `dcka ${i},${j}`);
      }
    }
  });

  it('CKA of features with themselves, a rotation or a rescaling of them is 1 (plain and debiased)', () => {
    const cx = centreFeatures(x);
    const self = linearCKAPair(cx, cx);
    assert.ok(Math.abs(self.cka - 1) < 1e-12 && Math.abs(self.ckaDebiased - 1) < 1e-12);
    // Rotation in the plane of units 0 and 1, and scaling by 3.
    const t = Math.PI / 5;
    const rotated = Float64Array.from(x.data);
    for (let r = 0; r < x.rows; r++) {
      const a = x.data[r * 6] as number;
      const b = x.data[r * 6 + 1] as number;
      rotated[r * 6] = 3 * (Math.cos(t) * a - Math.sin(t) * b);
      rotated[r * 6 + 1] = 3 * (Math.sin(t) * a + Math.cos(t) * b);
      for (let c = 2; c < 6; c++) rotated[r * 6 + c] = 3 * (x.data[r * 6 + c] as number);
    }
    const rot = linearCKAPair(cx, centreFeatures({ data: rotated, rows: x.rows, cols: 6 }));
    assert.ok(Math.abs(rot.cka - 1) < 1e-12 && Math.abs(rot.ckaDebiased - 1) < 1e-12);
  });

  it('Hungarian pairing recovers a permutation with sign flips (|r| = 1), greedy too', () => {
    const perm = [3, 0, 5, 1, 4, 2];
    const permuted = new Float64Array(x.data.length);
    for (let r = 0; r < x.rows; r++) {
      perm.forEach((src, j) => {
        permuted[r * 6 + j] = (j % 2 === 0 ? -1 : 1) * (x.data[r * 6 + src] as number) * (j + 1) + 7;
      });
    }
    const c = compareFeatures(centreFeatures(x), centreFeatures({ data: permuted, rows: x.rows, cols: 6 }));
    for (const method of ['hungarian', 'greedy'] as const) {
      const pairs = method === 'hungarian' ? c.hungarian : c.greedy;
      assert.equal(pairs.length, 6);
      for (const p of pairs) {
        assert.equal(perm[p.col], p.row, `${method}: unit ${p.row} of A paired with ${p.col} of B`);
        assert.ok(Math.abs(Math.abs(p.r) - 1) < 1e-12);
      }
    }
    assert.ok(Math.abs(c.hungarianMeanAbsR - 1) < 1e-12 && Math.abs(c.greedyMeanAbsR - 1) < 1e-12);
  });

  it('greedy pairing is suboptimal on a hand-made matrix where Hungarian is not', () => {
    // |r| = [[0.9, 0.8], [0.85, 0.1]]: greedy takes 0.9 then 0.1 (mean 0.5); optimal 0.8 + 0.85 (mean 0.825).
    const corr = { data: Float64Array.from([0.9, -0.8, 0.85, 0.1]), rows: 2, cols: 2 };
    const g = matchUnits(corr, 'greedy');
    const h = matchUnits(corr, 'hungarian');
    assert.deepEqual(g.map((p) => [p.row, p.col, p.r]), [[0, 0, 0.9], [1, 1, 0.1]]);
    assert.deepEqual(h.map((p) => [p.row, p.col, p.r]), [[1, 0, 0.85], [0, 1, -0.8]]);
    const grid = sortedCorrelationGrid(corr, h);
    assert.deepEqual(grid, [[0.85, 0.1], [0.9, 0.8]]); // diagonal = the matched pairs
  });

  it('rejects matrices of different examples and too few rows', () => {
    const a = centreFeatures(x);
    const b = centreFeatures(randomMatrix(100, 3, 9));
    assert.throws(() => compareFeatures(a, b), /200 and 100 examples/);
    assert.throws(() => centreFeatures({ data: [1, 2], rows: 1, cols: 2 }), /rows >= 2/);
    assert.throws(() => centreFeatures({ data: [1, NaN, 2, 3], rows: 2, cols: 2 }), /row 0, column 1 is NaN/);
  });
});

describe('featureSimilarity: features of real models', () => {
  before(async () => {
    await selectBackend({ force: 'cpu' });
  });

  it('finds the penultimate layer of LeNet-5, the VGG-style net and the ResNet', () => {
    const models = [
      lenet5({ variant: 'parameter-dynamics', channels: 3, seed: 1 }),
      vggSmall({ width: 4, stages: [1, 1], batchNorm: false, inputShape: [32, 32, 3], classes: 10, seed: 1 }),
      resnet18({ width: 4, blocksPerStage: [1, 1], batchNorm: true, inputShape: [32, 32, 3], classes: 10, seed: 1 }),
    ];
    assert.deepEqual(models.map(penultimateLayerName), ['relu4', 'flatten', 'gap']);
    for (const m of models) m.dispose();
  });

  it('extracts the layer outputs batch by batch, without leaking tensors; CKA of a model with itself is 1', async () => {
    const model = lenet5({ variant: 'parameter-dynamics', channels: 3, seed: 4, init: 'kaiming-uniform' });
    const rng = createRng(5);
    const n = 37;
    const xs = Float32Array.from({ length: n * 32 * 32 * 3 }, () => rng.next());
    const source = sourceFromArrays(xs, Int32Array.from({ length: n }, (_, i) => i % 10), [32, 32, 3], 10);
    const before = tf.memory().numTensors;
    const f = await extractFeatures(model, source, { batchSize: 10 });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(f.layer, 'relu4');
    assert.equal(f.rows, n);
    assert.equal(f.cols, 84);
    // Independent reference: a sub-model on the whole input at once.
    const ref = tf.tidy(() => {
      const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer('relu4').output as tf.SymbolicTensor });
      return (probe.predict(tf.tensor(xs, [n, 32, 32, 3])) as tf.Tensor).dataSync() as Float32Array;
    });
    for (let i = 0; i < ref.length; i++) assert.ok(Math.abs((f.data[i] as number) - (ref[i] as number)) < 1e-5);
    const limited = await extractFeatures(model, source, { maxExamples: 12, layer: 'fc1' });
    assert.equal(limited.rows, 12);
    assert.equal(limited.cols, 120);
    const c = centreFeatures(f);
    const self = compareFeatures(c, c);
    assert.ok(Math.abs(self.cka - 1) < 1e-12);
    assert.ok(Math.abs(self.ckaDebiased - 1) < 1e-12);
    // Every live unit pairs with itself at r = 1; dead units (constant after ReLU) count as r = 0.
    const live = c.cols - c.deadUnits;
    assert.ok(Math.abs(self.hungarianMeanAbsR - live / c.cols) < 1e-9);
    await assert.rejects(() => extractFeatures(model, source, { layer: 'nope' }), /has no layer 'nope'/);
    model.dispose();
  });
});

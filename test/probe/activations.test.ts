import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { mlp, vggSmall } from '../../lib/src/models/index';
import { RunningMoments, ReservoirSampler, layerOutputModel, probeActivations } from '../../lib/src/probe/index';
import { sourceFromArrays } from '../../lib/src/data/source';
import { createRng } from '../../lib/src/util/random';

function twoPass(values: Float64Array | Float32Array, rows: number, units: number): { mean: number[]; variance: number[] } {
  const mean = new Array<number>(units).fill(0);
  const variance = new Array<number>(units).fill(0);
  for (let r = 0; r < rows; r++) for (let u = 0; u < units; u++) mean[u] = (mean[u] as number) + (values[r * units + u] as number);
  for (let u = 0; u < units; u++) mean[u] = (mean[u] as number) / rows;
  for (let r = 0; r < rows; r++) for (let u = 0; u < units; u++) variance[u] = (variance[u] as number) + ((values[r * units + u] as number) - (mean[u] as number)) ** 2;
  for (let u = 0; u < units; u++) variance[u] = (variance[u] as number) / rows;
  return { mean, variance };
}

describe('probe/activations', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('RunningMoments (batched + Chan merge) equals the two-pass mean/variance, also with a large offset', () => {
    const rng = createRng(1);
    const rows = 1000;
    const units = 3;
    const values = new Float64Array(rows * units);
    // unit 2 has mean 1e6 and sd 1: the naive Σx² − n·mean² formula loses all digits here
    for (let r = 0; r < rows; r++) {
      values[r * units] = rng.normal();
      values[r * units + 1] = rng.next() < 0.5 ? 0 : rng.normal() * 3 + 2;
      values[r * units + 2] = 1e6 + rng.normal();
    }
    const ref = twoPass(values, rows, units);
    const m = new RunningMoments(units);
    // uneven batches: 1, 7, 100, rest
    let start = 0;
    for (const n of [1, 7, 100, rows - 108]) {
      m.addRows(values.subarray(start * units, (start + n) * units), n);
      start += n;
    }
    assert.equal(m.count, rows);
    for (let u = 0; u < units; u++) {
      assert.ok(Math.abs((m.mean[u] as number) - (ref.mean[u] as number)) <= 1e-12 * Math.max(1, Math.abs(ref.mean[u] as number)));
      assert.ok(Math.abs((m.variance(0)[u] as number) / (ref.variance[u] as number) - 1) < 1e-9, `unit ${u}`);
      assert.ok(Math.abs((m.variance(1)[u] as number) - ((ref.variance[u] as number) * rows) / (rows - 1)) < 1e-9 * (ref.variance[u] as number) * 2);
    }
    // merging two accumulators = one accumulator over everything
    const a = new RunningMoments(units);
    const b = new RunningMoments(units);
    a.addRows(values.subarray(0, 300 * units), 300);
    b.addRows(values.subarray(300 * units), rows - 300);
    a.merge(b);
    for (let u = 0; u < units; u++) assert.ok(Math.abs((a.variance()[u] as number) / (ref.variance[u] as number) - 1) < 1e-9);
    assert.ok(Number.isNaN(new RunningMoments(1).variance(1)[0]));
    assert.throws(() => m.addRows(new Float32Array(5), 2), /expected rows·units = 2·3/);
  });

  it('ReservoirSampler: exact while under capacity, seeded, and uniform over the stream', () => {
    const small = new ReservoirSampler(2, 10, 1);
    small.addRows(Float32Array.from([1, -1, 2, -2, 3, -3]), 3);
    assert.deepEqual(Array.from(small.sample(1)), [-1, -2, -3]);
    // Inclusion frequency of each stream position over many seeds ≈ k/n.
    const n = 200;
    const k = 20;
    const hits = new Float64Array(n);
    const trials = 400;
    const stream = Float32Array.from({ length: n }, (_, i) => i);
    for (let t = 0; t < trials; t++) {
      const r = new ReservoirSampler(1, k, t);
      // offered in uneven chunks
      r.addRows(stream.subarray(0, 13), 13);
      r.addRows(stream.subarray(13, 150), 137);
      r.addRows(stream.subarray(150), 50);
      const s = r.sample(0);
      assert.equal(s.length, k);
      assert.equal(new Set(s).size, k, 'no value twice');
      for (const v of s) hits[v] = (hits[v] as number) + 1;
    }
    const expected = (trials * k) / n; // 40 per position
    const firstHalf = Array.from(hits.subarray(0, n / 2)).reduce((a, b) => a + b, 0);
    const secondHalf = Array.from(hits.subarray(n / 2)).reduce((a, b) => a + b, 0);
    // halves: each ~ 4000 ± ~60 (binomial-ish); early and late positions equally likely
    assert.ok(Math.abs(firstHalf - secondHalf) < 400, `${firstHalf} vs ${secondHalf}`);
    let chi = 0;
    for (const h of hits) chi += (h - expected) ** 2 / expected;
    // chi-square with 199 df: mean 199, sd ~20; allow a wide margin
    assert.ok(chi < 300, `chi-square ${chi}`);
    const again = new ReservoirSampler(1, k, 5);
    again.addRows(stream, n);
    const again2 = new ReservoirSampler(1, k, 5);
    again2.addRows(stream, n);
    assert.deepEqual(again.sample(0), again2.sample(0));
  });

  it('probes dense units and conv channels batch-wise exactly as one full pass; features, ever-active, samples', async () => {
    const rng = createRng(2);
    const n = 37;
    const xs = Float32Array.from({ length: n * 6 * 6 * 2 }, () => rng.normal());
    const src = sourceFromArrays(xs, new Int32Array(n), [6, 6, 2], 2);
    const model = vggSmall({ seed: 3, width: 3, stages: [1], inputShape: [6, 6, 2], classes: 4, classifierHidden: [5] });
    const stats = await probeActivations(model, src, { layers: ['relu1_1', 'fc1_relu'], batchSize: 8, features: ['fc1_relu'], samplesPerUnit: 50, seed: 1 });
    // Reference: all examples at once.
    const [conv, fc] = tf.tidy(() => (layerOutputModel(model, ['relu1_1', 'fc1_relu']).predict(tf.tensor(xs, [n, 6, 6, 2])) as tf.Tensor[]).map((t) => t.dataSync() as Float32Array));
    const c = stats.get('relu1_1');
    assert.ok(c);
    assert.equal(c.reduce, 'channel');
    assert.equal(c.units, 3);
    assert.equal(c.examples, n);
    assert.equal(c.moments.count, n * 36);
    const refC = twoPass(conv as Float32Array, n * 36, 3);
    for (let u = 0; u < 3; u++) {
      assert.ok(Math.abs((c.mean[u] as number) - (refC.mean[u] as number)) < 1e-6);
      assert.ok(Math.abs((c.variance[u] as number) - (refC.variance[u] as number)) < 1e-6);
      assert.ok(Math.abs((c.std[u] as number) - Math.sqrt(refC.variance[u] as number)) < 1e-6);
      assert.equal(c.samples?.[u]?.length, 50);
    }
    const f = stats.get('fc1_relu');
    assert.ok(f && f.reduce === 'unit' && f.units === 5);
    assert.deepEqual(f.features, fc);
    const refF = twoPass(fc as Float32Array, n, 5);
    for (let u = 0; u < 5; u++) {
      assert.ok(Math.abs((f.variance[u] as number) - (refF.variance[u] as number)) < 1e-6);
      let anyActive = false;
      let max = -Infinity;
      for (let r = 0; r < n; r++) {
        const v = (fc as Float32Array)[r * 5 + u] as number;
        anyActive ||= v > 0;
        max = Math.max(max, v);
      }
      assert.equal(f.everActive[u], anyActive ? 1 : 0);
      assert.equal(f.max[u], max);
      if (!anyActive) assert.equal(f.std[u], 0, 'dead unit: std exactly 0');
    }
    model.dispose();
  });

  it('a dead ReLU unit has std exactly 0 and is never active; unknown layers are named in the error', async () => {
    const model = mlp({ inputSize: 3, hidden: 4, classes: 2, seed: 1 });
    // make hidden unit 2 dead: weights 0, bias −1
    const k = model.getLayer('fc1').getWeights(); // the layer's own variables: not to be disposed
    const kernel = (k[0] as tf.Tensor).arraySync() as number[][];
    const bias = Array.from((k[1] as tf.Tensor).dataSync());
    for (const row of kernel) row[2] = 0;
    bias[2] = -1;
    const newWeights = [tf.tensor(kernel), tf.tensor(bias)];
    model.getLayer('fc1').setWeights(newWeights);
    tf.dispose(newWeights);
    const rng = createRng(4);
    const src = sourceFromArrays(Float32Array.from({ length: 30 }, () => rng.normal()), new Int32Array(10), [3], 2);
    const before = tf.memory().numTensors;
    const stats = await probeActivations(model, src, { layers: ['relu1'], batchSize: 3 });
    assert.equal(tf.memory().numTensors, before, 'no leaks');
    const h = stats.get('relu1');
    assert.equal(h?.std[2], 0);
    assert.equal(h?.everActive[2], 0);
    await assert.rejects(probeActivations(model, src, { layers: ['nope'] }), /no layer 'nope'; layers: fc1, relu1, fc2/);
    model.dispose();
  });
});

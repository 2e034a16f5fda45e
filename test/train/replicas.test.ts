import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../lib/src/util/random';
import { selectBackend } from '../../lib/src/backend/select';
import type { LabelledBatchSource } from '../../lib/src/data/source';
import {
  MlpReplicas,
  MlpReplicaWeights,
  StackedAdam,
  replicaBatchTensors,
  resizeMlpReplicasHidden,
  shuffledBatchIndices,
  forEachHiddenBatch,
  initMlpReplicaWeights,
  mlpReplicaCorrect,
  trainReplicas,
} from '../../lib/src/train/replicas';

/** A random classification problem: inputs N(0,1)-ish, labels from a fixed random linear map. */
function syntheticSource(count: number, inputSize: number, classes: number, seed: number): LabelledBatchSource {
  const rng = createRng(seed);
  const inputs = Float32Array.from({ length: count * inputSize }, () => rng.normal());
  const map = Float32Array.from({ length: inputSize * classes }, () => rng.normal());
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = 0;
      for (let k = 0; k < inputSize; k++) s += (inputs[i * inputSize + k] as number) * (map[k * classes + c] as number);
      if (s > bestScore) [best, bestScore] = [c, s];
    }
    labels[i] = best;
  }
  return {
    count,
    exampleShape: [inputSize],
    classes,
    batch(indices) {
      const xs = new Float32Array(indices.length * inputSize);
      const out = new Int32Array(indices.length);
      indices.forEach((idx, i) => {
        xs.set(inputs.subarray(idx * inputSize, (idx + 1) * inputSize), i * inputSize);
        out[i] = labels[idx] as number;
      });
      return { xs, labels: out, shape: [indices.length, inputSize] };
    },
  };
}

/**
 * The independent reference: ONE model built from plain tfjs ops, gradients by tfjs autodiff
 * (tf.losses.softmaxCrossEntropy), updates by tfjs's own Adam (same formula as PyTorch's, eps set to 1e-8).
 */
function trainAloneReference(weights: MlpReplicaWeights, source: LabelledBatchSource, batches: Int32Array[]): MlpReplicaWeights {
  const { inputSize: I, hiddenSize: h, outputSize: O } = weights;
  const w1 = tf.variable(tf.tensor2d(weights.w1, [I, h]));
  const b1 = tf.variable(tf.tensor1d(weights.b1));
  const w2 = tf.variable(tf.tensor2d(weights.w2, [h, O]));
  const b2 = tf.variable(tf.tensor1d(weights.b2));
  const adam = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  for (const indices of batches) {
    const { x, oneHot } = replicaBatchTensors(source, indices);
    const cost = adam.minimize(() => {
      const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2);
      return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
    }, true);
    cost?.dispose();
    x.dispose();
    oneHot.dispose();
  }
  const out: MlpReplicaWeights = {
    inputSize: I,
    hiddenSize: h,
    outputSize: O,
    w1: w1.dataSync() as Float32Array,
    b1: b1.dataSync() as Float32Array,
    w2: w2.dataSync() as Float32Array,
    b2: b2.dataSync() as Float32Array,
  };
  adam.dispose();
  for (const v of [w1, b1, w2, b2]) v.dispose();
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

describe('train/replicas', () => {
  let previousBackend = '';
  before(async () => {
    previousBackend = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  it('initialises like PyTorch nn.Linear: U(+-1/sqrt(fan_in)) for weights and biases, seeded', () => {
    const a = initMlpReplicaWeights(5, 784, 300, 10);
    const b = initMlpReplicaWeights(5, 784, 300, 10);
    const c = initMlpReplicaWeights(6, 784, 300, 10);
    assert.deepEqual(a.w1, b.w1);
    assert.notDeepEqual(a.w1.subarray(0, 10), c.w1.subarray(0, 10));
    const bound1 = 1 / Math.sqrt(784);
    const bound2 = 1 / Math.sqrt(300);
    assert.ok(maxAbs(a.w1) <= bound1 && maxAbs(a.b1) <= bound1);
    assert.ok(maxAbs(a.w2) <= bound2 && maxAbs(a.b2) <= bound2);
    // Uniform on [-b, b]: max close to b, variance b^2/3.
    assert.ok(maxAbs(a.w1) > 0.999 * bound1);
    let s2 = 0;
    for (const v of a.w1) s2 += v * v;
    const variance = s2 / a.w1.length;
    assert.ok(Math.abs(variance / (bound1 * bound1 / 3) - 1) < 0.01, `variance ratio ${variance / (bound1 * bound1 / 3)}`);
  });

  it('stacks replicas and gets each one back unchanged; forward equals each replica alone', () => {
    const seeds = [11, 12, 13];
    const model = MlpReplicas.create({ inputSize: 7, hiddenSize: 5, outputSize: 3, seeds });
    const x = tf.randomNormal([4, 7]) as tf.Tensor2D;
    const { hidden, logits } = model.forward(x);
    assert.deepEqual(hidden.shape, [4, 15]);
    assert.deepEqual(logits.shape, [3, 4, 3]);
    const hiddenValues = hidden.arraySync();
    const logitValues = logits.arraySync();
    seeds.forEach((seed, r) => {
      const alone = initMlpReplicaWeights(seed, 7, 5, 3);
      const back = model.replicaWeights(r);
      assert.deepEqual(back.w1, alone.w1);
      assert.deepEqual(back.b1, alone.b1);
      assert.deepEqual(back.w2, alone.w2);
      assert.deepEqual(back.b2, alone.b2);
      const h = tf.relu(tf.add(tf.matMul(x, tf.tensor2d(alone.w1, [7, 5])), alone.b1 as unknown as tf.Tensor));
      const l = tf.add(tf.matMul(h, tf.tensor2d(alone.w2, [5, 3])), tf.tensor1d(alone.b2));
      const hv = h.arraySync() as number[][];
      const lv = l.arraySync() as number[][];
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 5; j++) assert.ok(Math.abs((hiddenValues[i]![r * 5 + j] as number) - hv[i]![j]!) < 1e-6);
        for (let c = 0; c < 3; c++) assert.ok(Math.abs(logitValues[r]![i]![c]! - lv[i]![c]!) < 1e-6);
      }
      h.dispose();
      l.dispose();
    });
    for (const t of [x, hidden, logits]) t.dispose();
    model.dispose();
  });

  it('a replica trained in lock-step equals the same model trained alone (autodiff + tfjs Adam), no leaks', () => {
    const source = syntheticSource(200, 20, 4, 3);
    const seeds = [101, 202, 303];
    const model = MlpReplicas.create({ inputSize: 20, hiddenSize: 16, outputSize: 4, seeds });
    const before = tf.memory().numTensors;
    // epoch 0's batches of the same shuffle the trainer will draw (same seed -> same permutations)
    const shuffle = createRng(77);
    const batches = [...shuffledBatchIndices(200, 32, shuffle), ...shuffledBatchIndices(200, 32, shuffle)];
    const result = trainReplicas({ model, source, epochs: 2, batchSize: 32, shuffleSeed: 77 });
    assert.equal(result.steps, 14); // ceil(200/32) = 7 per epoch, the last batch has 8 examples
    assert.equal(result.examplesSeen, 400);
    assert.equal(result.optimizer.step, 14);
    assert.equal(result.epochLoss.length, 2);
    result.optimizer.dispose();
    assert.equal(tf.memory().numTensors, before, 'training leaked tensors');
    seeds.forEach((seed, r) => {
      const start = initMlpReplicaWeights(seed, 20, 16, 4);
      const alone = trainAloneReference(start, source, batches);
      const locked = model.replicaWeights(r);
      for (const key of ['w1', 'b1', 'w2', 'b2'] as const) {
        const moved = maxAbsDiff(alone[key], start[key]);
        const diff = maxAbsDiff(alone[key], locked[key]);
        // 14 Adam steps move weights by up to ~14e-3; the two programs agree to float32 rounding.
        assert.ok(moved > 1e-3, `${key} of replica ${r} did not train (moved ${moved})`);
        assert.ok(diff < 2e-6, `${key} of replica ${r}: lock-step vs alone differ by ${diff}`);
      }
    });
    model.dispose();
  });

  it('learns: loss falls and accuracy rises on a separable problem; counts correct predictions per replica', () => {
    const source = syntheticSource(400, 10, 3, 9);
    const model = MlpReplicas.create({ inputSize: 10, hiddenSize: 32, outputSize: 3, seeds: [1, 2] });
    const before = mlpReplicaCorrect(model, source, 128);
    const result = trainReplicas({ model, source, epochs: 15, batchSize: 32, shuffleSeed: 1, adam: { lr: 1e-2 } });
    const after = mlpReplicaCorrect(model, source, 128);
    const first = result.epochLoss[0] as number[];
    const last = result.epochLoss[14] as number[];
    for (let r = 0; r < 2; r++) {
      assert.ok((last[r] as number) < 0.5 * (first[r] as number), `loss ${first[r]} -> ${last[r]}`);
      assert.ok((after[r] as number) > 0.9 * 400 && (after[r] as number) > (before[r] as number));
    }
    // mlpReplicaCorrect against a direct count from the logits
    const { x, labels } = replicaBatchTensors(source, Int32Array.from({ length: 400 }, (_, i) => i));
    const predictions = tf.tidy(() => tf.argMax(model.logits(x), 2).arraySync() as number[][]);
    for (let r = 0; r < 2; r++) {
      const direct = predictions[r]!.filter((p, i) => p === labels[i]).length;
      assert.equal(after[r], direct);
    }
    x.dispose();
    result.optimizer.dispose();
    model.dispose();
  });

  it('forEachHiddenBatch streams every example once, in order, with a short last batch', () => {
    const source = syntheticSource(25, 6, 2, 4);
    const model = MlpReplicas.create({ inputSize: 6, hiddenSize: 3, outputSize: 2, seeds: [1, 2] });
    const seen: number[] = [];
    forEachHiddenBatch(model, source, 10, (hidden, predictions, labels) => {
      assert.equal(hidden.length, labels.length * 6);
      assert.equal(predictions.length, labels.length * 2);
      seen.push(labels.length);
    });
    assert.deepEqual(seen, [10, 10, 5]);
    model.dispose();
  });

  it('StackedAdam resumes from saved moments exactly', () => {
    const p1 = tf.variable(tf.tensor1d([1, -2, 3]));
    const p2 = tf.variable(tf.tensor1d([1, -2, 3]));
    const a1 = new StackedAdam([p1]);
    const g = tf.tensor1d([0.5, -0.1, 2]);
    a1.update([g]);
    const a2 = new StackedAdam([p2], {}, { moments: a1.moments(), step: a1.step });
    p2.assign(p1);
    a1.update([g]);
    a2.update([g]);
    assert.deepEqual(p1.dataSync(), p2.dataSync());
    // hand-computed first step: m = 0.1 g, v = 0.001 g^2, step = lr * m_hat / (sqrt(v_hat) + eps) = ~lr * sign(g)
    const p3 = tf.variable(tf.tensor1d([1, -2, 3]));
    const a3 = new StackedAdam([p3]);
    a3.update([g]);
    const expected = [1 - 1e-3 * 0.5 / (0.5 + 1e-8), -2 + 1e-3 * 0.1 / (0.1 + 1e-8), 3 - 1e-3 * 2 / (2 + 1e-8)];
    Array.from(p3.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6));
    for (const t of [p1, p2, p3, g]) t.dispose();
    for (const a of [a1, a2, a3]) a.dispose();
  });

  it('resizes the hidden layer: kept units move with their weights and Adam moments, grown units start at init with zero outputs', () => {
    const source = syntheticSource(64, 6, 3, 8);
    const model = MlpReplicas.create({ inputSize: 6, hiddenSize: 5, outputSize: 3, seeds: [1, 2] });
    const trained = trainReplicas({ model, source, epochs: 1, batchSize: 16, shuffleSeed: 3 });
    const keep = [Int32Array.from([4, 0, 2]), Int32Array.from([1, 2, 3])];
    const { model: resized, optimizer } = resizeMlpReplicasHidden(model, keep, 2, [77, 78], trained.optimizer);
    assert.equal(resized.hiddenSize, 5);
    assert.equal(optimizer?.step, trained.optimizer.step);
    for (let r = 0; r < 2; r++) {
      const before = model.replicaWeights(r);
      const after = resized.replicaWeights(r);
      const fresh = initMlpReplicaWeights(77 + r, 6, 2, 3);
      for (let i = 0; i < 6; i++) {
        keep[r]!.forEach((j, k) => assert.equal(after.w1[i * 5 + k], before.w1[i * 5 + j]));
        for (let g = 0; g < 2; g++) assert.equal(after.w1[i * 5 + 3 + g], fresh.w1[i * 2 + g]);
      }
      keep[r]!.forEach((j, k) => {
        assert.equal(after.b1[k], before.b1[j]);
        for (let c = 0; c < 3; c++) assert.equal(after.w2[k * 3 + c], before.w2[j * 3 + c]);
      });
      assert.deepEqual(Array.from(after.b1.subarray(3)), Array.from(fresh.b1));
      assert.deepEqual(Array.from(after.w2.subarray(9)), [0, 0, 0, 0, 0, 0]);
      assert.deepEqual(after.b2, before.b2);
    }
    // moments of w1 follow the same column map; grown columns start at 0
    const oldM = trained.optimizer.moments()[0]!.m;
    const newM = optimizer!.moments()[0]!.m;
    keep[1]!.forEach((j, k) => assert.equal(newM[0 * 10 + 5 + k], oldM[0 * 10 + 5 + j]));
    assert.equal(newM[0 * 10 + 5 + 3], 0);
    // growing without pruning preserves the function exactly (new units have zero outgoing weights)
    const all = Int32Array.from({ length: 5 }, (_, i) => i);
    const grown = resizeMlpReplicasHidden(model, [all, all], 4, [5, 6]).model;
    const x = tf.randomNormal([7, 6]) as tf.Tensor2D;
    const l1 = model.logits(x);
    const l2 = grown.logits(x);
    assert.ok(maxAbsDiff(l1.dataSync() as Float32Array, l2.dataSync() as Float32Array) < 1e-6);
    assert.throws(() => resizeMlpReplicasHidden(model, [all, Int32Array.from([0])], 0, []), /replica 1 keeps 1 units, replica 0 keeps 5/);
    for (const t of [x, l1, l2]) t.dispose();
    for (const m of [model, resized, grown]) m.dispose();
    trained.optimizer.dispose();
    optimizer?.dispose();
  });

  it('StackedAdam follows PyTorch\'s Adam formulas (float64 reference), on cpu and on wasm with the pack', async () => {
    const lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const rng = createRng(21);
    const init = Float32Array.from({ length: 3001 }, () => rng.normal());
    const grads = Array.from({ length: 5 }, () => Float32Array.from({ length: 3001 }, () => (rng.next() < 0.2 ? 0 : rng.normal() * 1e-3)));
    // torch.optim.Adam written out in float64
    const expected = Float64Array.from(init);
    const m = new Float64Array(init.length), v = new Float64Array(init.length);
    grads.forEach((g, k) => {
      const t = k + 1;
      for (let i = 0; i < g.length; i++) {
        m[i] = b1 * (m[i] as number) + (1 - b1) * (g[i] as number);
        v[i] = b2 * (v[i] as number) + (1 - b2) * (g[i] as number) ** 2;
        const denom = Math.sqrt(v[i] as number) / Math.sqrt(1 - b2 ** t) + eps;
        expected[i] = (expected[i] as number) - (lr / (1 - b1 ** t)) * ((m[i] as number) / denom);
      }
    });
    for (const backend of ['cpu', 'wasm']) {
      if (backend === 'wasm') await selectBackend({ force: 'wasm' });
      else await tf.setBackend('cpu');
      const before = tf.memory().numTensors;
      const initial = tf.tensor1d(init);
      const p = tf.variable(initial);
      initial.dispose();
      const adam = new StackedAdam([p], { lr, beta1: b1, beta2: b2, eps });
      for (const g of grads) {
        const t = tf.tensor1d(g);
        adam.update([t]);
        t.dispose();
      }
      const out = p.dataSync() as Float32Array;
      p.dispose();
      adam.dispose();
      assert.equal(tf.memory().numTensors, before, `${backend}: Adam leaked tensors`);
      assert.equal(adam.step, 5);
      assert.ok(maxAbsDiff(out, Float32Array.from(expected)) < 1e-6, `${backend}: differs from the float64 Adam by ${maxAbsDiff(out, Float32Array.from(expected))}`);
      assert.ok(maxAbsDiff(out, init) > 1e-2);
    }
    await tf.setBackend('cpu');
  });

  it('lock-step training on wasm (with the kernel pack) matches the cpu backend, without leaks', async () => {
    const source = syntheticSource(160, 30, 5, 12);
    const train = (): MlpReplicaWeights[] => {
      const model = MlpReplicas.create({ inputSize: 30, hiddenSize: 24, outputSize: 5, seeds: [7, 8, 9] });
      const before = tf.memory().numTensors;
      const result = trainReplicas({ model, source, epochs: 2, batchSize: 32, shuffleSeed: 5 });
      result.optimizer.dispose();
      assert.equal(tf.memory().numTensors, before, `${tf.getBackend()}: training leaked tensors`);
      const out = [0, 1, 2].map((r) => model.replicaWeights(r));
      model.dispose();
      return out;
    };
    await tf.setBackend('cpu');
    const onCpu = train();
    await selectBackend({ force: 'wasm' });
    const onWasm = train();
    await tf.setBackend('cpu');
    for (let r = 0; r < 3; r++) {
      for (const key of ['w1', 'b1', 'w2', 'b2'] as const) {
        const d = maxAbsDiff(onCpu[r]![key], onWasm[r]![key]);
        assert.ok(d < 1e-5, `replica ${r} ${key}: cpu vs wasm differ by ${d}`);
      }
    }
  });

  it('rejects replicas of different shapes and mismatched data', () => {
    const a = initMlpReplicaWeights(1, 4, 3, 2);
    const b = initMlpReplicaWeights(2, 4, 5, 2);
    assert.throws(() => MlpReplicas.fromWeights([a, b]), /replica 1 has shape 4-5-2, expected 4-3-2/);
    const model = MlpReplicas.fromWeights([a]);
    assert.throws(
      () => trainReplicas({ model, source: syntheticSource(10, 6, 2, 1), epochs: 1, batchSize: 4, shuffleSeed: 1 }),
      /data has 6 inputs/,
    );
    model.dispose();
  });
});

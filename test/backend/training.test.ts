// End-to-end: the benchmark models train on wasm + kernel pack exactly as on the tfjs cpu backend
// (same initial weights, same data, same loss curve within tolerance), without leaking tensors.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { lenet5, mlp, resnetSmall } from '../../lib/src/cli/bench';
import { createRng } from '../../lib/src/util/random';
import { usePackedWasmWithCpuReference } from './packFixture';

interface Run { losses: number[]; tensorsPerStep: number[] }

/** Trains `steps` steps from the given initial weights; returns the loss after each step. */
async function train(backend: 'cpu' | 'wasm', make: () => tf.LayersModel, init: Float32Array[] | null, data: { x: Float32Array; y: Int32Array; shape: number[] },
  steps: number, optimizer: 'momentum' | 'adam'): Promise<Run & { weights: Float32Array[] }> {
  await tf.setBackend(backend);
  const model = make();
  if (init !== null) model.setWeights(model.getWeights().map((w, i) => tf.tensor(init[i], w.shape)));
  const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
  const opt = optimizer === 'adam' ? tf.train.adam(1e-3) : tf.train.momentum(0.05, 0.9);
  const x = tf.tensor(data.x, data.shape);
  const y = tf.oneHot(tf.tensor1d(data.y, 'int32'), 10);
  const losses: number[] = [], tensorsPerStep: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = tf.tidy(() => {
      const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
      if (l === null) throw new Error('minimize returned no loss');
      return l;
    });
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    tensorsPerStep.push(tf.memory().numTensors);
  }
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return { losses, tensorsPerStep, weights };
}

function randomData(seed: number, batch: number, shape: number[]) {
  const rng = createRng(seed);
  const n = batch * shape.reduce((a, b) => a * b, 1);
  return {
    x: Float32Array.from({ length: n }, () => rng.next()),
    y: Int32Array.from({ length: batch }, () => rng.int(10)),
    shape: [batch, ...shape],
  };
}

async function sameCurve(name: string, make: () => tf.LayersModel, data: ReturnType<typeof randomData>, steps: number, optimizer: 'momentum' | 'adam', tol: number) {
  const ref = await train('cpu', make, null, data, steps, optimizer);
  const got = await train('wasm', make, ref.weights, data, steps, optimizer);
  for (let s = 0; s < steps; s++) {
    const err = Math.abs(got.losses[s] - ref.losses[s]);
    assert.ok(err <= tol * Math.max(1, Math.abs(ref.losses[s])), `${name} step ${s}: wasm loss ${got.losses[s]}, cpu loss ${ref.losses[s]}`);
  }
  // Training must move the loss (otherwise equal curves would prove nothing).
  assert.ok(Math.abs(ref.losses[steps - 1] - ref.losses[0]) > 10 * tol, `${name}: loss did not change (${ref.losses.join(', ')})`);
  // No leak: the number of live tensors stays flat from step to step.
  const t = got.tensorsPerStep;
  assert.strictEqual(t[t.length - 1], t[0], `${name}: live tensors grew across steps: ${t.join(', ')}`);
}

describe('backend/kernels: training on wasm + kernel pack matches the cpu backend', function () {
  this.timeout(300000);
  usePackedWasmWithCpuReference();

  it('LeNet-5, SGD with momentum: same loss curve over 6 steps, no tensor leak', async () => {
    await sameCurve('LeNet-5', lenet5, randomData(1, 8, [28, 28, 1]), 6, 'momentum', 2e-3);
  });

  it('MLP 784-64-10, Adam: same loss curve over 8 steps, no tensor leak', async () => {
    await sameCurve('MLP', () => mlp(64), randomData(2, 48, [784]), 8, 'adam', 2e-3);
  });

  it('ResNet-small (batch norm in training mode, strided convs, 1x1 shortcuts), Adam: same loss curve over 2 steps', async () => {
    await sameCurve('ResNet-small', resnetSmall, randomData(3, 2, [32, 32, 3]), 2, 'adam', 5e-3);
  });
});

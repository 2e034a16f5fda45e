// The pack's fused batch norm (NetstatsBatchNormTrain + its gradient kernel) and the hook that routes
// tfjs-layers BatchNormalization's training call through it, against the tfjs cpu backend running
// tfjs's own graph (tf.moments + tf.batchNorm, and the layer's own code), native path and JS path.
import * as assert from 'assert';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN } from '../../lib/src/backend/kernels/batchNormTrain';
import { batchNormLayerHookInstalled } from '../../lib/src/backend/kernels/batchNormLayerHook';
import { createRng, type Rng } from '../../lib/src/util/random';
import { assertClose, describeNativeAndFallback, usePackedWasmWithCpuReference } from './packFixture';

function randomArray(rng: Rng, n: number, offset = 0, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => offset + scale * rng.normal());
}

interface OpResult { y: Float32Array; mean: Float32Array; variance: Float32Array; dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array }

/**
 * y, mean, variance of batch norm in training mode and the gradient of
 * sum(y * ry) + sum(mean * rm) + sum(variance * rv) with respect to x, gamma, beta.
 * 'fused' runs the pack's kernel, 'reference' tfjs's graph.
 */
function batchNormOp(how: 'fused' | 'reference', x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, ry: tf.Tensor, rm: tf.Tensor,
  rv: tf.Tensor, eps: number): OpResult {
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const forward = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor[] => {
      if (how === 'fused') return tf.engine().runKernel(BATCH_NORM_TRAIN, { x: xi, scale: g, offset: b }, { epsilon: eps }) as tf.Tensor[];
      const m = tf.moments(xi, axes);
      return [tf.batchNorm(xi, m.mean, m.variance, b, g, eps), m.mean, m.variance];
    };
    const [y, mean, variance] = forward(x, gamma, beta);
    const loss = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const [yi, mi, vi] = forward(xi, g, b);
      return tf.addN([tf.sum(tf.mul(yi, ry)), tf.sum(tf.mul(mi, rm)), tf.sum(tf.mul(vi, rv))]) as tf.Scalar;
    };
    const [dx, dgamma, dbeta] = tf.grads(loss)([x, gamma, beta]);
    const read = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array);
    return { y: read(y), mean: read(mean), variance: read(variance), dx: read(dx), dgamma: read(dgamma), dbeta: read(dbeta) };
  });
}

describe('backend/kernels: fused batch norm (training mode) vs tfjs graph on the cpu backend', function () {
  this.timeout(120000);
  usePackedWasmWithCpuReference();

  it('the pack registers the kernels and installs the layer hook; the cpu reference runs without them', () => {
    assert.ok(tf.getKernel(BATCH_NORM_TRAIN, 'wasm') !== undefined);
    assert.strictEqual(tf.getKernel(BATCH_NORM_TRAIN, 'cpu'), undefined);
    assert.ok(batchNormLayerHookInstalled());
  });

  describeNativeAndFallback('JS path (native off)', () => {
    it('forward (y, batch mean, biased variance) and gradients, also through the mean/variance outputs', async () => {
      const cases: { shape: number[]; offset: number; scale: number; eps: number }[] = [
        { shape: [4, 5, 5, 3], offset: 0, scale: 1, eps: 1e-3 },
        { shape: [7, 6], offset: 0.5, scale: 2, eps: 1e-5 },
        { shape: [1, 3, 3, 17], offset: 0, scale: 1, eps: 1e-3 },
        { shape: [2, 1, 1, 9], offset: -1, scale: 0.5, eps: 1e-3 },
        // |mean| >> std: the one-pass statistics must not cancel catastrophically
        { shape: [3, 4, 4, 5], offset: 50, scale: 0.1, eps: 1e-5 },
        { shape: [64, 33], offset: 0, scale: 3, eps: 1e-3 },
      ];
      let seed = 300;
      for (const c of cases) {
        const rng = createRng(seed++);
        const n = c.shape.reduce((a, b) => a * b, 1), ch = c.shape[c.shape.length - 1];
        const values = [randomArray(rng, n, c.offset, c.scale), randomArray(rng, ch, 1, 0.3), randomArray(rng, ch),
          randomArray(rng, n), randomArray(rng, ch), randomArray(rng, ch)];
        const shapes = [c.shape, [ch], [ch], c.shape, [ch], [ch]];
        const run = async (backend: 'cpu' | 'wasm', how: 'fused' | 'reference') => {
          await tf.setBackend(backend);
          const ts = values.map((v, i) => tf.tensor(v, shapes[i]));
          const before = tf.memory().numTensors;
          const r = batchNormOp(how, ts[0], ts[1], ts[2], ts[3], ts[4], ts[5], c.eps);
          assert.strictEqual(tf.memory().numTensors, before, `${backend} ${how}: tensors leaked`);
          tf.dispose(ts);
          return r;
        };
        const ref = await run('cpu', 'reference');
        const got = await run('wasm', 'fused');
        const what = `${JSON.stringify(c)}`;
        // The reference itself computes in float32: relative tolerance scaled to the data's offset.
        const tol = c.offset > 10 ? 5e-3 : 1e-3;
        for (const key of ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'] as const) assertClose(got[key], ref[key], `${what} ${key}`, tol);
      }
    });
  });

  /** A BatchNormalization layer's output, input/gamma/beta gradients and moving statistics after one call. */
  async function layerRun(backend: 'cpu' | 'wasm', config: tf.serialization.ConfigDict, x: Float32Array, shape: number[], weights: Float32Array[],
    training: boolean, withGrads: boolean) {
    await tf.setBackend(backend);
    const layer = tf.layers.batchNormalization(config);
    const xt = tf.tensor(x, shape);
    layer.apply(xt, { training: false });  // builds the weights on this backend
    layer.setWeights(weights.map((w) => tf.tensor(w)));
    const before = tf.memory().numTensors;
    const result = tf.tidy(() => {
      const r = tf.tensor(Float32Array.from({ length: x.length }, (_, i) => Math.sin(i)), shape);
      const trainable = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const f = () => tf.sum(tf.mul(layer.apply(xt, { training }) as tf.Tensor, r)) as tf.Scalar;
      const grads = withGrads ? tf.variableGrads(f, trainable).grads : {};
      const dx = withGrads ? tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(layer.apply(xi, { training }) as tf.Tensor, r)))(xt) : tf.zeros([0]);
      const y = layer.apply(xt, { training }) as tf.Tensor;
      return {
        y: Float32Array.from(y.dataSync()), dx: Float32Array.from(dx.dataSync()),
        grads: withGrads ? trainable.map((v) => Float32Array.from(grads[v.name].dataSync())) : [],
        weights: layer.getWeights().map((w) => Float32Array.from(w.dataSync())),
      };
    });
    const leaked = tf.memory().numTensors - before;
    layer.dispose();
    xt.dispose();
    return { ...result, leaked };
  }

  it('tfjs-layers BatchNormalization: training and inference calls match the layer\'s own code (outputs, gradients, moving statistics)', async () => {
    // [config, shape, gradients checked, training modes]
    const configs: [tf.serialization.ConfigDict, number[], boolean, boolean[]][] = [
      [{ momentum: 0.9, epsilon: 1e-5 }, [4, 6, 6, 5], true, [true, false]],
      [{}, [8, 3], true, [true, false]],
      [{ axis: -1 }, [1, 2, 3, 12], true, [true, false]],
      // The cases below run the layer's own code. tfjs-layers 4.22 itself cannot train them on any backend:
      // without beta, training and gradients fail; the gradient of a non-last axis fails.
      [{ center: false }, [5, 4], false, [false]],
      [{ axis: 1 }, [3, 4, 2, 2], false, [true, false]],
    ];
    let seed = 400;
    for (const [config, shape, withGrads, modes] of configs) {
      const rng = createRng(seed++);
      const n = shape.reduce((a, b) => a * b, 1);
      const axis = (config.axis as number | undefined) ?? -1;
      const ch = shape[axis < 0 ? shape.length + axis : axis];
      const x = randomArray(rng, n, 0.3, 1.5);
      // [gamma, beta?, moving mean, moving variance]
      const gamma = randomArray(rng, ch, 1, 0.2), beta = randomArray(rng, ch), movingMean = randomArray(rng, ch), movingVariance = randomArray(rng, ch, 2, 0.1);
      const weights = config.center === false ? [gamma, movingMean, movingVariance] : [gamma, beta, movingMean, movingVariance];
      for (const training of modes) {
        const ref = await layerRun('cpu', config, x, shape, weights, training, withGrads);
        const got = await layerRun('wasm', config, x, shape, weights, training, withGrads);
        const what = `${JSON.stringify(config)} ${JSON.stringify(shape)} training=${training}`;
        assert.strictEqual(got.leaked, 0, `${what}: wasm leaked ${got.leaked} tensors`);
        assert.strictEqual(ref.leaked, 0, `${what}: cpu leaked ${ref.leaked} tensors`);
        assertClose(got.y, ref.y, `${what} output`);
        assertClose(got.dx, ref.dx, `${what} input gradient`);
        got.grads.forEach((g, i) => assertClose(g, ref.grads[i], `${what} gradient of weight ${i}`));
        // moving mean/variance after the training calls (grad, grad, forward)
        got.weights.forEach((w, i) => assertClose(w, ref.weights[i], `${what} weight ${i} after the calls`, 1e-4));
      }
    }
  });
});

// Kernel pack vs the tfjs 'cpu' backend (the independent reference): forward values and gradients
// on random shapes (odd sizes, batch 1, strides, both paddings), with the native addon and without.
import * as assert from 'assert';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { nativeStatus } from '../../lib/src/backend/native/addon';
import { kernelIO } from '../../lib/src/backend/kernels/io';
import { packKernels, registerKernelPack } from '../../lib/src/backend/kernels/register';
import { createRng, type Rng } from '../../lib/src/util/random';
import { assertClose, describeNativeAndFallback, usePackedWasmWithCpuReference } from './packFixture';

type Backend = 'cpu' | 'wasm';
type Case = { name: string; inputs: { shape: number[]; int?: boolean }[]; f: (...xs: tf.Tensor[]) => tf.Tensor };

function randomValues(rng: Rng, shape: number[], int = false): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = int ? rng.int(7) - 3 : rng.normal();
  return v;
}

/** Output of f and the gradient of sum(f(...) * r) with respect to every input, on one backend. */
async function evaluate(backend: Backend, c: Case, values: Float32Array[], withGrad: boolean): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = c.inputs.map((s, i) => tf.tensor(values[i], s.shape, s.int ? 'int32' : 'float32'));
    const y = c.f(...xs);
    const out = [y.dataSync() as Float32Array];
    if (withGrad) {
      const r = tf.tensor(randomValues(createRng(99), y.shape), y.shape);
      const grads = tf.grads((...ins: tf.Tensor[]) => tf.sum(tf.mul(c.f(...ins), r)))(xs);
      for (const g of grads) out.push(g.dataSync() as Float32Array);
    }
    return out.map((a) => Float32Array.from(a));
  });
}

async function compare(c: Case, seed: number, withGrad = true): Promise<void> {
  const rng = createRng(seed);
  const values = c.inputs.map((s) => randomValues(rng, s.shape, s.int));
  const ref = await evaluate('cpu', c, values, withGrad);
  const got = await evaluate('wasm', c, values, withGrad);
  ref.forEach((r, i) => assertClose(got[i], r, `${c.name} ${i === 0 ? 'forward' : `gradient ${i - 1}`}`));
}

function convCases(): Case[] {
  const cases: Case[] = [];
  const configs: [number[], number[], number, 'same' | 'valid'][] = [
    [[1, 5, 5, 1], [3, 3, 1, 2], 1, 'same'],
    [[2, 7, 6, 3], [3, 3, 3, 4], 2, 'same'],
    [[3, 9, 9, 2], [5, 5, 2, 3], 1, 'valid'],
    [[2, 8, 7, 5], [2, 3, 5, 6], 2, 'valid'],
    [[1, 11, 11, 4], [1, 1, 4, 7], 1, 'valid'],
    [[2, 6, 6, 3], [1, 1, 3, 5], 2, 'same'],
    [[4, 10, 10, 3], [3, 3, 3, 8], 3, 'same'],
    // more than 8 and 16 channels (several register blocks plus a partial one), a 7x7 strided stem
    [[2, 9, 9, 17], [3, 3, 17, 20], 2, 'same'],
    [[2, 8, 8, 9], [3, 3, 9, 33], 1, 'same'],
    [[1, 12, 10, 16], [5, 5, 16, 16], 1, 'valid'],
    [[1, 15, 15, 3], [7, 7, 3, 8], 2, 'same'],
    // few input and >= 16 output channels: the taps-as-lanes input gradient (LeNet-5's second conv; strided and
    // padded; more output pixels than one block of 96)
    [[3, 14, 14, 6], [5, 5, 6, 16], 1, 'valid'],
    [[2, 9, 11, 3], [3, 3, 3, 17], 2, 'same'],
    [[1, 40, 7, 2], [3, 3, 2, 16], 1, 'same'],
  ];
  for (const [xs, ws, s, pad] of configs) {
    cases.push({ name: `conv2d x${xs} w${ws} s${s} ${pad}`, inputs: [{ shape: xs }, { shape: ws }], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad) });
  }
  return cases;
}

describe('backend/kernels: kernel pack on wasm vs the tfjs cpu backend', function () {
  this.timeout(120000);
  usePackedWasmWithCpuReference();

  it('MaxPoolGrad regression: [1,4,4,1] with 2x2 pooling routes gradient to every window, bottom-right included', async () => {
    await tf.setBackend('wasm');
    const g = tf.tidy(() => {
      const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(x).dataSync();
    });
    // The maxima of the four windows sit at flat positions 5, 7, 13, 15.
    assert.deepStrictEqual(Array.from(g), [0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1]);
  });

  it('reports what it registered and is idempotent', () => {
    const first = registerKernelPack('wasm');
    const second = registerKernelPack('wasm');
    assert.deepStrictEqual(second.registered, first.registered);
    for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'NetstatsReluGrad', 'NetstatsSgdUpdate', 'BatchMatMul', 'Tile', 'Sum', 'Mean', '_FusedMatMul', 'Identity', 'NetstatsBatchNormTrain']) {
      assert.ok(first.registered.includes(name), `${name} registered`);
    }
    assert.strictEqual(first.native.active, nativeStatus().active);
    assert.ok(first.native.reason.length > 0);
  });

  describeNativeAndFallback('wasm+JS path (native off)', (native) => {
    it('conv2d forward and both gradients (odd sizes, batch 1, strides 1-3, same/valid, 1x1)', async () => {
      let seed = 1;
      for (const c of convCases()) await compare(c, seed++);
    });

    it('conv2d forward with dilation', async () => {
      await compare({ name: 'dilated conv', inputs: [{ shape: [2, 9, 8, 3] }, { shape: [3, 3, 3, 4] }], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2) }, 11, false);
    });

    it('fused conv2d and dense (bias + relu/linear) forward and gradients', async () => {
      await compare({ name: 'fused conv relu', inputs: [{ shape: [2, 7, 7, 3] }, { shape: [3, 3, 3, 5] }, { shape: [5] }],
        f: (x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' }) }, 21);
      await compare({ name: 'fused conv linear', inputs: [{ shape: [1, 6, 5, 2] }, { shape: [2, 2, 2, 3] }, { shape: [3] }],
        f: (x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 2, pad: 'valid', bias: b }) }, 22);
      // (the wasm original rejects a scalar bias: only the pack's native kernel takes it)
      if (native) await compare({ name: 'fused conv relu, scalar bias', inputs: [{ shape: [2, 6, 6, 3] }, { shape: [3, 3, 3, 10] }, { shape: [1] }],
        f: (x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' }) }, 26);
      await compare({ name: 'fused conv relu6, 17 channels', inputs: [{ shape: [2, 5, 5, 4] }, { shape: [3, 3, 4, 17] }, { shape: [17] }],
        f: (x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 2, pad: 'same', bias: b, activation: 'relu6' }) }, 27, false);
      await compare({ name: 'fused matmul', inputs: [{ shape: [5, 7] }, { shape: [7, 3] }, { shape: [3] }],
        f: (a, b, bias) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation: 'relu' }) }, 23);
      // wasm 4.22's own _FusedMatMul adds the bias wrongly when an operand is transposed.
      await compare({ name: 'fused matmul linear transposeB', inputs: [{ shape: [3, 2] }, { shape: [3, 2] }, { shape: [3] }],
        f: (a, b, bias) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeB: true, bias }) }, 25);
      await compare({ name: 'fused matmul leakyrelu transposed', inputs: [{ shape: [7, 5] }, { shape: [3, 7] }, { shape: [3] }],
        f: (a, b, bias) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA: true, transposeB: true, bias, activation: 'leakyrelu', leakyreluAlpha: 0.1 }) }, 24);
    });

    it('matMul with every transpose combination, batched and broadcast', async () => {
      let seed = 30;
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const a = ta ? [7, 5] : [5, 7], b = tb ? [3, 7] : [7, 3];
        await compare({ name: `matMul ${ta} ${tb}`, inputs: [{ shape: a }, { shape: b }], f: (x, y) => tf.matMul(x, y, ta, tb) }, seed++);
        await compare({ name: `batched matMul ${ta} ${tb}`, inputs: [{ shape: [4, ...a] }, { shape: [4, ...b] }], f: (x, y) => tf.matMul(x, y, ta, tb) }, seed++);
        // tfjs has no gradient for batch-broadcast matMul: forward only.
        await compare({ name: `broadcast matMul ${ta} ${tb}`, inputs: [{ shape: [3, ...a] }, { shape: [1, ...b] }], f: (x, y) => tf.matMul(x, y, ta, tb) }, seed++, false);
      }
      await compare({ name: 'matMul batch 1 rows', inputs: [{ shape: [1, 9] }, { shape: [9, 1] }], f: (x, y) => tf.matMul(x, y) }, 40);
    });

    it('sum and mean over leading or middle axes (the pack) and other axes (wasm original), keepDims both ways', async () => {
      let seed = 200;
      const cases: [number[], number[], boolean][] = [
        [[4, 5, 5, 3], [0, 1, 2], false], [[4, 5, 5, 3], [0, 1, 2], true], [[7, 3], [0], false], [[2, 3, 4], [0, 1], true],
        [[2, 3, 4], [1, 2], false], [[3, 5], [1], true], [[2, 3, 4], [0, 2], false], [[5], [0], false],
        // middle axes (global average pooling), and a single middle axis
        [[3, 5, 5, 4], [1, 2], false], [[3, 5, 5, 4], [2, 1], true], [[2, 3, 4, 5], [1], false],
      ];
      for (const [shape, axes, keep] of cases) {
        await compare({ name: `sum ${shape} ${axes} ${keep}`, inputs: [{ shape }], f: (x) => tf.sum(x, axes, keep) }, seed++);
        await compare({ name: `mean ${shape} ${axes} ${keep}`, inputs: [{ shape }], f: (x) => tf.mean(x, axes, keep) }, seed++);
      }
    });

    it('elementwise add/sub/mul (equal shapes, bias and scalar broadcast, general broadcast, int32) and relu', async () => {
      let seed = 120;
      const pairs: [number[], number[]][] = [
        [[4, 5, 3], [4, 5, 3]], [[6, 7], [7]], [[7], [6, 7]], [[2, 3, 4], [1, 1, 4]], [[5, 4], [1]], [[1], [3, 2]],
        [[3, 1], [1, 4]], [[2, 3, 1], [3, 5]], [[300, 257], [257]],
      ];
      for (const [a, b] of pairs) {
        await compare({ name: `add ${a} ${b}`, inputs: [{ shape: a }, { shape: b }], f: (x, y) => tf.add(x, y) }, seed++);
        await compare({ name: `sub ${a} ${b}`, inputs: [{ shape: a }, { shape: b }], f: (x, y) => tf.sub(x, y) }, seed++);
        await compare({ name: `mul ${a} ${b}`, inputs: [{ shape: a }, { shape: b }], f: (x, y) => tf.mul(x, y) }, seed++);
      }
      await compare({ name: 'add int32', inputs: [{ shape: [3, 4], int: true }, { shape: [4], int: true }], f: (x, y) => tf.add(x, y) }, seed++, false);
      await compare({ name: 'mul int32', inputs: [{ shape: [3, 4], int: true }, { shape: [3, 4], int: true }], f: (x, y) => tf.mul(x, y) }, seed++, false);
      await compare({ name: 'relu large', inputs: [{ shape: [70000] }], f: (x) => tf.relu(x) }, seed++);
      await compare({ name: 'relu odd', inputs: [{ shape: [3, 7, 5] }], f: (x) => tf.relu(x) }, seed++);
    });

    it('ReLU gradient keeps tfjs semantics for NaN, infinities and zeros', async () => {
      const x = [NaN, -Infinity, Infinity, 0, -0, 1e-30, -1e-30, 2, -3, NaN, 5, 0];
      const dy = [1, 2, 3, 4, 5, 6, 7, Infinity, Infinity, -2, NaN, -Infinity];
      const run = async (backend: Backend) => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const xt = tf.tensor(x), dyt = tf.tensor(dy);
          const grad = tf.grad((v: tf.Tensor) => tf.relu(v))(xt, dyt);
          return { grad: Array.from(grad.dataSync()), y: Array.from(tf.relu(xt).dataSync()) };
        });
      };
      const ref = await run('cpu'), got = await run('wasm');
      assert.deepStrictEqual(got.grad.map(String), ref.grad.map(String));
      assert.deepStrictEqual(got.y.map(String), ref.y.map(String));
    });

    it('max pooling with ties, NaN and -Infinity: the first maximum wins, as on the cpu backend', async () => {
      // 2x2 windows with stride 2 (the native fast path: vectors of 8 channels, overlapping vectors below 8
      // channels, odd rows/columns left out) and 3x3 'same' stride 1 (the general path)
      const rng = createRng(77);
      for (const shape of [[2, 4, 4, 9], [2, 5, 7, 6], [1, 6, 9, 1], [2, 7, 4, 3], [1, 4, 6, 19], [3, 28, 28, 6]]) {
        const vals: number[] = [];
        for (let i = 0; i < shape.reduce((a, b) => a * b, 1); i++) {
          const r = rng.int(10);
          vals.push(r === 0 ? NaN : r === 1 ? -Infinity : r < 5 ? 1 : rng.int(3));  // many ties
        }
        for (const [k, s, pad] of [[2, 2, 'valid'], [3, 1, 'same']] as const) {
          const run = async (backend: Backend) => {
            await tf.setBackend(backend);
            return tf.tidy(() => {
              const x = tf.tensor4d(vals, shape as [number, number, number, number]);
              const y = tf.maxPool(x, k, s, pad);
              const dy = tf.tensor(Float32Array.from({ length: y.size }, (_, i) => i + 1), y.shape);
              const g = tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, k, s, pad))(x, dy);
              return { y: Array.from(y.dataSync()).map(String), g: Array.from(g.dataSync()).map(String) };
            });
          };
          const ref = await run('cpu'), got = await run('wasm');
          // (without the addon the forward pass is wasm's own XNNPACK kernel, which lets NaN win)
          if (native) assert.deepStrictEqual(got.y, ref.y, `maxPool ${shape} k${k} s${s} forward`);
          assert.deepStrictEqual(got.g, ref.g, `maxPool ${shape} k${k} s${s} gradient`);
        }
      }
    });

    it('max and average pooling gradients (odd sizes, strides, same/valid, overlapping windows)', async () => {
      let seed = 50;
      const configs: [number[], number, number, 'same' | 'valid'][] = [
        [[1, 4, 4, 1], 2, 2, 'valid'], [[2, 7, 5, 3], 2, 2, 'same'], [[1, 9, 9, 2], 3, 2, 'valid'],
        [[3, 6, 7, 2], 3, 1, 'same'], [[2, 5, 5, 4], 3, 2, 'same'], [[2, 9, 11, 6], 2, 2, 'valid'], [[1, 8, 8, 16], 2, 2, 'same'],
        [[2, 6, 10, 19], 2, 2, 'valid'], [[1, 5, 5, 1], 2, 2, 'valid'],
      ];
      for (const [xs, k, s, pad] of configs) {
        await compare({ name: `maxPool ${xs} k${k} s${s} ${pad}`, inputs: [{ shape: xs }], f: (x) => tf.maxPool(x as tf.Tensor4D, k, s, pad) }, seed++);
        await compare({ name: `avgPool ${xs} k${k} s${s} ${pad}`, inputs: [{ shape: xs }], f: (x) => tf.avgPool(x as tf.Tensor4D, k, s, pad) }, seed++);
      }
    });
  }, { cConvolutions: true });

  it('depthwise conv2d gradients (channel multiplier, strides, same/valid)', async () => {
    await compare({ name: 'depthwise s1 same', inputs: [{ shape: [2, 6, 7, 3] }, { shape: [3, 3, 3, 2] }], f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') }, 60);
    await compare({ name: 'depthwise s2 valid', inputs: [{ shape: [1, 9, 8, 4] }, { shape: [3, 2, 4, 1] }], f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid') }, 61);
  });

  it('tile: float and int32, ranks 1-4, with gradient', async () => {
    await compare({ name: 'tile 1d', inputs: [{ shape: [5] }], f: (x) => tf.tile(x, [3]) }, 70);
    await compare({ name: 'tile 2d', inputs: [{ shape: [3, 4] }], f: (x) => tf.tile(x, [2, 3]) }, 71);
    await compare({ name: 'tile batchnorm-like', inputs: [{ shape: [1, 1, 1, 6] }], f: (x) => tf.tile(x, [3, 4, 5, 1]) }, 72);
    await compare({ name: 'tile 4d mixed', inputs: [{ shape: [2, 1, 3, 2] }], f: (x) => tf.tile(x, [1, 3, 2, 2]) }, 73);
    await compare({ name: 'tile int32', inputs: [{ shape: [2, 3], int: true }], f: (x) => tf.tile(x, [2, 2]) }, 74, false);
  });

  it('the other ops of the project models: activations, batch norm, softmax cross-entropy, concat, pad, resize, pooling', async () => {
    const ops: Case[] = [
      { name: 'relu', inputs: [{ shape: [3, 7] }], f: (x) => tf.relu(x) },
      { name: 'leakyRelu', inputs: [{ shape: [3, 7] }], f: (x) => tf.leakyRelu(x, 0.1) },
      // Above the native kernels' 32768-element chunk, so that both threads run (Tiny Darknet's activation shape).
      { name: 'leakyRelu, threaded', inputs: [{ shape: [2, 48, 48, 16] }], f: (x) => tf.leakyRelu(x, 0.1) },
      { name: 'sigmoid', inputs: [{ shape: [3, 7] }], f: (x) => tf.sigmoid(x) },
      { name: 'tanh', inputs: [{ shape: [3, 7] }], f: (x) => tf.tanh(x) },
      { name: 'softmax cross-entropy', inputs: [{ shape: [6, 10] }, { shape: [6, 10] }], f: (l, y) => tf.losses.softmaxCrossEntropy(tf.softmax(y), l) },
      { name: 'batchNorm (moments, as in layers training)', inputs: [{ shape: [4, 5, 5, 3] }, { shape: [3] }, { shape: [3] }],
        f: (x, g, b) => { const m = tf.moments(x, [0, 1, 2]); return tf.batchNorm(x, m.mean, m.variance, b, g, 1e-3); } },
      // Batch norm with given statistics (a layer in inference mode): per-channel, [1,1,1,C], scalar and full-shape
      // statistics (the last runs the backend's own kernel), no offset/scale, and a threaded size.
      { name: 'batchNorm (given per-channel statistics)', inputs: [{ shape: [4, 5, 5, 3] }, { shape: [3] }, { shape: [3] }, { shape: [3] }, { shape: [3] }],
        f: (x, m, v, g, b) => tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5), b, g, 1e-3) },
      { name: 'batchNorm (scalar statistics)', inputs: [{ shape: [3, 7] }, { shape: [1] }, { shape: [1] }, { shape: [1] }, { shape: [1] }],
        f: (x, m, v, g, b) => tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5), b, g) },
      { name: 'batchNorm (statistics of x\'s shape)', inputs: [{ shape: [3, 4] }, { shape: [3, 4] }, { shape: [3, 4] }, { shape: [3, 4] }, { shape: [3, 4] }],
        f: (x, m, v, g, b) => tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5), b, g) },
      { name: 'batchNorm (given statistics, threaded)', inputs: [{ shape: [2, 48, 48, 16] }, { shape: [16] }, { shape: [16] }, { shape: [16] }, { shape: [16] }],
        f: (x, m, v, g, b) => tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5), b, g, 1e-3) },
      { name: 'concat', inputs: [{ shape: [2, 3, 3, 2] }, { shape: [2, 3, 3, 5] }], f: (a, b) => tf.concat([a, b], 3) },
      { name: 'pad', inputs: [{ shape: [2, 3, 4, 2] }], f: (x) => tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]]) },
      // Square images: the cpu backend's ResizeBilinearGrad swaps height and width otherwise (tfjs 4.22).
      { name: 'resizeBilinear', inputs: [{ shape: [2, 5, 5, 3] }], f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [8, 8]) },
      { name: 'resizeNearestNeighbor', inputs: [{ shape: [1, 4, 4, 2] }], f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [8, 8]) },
      { name: 'global average pool', inputs: [{ shape: [3, 5, 5, 4] }], f: (x) => tf.mean(x, [1, 2]) },
      { name: 'dropout mask arithmetic', inputs: [{ shape: [4, 6] }, { shape: [4, 6] }], f: (x, u) => tf.div(tf.mul(x, tf.cast(tf.greaterEqual(u, 0), 'float32')), 0.5) },
    ];
    let seed = 80;
    for (const c of ops) await compare(c, seed++);
    // Only the forward pass of these: tfjs's own batch-norm gradient fails without offset or scale, and reshapes
    // rank-4 statistics wrongly.
    await compare({ name: 'batchNorm ([1,1,1,C] statistics)', inputs: [{ shape: [2, 3, 4, 5] }, { shape: [1, 1, 1, 5] }, { shape: [1, 1, 1, 5] }, { shape: [1, 1, 1, 5] }, { shape: [1, 1, 1, 5] }],
      f: (x, m, v, g, b) => tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5), b, g, 1e-5) }, seed++, false);
    await compare({ name: 'batchNorm (no offset, no scale)', inputs: [{ shape: [2, 3, 4, 5] }, { shape: [5] }, { shape: [5] }],
      f: (x, m, v) => tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5)) }, seed++, false);
  });

  it('Cast to the same dtype shares memory; other casts convert', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([1.5, -2.5, 3]);
    const buffers = tf.memory().numDataBuffers;
    const same = tf.cast(x, 'float32');
    assert.strictEqual(tf.memory().numDataBuffers, buffers);
    const asInt = tf.cast(x, 'int32');
    assert.deepStrictEqual(Array.from(asInt.dataSync()), [1, -2, 3]);
    x.dispose();
    assert.deepStrictEqual(Array.from(same.dataSync()), [1.5, -2.5, 3]);
    tf.dispose([same, asInt]);
  });

  it('Identity (clone) shares memory without a copy and outlives its source', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const buffers = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    assert.strictEqual(tf.memory().numDataBuffers, buffers, 'a clone allocates no new buffer');
    x.dispose();
    assert.deepStrictEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
    const z = tf.add(y, 1);
    assert.deepStrictEqual(Array.from(z.dataSync()), [2, 3, 4, 5]);
    tf.dispose([y, z]);
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('calling pack kernels on the cpu backend (native path) matches cpu kernels', async function () {
    if (!nativeStatus().active) this.skip();
    await tf.setBackend('cpu');
    const backend = tf.backend();
    const io = kernelIO(backend, 'cpu');
    const rng = createRng(5);
    const byName = new Map(packKernels.map((k) => [k.name, k]));
    const x = tf.tensor(randomValues(rng, [2, 7, 7, 3]), [2, 7, 7, 3]);
    const w = tf.tensor(randomValues(rng, [3, 3, 3, 4]), [3, 3, 3, 4]);
    const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
    const conv = byName.get('Conv2D');
    assert.ok(conv !== undefined);
    const out = conv.run(io, { x, filter: w }, attrs) as tf.TensorInfo;
    const ours = Float32Array.from(io.f32(out));
    io.dispose(out);
    const ref = tf.tidy(() => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').dataSync() as Float32Array);
    assertClose(ours, Float32Array.from(ref), 'Conv2D via cpu io');
    tf.dispose([x, w]);
  });
});

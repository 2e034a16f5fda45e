// The pack's per-layer kernels (NetstatsConv2DLayer, NetstatsDenseLayer, NetstatsBiasActGrad) reached through the
// tfjs-layers Dense/Conv2D hooks: outputs and gradients against tfjs's own layer code on the cpu backend, the
// kernels actually used (and the first layer's input gradient never computed), fallbacks, no leaks.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { nativeStatus } from '../../lib/src/backend/native/addon';
import { profileKernels, type KernelProfile } from '../../lib/src/backend/kernels/profile';
import { BIAS_ACT_GRAD, CONV_LAYER, DENSE_LAYER, layerKernelsAvailable } from '../../lib/src/backend/kernels/layerKernels';
import { layerCallPatched } from '../../lib/src/backend/kernels/layerCallPatch';
import { lenet5 as lenet5Model } from '../../lib/src/models';
import { createRng } from '../../lib/src/util/random';
import { assertClose, usePackedWasmWithCpuReference } from './packFixture';

type Build = () => tf.LayersModel;

/** Output, loss and the gradient of every trainable weight of `build()` on one random batch, on `backend`. */
async function forwardAndGrads(backend: string, build: Build, inputShape: number[], seed: number, withGrads = true): Promise<{ y: Float32Array; grads: Float32Array[]; names: string[] }> {
  await tf.setBackend(backend);
  const rng = createRng(seed);
  const model = build();
  // identical weights on both backends: set from the seed
  const weights = model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => 0.3 * rng.normal()), w.shape));
  model.setWeights(weights);
  tf.dispose(weights);
  const x = tf.tensor(Float32Array.from({ length: inputShape.reduce((a, b) => a * b, 1) }, () => rng.normal()), inputShape);
  const y = tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor);
  if (!withGrads) {
    const out = { y: Float32Array.from(y.dataSync()), grads: [], names: [] };
    tf.dispose([x, y]);
    model.dispose();
    return out;
  }
  const dy = tf.tensor(Float32Array.from({ length: y.size }, () => rng.normal()), y.shape);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, dy)) as tf.Scalar,
    model.trainableWeights.map((w) => w.read() as tf.Variable));
  value.dispose();
  const names = Object.keys(grads);
  const out = { y: Float32Array.from(y.dataSync()), grads: names.map((n) => Float32Array.from((grads[n] as tf.Tensor).dataSync())), names };
  tf.dispose([x, y, dy, ...Object.values(grads)]);
  model.dispose();
  return out;
}

function calls(p: KernelProfile, name: string): number {
  return p.kernels.find((k) => k.name === name)?.calls ?? 0;
}

describe('backend/kernels: conv and dense layers as one kernel each (tfjs-layers hooks)', function () {
  this.timeout(120000);
  const native = nativeStatus().active;
  usePackedWasmWithCpuReference();

  before(function () {
    if (!native) this.skip();  // the layer kernels need the native addon (the hooks then stand down)
  });

  it('the hooks are installed with the pack and the layer kernels are registered on wasm', async () => {
    await tf.setBackend('wasm');
    assert.ok(layerKernelsAvailable());
    assert.ok(layerCallPatched('Dense') && layerCallPatched('Conv2D'));
  });

  const convNet: Build = () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [9, 11, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'valid', activation: 'linear' }));
    m.add(tf.layers.conv2d({ filters: 7, kernelSize: 1, padding: 'same', activation: 'relu', useBias: false }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 13, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 9, activation: 'relu', useBias: false }));
    m.add(tf.layers.dense({ units: 4 }));
    return m;
  };

  it('outputs and every weight gradient match tfjs layers on cpu (relu/linear, with and without bias, strides, same/valid)', async () => {
    for (const [batch, seed] of [[3, 1], [1, 2]] as const) {
      const ref = await forwardAndGrads('cpu', convNet, [batch, 9, 11, 1], seed);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const got = await forwardAndGrads('wasm', convNet, [batch, 9, 11, 1], seed);
      assert.strictEqual(tf.memory().numTensors, before, 'tensors leaked');
      assertClose(got.y, ref.y, `batch ${batch}: output`);
      assert.deepStrictEqual(got.names.length, ref.names.length);
      got.grads.forEach((g, i) => assertClose(g, ref.grads[i] as Float32Array, `batch ${batch}: gradient of ${ref.names[i]}`));
    }
  });

  it('a training step runs one kernel per layer forward, one bias/activation gradient per layer, and no input gradient for the first layer', async () => {
    await tf.setBackend('wasm');
    const model = convNet();
    const x = tf.randomNormal([2, 9, 11, 1]);
    const p = profileKernels('wasm', () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        model.trainableWeights.map((w) => w.read() as tf.Variable));
      tf.dispose([value, ...Object.values(grads)]);
    });
    assert.strictEqual(calls(p, CONV_LAYER), 3, 'three conv layers');
    assert.strictEqual(calls(p, DENSE_LAYER), 3, 'three dense layers');
    assert.strictEqual(calls(p, BIAS_ACT_GRAD), 6, 'one per layer');
    assert.strictEqual(calls(p, 'Conv2DBackpropFilter'), 3);
    assert.strictEqual(calls(p, 'Conv2DBackpropInput'), 2, 'the first conv layer needs no input gradient');
    for (const unfused of ['Relu', 'Add', 'NetstatsReluGrad']) assert.strictEqual(calls(p, unfused), 0, `${unfused} should be fused away`);
    assert.strictEqual(calls(p, 'Sum'), 1, 'only the loss sums (bias gradients come with NetstatsBiasActGrad)');
    tf.dispose(x);
    model.dispose();
  });

  // The library's models keep ReLUs as separate Activation layers (probe targets); the preceding Dense/Conv2D takes
  // them in when its output goes nowhere else.
  const libraryStyleNet: Build = () => lenet5Model({ variant: 'classic', channels: 1, seed: 3 });

  it("library models (separate ReLU layers): same outputs and gradients as cpu, each ReLU fused into its layer's kernel", async () => {
    const ref = await forwardAndGrads('cpu', libraryStyleNet, [2, 28, 28, 1], 7);
    const got = await forwardAndGrads('wasm', libraryStyleNet, [2, 28, 28, 1], 7);
    assertClose(got.y, ref.y, 'output');
    got.grads.forEach((g, i) => assertClose(g, ref.grads[i] as Float32Array, `gradient of ${ref.names[i]}`));
    await tf.setBackend('wasm');
    const model = libraryStyleNet();
    const x = tf.randomNormal([2, 28, 28, 1]);
    const p = profileKernels('wasm', () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        model.trainableWeights.map((w) => w.read() as tf.Variable));
      tf.dispose([value, ...Object.values(grads)]);
    });
    assert.strictEqual(calls(p, CONV_LAYER) + calls(p, DENSE_LAYER), 5, 'one kernel per conv/dense layer');
    for (const unfused of ['Relu', 'NetstatsReluGrad', 'ReluGrad']) assert.strictEqual(calls(p, unfused), 0, `${unfused} should be fused away`);
    tf.dispose(x);
    model.dispose();
  });

  it('a probe asking for a pre-activation output gets it unrectified (no fusion there), the ReLU output rectified', async () => {
    const probeOutputs = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const model = lenet5Model({ variant: 'classic', channels: 1, seed: 3 });
      const rng = createRng(11);
      const weights = model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => 0.3 * rng.normal()), w.shape));
      model.setWeights(weights);
      const probe = tf.model({ inputs: model.inputs, outputs: ['conv1', 'relu1', 'fc1', 'relu3'].map((n) => model.getLayer(n).output as tf.SymbolicTensor) });
      const x = tf.tensor(Float32Array.from({ length: 2 * 28 * 28 }, () => rng.normal()), [2, 28, 28, 1]);
      const ys = probe.apply(x, { training: true }) as tf.Tensor[];
      const out = ys.map((y) => Float32Array.from(y.dataSync()));
      tf.dispose([x, ...ys, ...weights]);
      model.dispose();
      return out;
    };
    const ref = await probeOutputs('cpu');
    const got = await probeOutputs('wasm');
    ['conv1', 'relu1', 'fc1', 'relu3'].forEach((n, i) => assertClose(got[i] as Float32Array, ref[i] as Float32Array, `probe ${n}`));
    assert.ok((got[0] as Float32Array).some((v) => v < 0) && (got[2] as Float32Array).some((v) => v < 0), 'pre-activations keep their negative values');
  });

  it('layers the kernels do not cover run tfjs-layers code: other activations, rank-3 dense input, dilation', async () => {
    const other: Build = () => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'elu' }));
      m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'tanh' }));
      m.add(tf.layers.reshape({ targetShape: [36, 4] }));
      m.add(tf.layers.dense({ units: 5, activation: 'relu' }));  // rank-3 input
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 3, activation: 'sigmoid' }));
      return m;
    };
    // tfjs has no gradient for dilated convolutions: forward only
    const dilated: Build = () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu' })] });
    for (const [build, withGrads] of [[other, true], [dilated, false]] as const) {
      const ref = await forwardAndGrads('cpu', build, [2, 8, 8, 2], 5, withGrads);
      const got = await forwardAndGrads('wasm', build, [2, 8, 8, 2], 5, withGrads);
      assertClose(got.y, ref.y, 'fallback output');
      got.grads.forEach((g, i) => assertClose(g, ref.grads[i] as Float32Array, `fallback gradient of ${ref.names[i]}`));
      const model = build();
      const x = tf.randomNormal([2, 8, 8, 2]);
      const q = profileKernels('wasm', () => { tf.dispose(model.apply(x) as tf.Tensor); });
      assert.strictEqual(calls(q, CONV_LAYER) + calls(q, DENSE_LAYER), 0, 'no layer kernel for uncovered layers');
      tf.dispose(x);
      model.dispose();
    }
  });

  it('NetstatsBiasActGrad: dz = dy * step(y) (NaN, zeros, infinities) and db = column sums, few and many columns', async () => {
    const rng = createRng(9);
    for (const [rows, cols] of [[1, 1], [37, 6], [50, 3], [257, 16], [9, 70], [128, 512], [3, 13]] as const) {
      const n = rows * cols;
      const y = Float32Array.from({ length: n }, (_, i) => (i % 11 === 0 ? NaN : i % 7 === 0 ? 0 : i % 13 === 0 ? -0 : rng.normal()));
      const dy = Float32Array.from({ length: n }, (_, i) => (i % 17 === 0 ? Infinity : rng.normal()));
      for (const activation of ['relu', 'linear'] as const) {
        await tf.setBackend('cpu');
        const refDz = tf.tidy(() => {
          const d = tf.tensor2d(dy, [rows, cols]);
          return activation === 'relu' ? tf.mul(d, tf.step(tf.tensor2d(y, [rows, cols]))) : d.clone();
        });
        const dzRef = Float32Array.from(refDz.dataSync());
        // column sums of the finite entries (an infinity or NaN makes its column non-finite on both sides)
        const dbRef = Float32Array.from(tf.tidy(() => tf.sum(refDz, 0)).dataSync());
        refDz.dispose();
        await tf.setBackend('wasm');
        const [dz, db] = tf.engine().runKernel(BIAS_ACT_GRAD, { dy: tf.tensor2d(dy, [rows, cols]), y: tf.tensor2d(y, [rows, cols]) }, { activation }) as tf.Tensor[];
        const dzGot = Float32Array.from((dz as tf.Tensor).dataSync()), dbGot = Float32Array.from((db as tf.Tensor).dataSync());
        tf.dispose([dz as tf.Tensor, db as tf.Tensor]);
        const what = `[${rows}, ${cols}] ${activation}`;
        for (let i = 0; i < n; i++) {
          assert.ok(Object.is(dzGot[i], dzRef[i]) || (dzGot[i] === 0 && dzRef[i] === 0), `${what}: dz[${i}] is ${dzGot[i]}, cpu says ${dzRef[i]}`);
        }
        for (let c = 0; c < cols; c++) {
          if (Number.isFinite(dbRef[c])) assertClose([dbGot[c] as number], [dbRef[c] as number], `${what}: db[${c}]`, 1e-4);
          else assert.ok(!Number.isFinite(dbGot[c]), `${what}: db[${c}] is ${dbGot[c]}, cpu says ${dbRef[c]}`);
        }
      }
    }
  });
});

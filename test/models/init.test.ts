import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { computeFans, initValues, initializeModel, parameterSeed } from '../../lib/src/models/init';
import { layerVariablesByName } from '../../lib/src/models/parameters';

function stats(v: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    s += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (v.length - 1)), min, max };
}

function valuesOf(model: tf.LayersModel, name: string): Float32Array {
  const v = layerVariablesByName(model).get(name);
  if (!v) throw new Error(`no weight ${name}`);
  return v.read().dataSync() as Float32Array;
}

describe('models/init', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('computes fans as PyTorch does (conv fan_in = in·kh·kw; depthwise = kh·kw)', () => {
    assert.deepEqual(computeFans([784, 256]), { fanIn: 784, fanOut: 256 });
    // torch Conv2d(3, 6, 5): weight [6, 3, 5, 5] → fan_in 75, fan_out 150
    assert.deepEqual(computeFans([5, 5, 3, 6]), { fanIn: 75, fanOut: 150 });
    // torch Conv2d(16, 16, 3, groups=16): weight [16, 1, 3, 3] → fan_in 9, fan_out 144
    assert.deepEqual(computeFans([3, 3, 16, 1], { depthwise: true }), { fanIn: 9, fanOut: 144 });
    assert.throws(() => computeFans([3, 3, 3]), /rank-2 .* or rank-4/);
  });

  // Uniform U(-b, b) has sd b/√3; normal draws have the given sd. n = 60k: sd of the sd estimate ≈ 0.3–0.5%.
  const fans = { fanIn: 75, fanOut: 150 };
  const cases: [Parameters<typeof initValues>[0], number, 'uniform' | 'normal'][] = [
    ['torch-default', 1 / Math.sqrt(75), 'uniform'],
    ['torch-default-bias', 1 / Math.sqrt(75), 'uniform'],
    ['kaiming-uniform', Math.sqrt(2) * Math.sqrt(3 / 75), 'uniform'],
    ['kaiming-normal', Math.sqrt(2) / Math.sqrt(75), 'normal'],
    ['glorot-uniform', Math.sqrt(6 / 225), 'uniform'],
    ['glorot-normal', Math.sqrt(2 / 225), 'normal'],
  ];
  for (const [scheme, param, family] of cases) {
    it(`${scheme}: ${family === 'uniform' ? 'bounds and sd b/√3' : 'sd'} as torch.nn.init`, () => {
      const v = initValues(scheme, fans, 60000, 11);
      const s = stats(v);
      if (family === 'uniform') {
        assert.ok(s.min >= -param && s.max <= param, `values within ±${param}: [${s.min}, ${s.max}]`);
        assert.ok(s.max > 0.99 * param && s.min < -0.99 * param, 'the bound is reached');
        assert.ok(Math.abs(s.std / (param / Math.sqrt(3)) - 1) < 0.02, `sd ${s.std} vs ${param / Math.sqrt(3)}`);
      } else {
        assert.ok(Math.abs(s.std / param - 1) < 0.02, `sd ${s.std} vs ${param}`);
        assert.ok(s.max > 3 * param, 'normal tails, not truncated');
      }
      assert.ok(Math.abs(s.mean) < 0.02 * param * 3, `mean ${s.mean}`);
    });
  }

  it('is seeded: same seed same values, another seed other values', () => {
    const a = initValues('kaiming-normal', fans, 100, 5);
    assert.deepEqual(a, initValues('kaiming-normal', fans, 100, 5));
    assert.notDeepEqual(a, initValues('kaiming-normal', fans, 100, 6));
    assert.notEqual(parameterSeed(1, 'conv1/kernel'), parameterSeed(1, 'conv2/kernel'));
  });

  it('initialises a model per layer type: kaiming weights, dense bias 0, conv bias torch default, BN 1/0/0/1', () => {
    const build = (withExtra: boolean): tf.LayersModel => {
      const layers: tf.layers.Layer[] = [
        tf.layers.conv2d({ name: 'conv1', inputShape: [8, 8, 4], filters: 32, kernelSize: 3 }),
        tf.layers.batchNormalization({ name: 'bn1' }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ name: 'fc1', units: 300 }),
      ];
      if (withExtra) layers.push(tf.layers.dense({ name: 'fc2', units: 3 }));
      return tf.sequential({ layers });
    };
    const model = build(false);
    initializeModel(model, { scheme: 'kaiming-uniform', seed: 3 });
    const k = stats(valuesOf(model, 'conv1/kernel'));
    const bound = Math.sqrt(2) * Math.sqrt(3 / (4 * 9));
    assert.ok(k.max <= bound && k.min >= -bound && k.max > 0.95 * bound);
    const convBias = valuesOf(model, 'conv1/bias');
    assert.ok(convBias.every((x) => Math.abs(x) <= 1 / 6) && convBias.some((x) => x !== 0), 'conv bias U(±1/√36)');
    assert.ok(valuesOf(model, 'fc1/bias').every((x) => x === 0), 'dense bias 0 under kaiming');
    const fc = stats(valuesOf(model, 'fc1/kernel'));
    const fcBound = Math.sqrt(2) * Math.sqrt(3 / (6 * 6 * 32));
    assert.ok(fc.max <= fcBound && Math.abs(fc.std / (fcBound / Math.sqrt(3)) - 1) < 0.02);
    assert.ok(valuesOf(model, 'bn1/gamma').every((x) => x === 1));
    assert.ok(valuesOf(model, 'bn1/beta').every((x) => x === 0));
    assert.ok(valuesOf(model, 'bn1/moving_mean').every((x) => x === 0));
    assert.ok(valuesOf(model, 'bn1/moving_variance').every((x) => x === 1));

    // A second instance with an extra layer: the shared parameters get identical values (per-name seeds).
    const other = build(true);
    initializeModel(other, { scheme: 'kaiming-uniform', seed: 3 });
    assert.deepEqual(valuesOf(other, 'conv1/kernel'), valuesOf(model, 'conv1/kernel'));
    assert.deepEqual(valuesOf(other, 'fc1/kernel'), valuesOf(model, 'fc1/kernel'));
    initializeModel(other, { scheme: 'kaiming-uniform', seed: 4 });
    assert.notDeepEqual(valuesOf(other, 'conv1/kernel'), valuesOf(model, 'conv1/kernel'));

    // torch-default: dense bias drawn from U(±1/√fan_in), not zero.
    initializeModel(model, { scheme: 'torch-default', seed: 3 });
    const b = valuesOf(model, 'fc1/bias');
    const bb = 1 / Math.sqrt(6 * 6 * 32);
    assert.ok(b.every((x) => Math.abs(x) <= bb) && b.some((x) => x !== 0));
    model.dispose();
    other.dispose();
  });
});

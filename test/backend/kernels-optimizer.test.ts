// Fused optimiser updates (NetstatsSgdUpdate / NetstatsAdamUpdate) against the project's own optimiser
// (lib/src/train/optimizers.ts, tfjs ops on the cpu backend): the same parameters and state after
// several steps, bit for bit, with update masks; native path and JS path.
import * as assert from 'assert';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { nativeStatus, setNativeKernelsEnabled } from '../../lib/src/backend/native/addon';
import { fusedAdamUpdate, fusedSgdUpdate } from '../../lib/src/backend/kernels/optimizerUpdate';
import { profileKernels } from '../../lib/src/backend/kernels/profile';
import { registerKernelPack, unregisterKernelPack } from '../../lib/src/backend/kernels/register';
import { createOptimizer, type OptimizerConfig } from '../../lib/src/train/optimizers';
import { createRng } from '../../lib/src/util/random';
import { usePackedWasmWithCpuReference } from './packFixture';

const SHAPES = [[3, 4], [7], [40000], [2, 3, 5, 6]];
const STEPS = 3;

interface Problem { init: Float32Array[]; grads: Float32Array[][]; masks: (Float32Array | null)[][] }

function problem(seed: number): Problem {
  const rng = createRng(seed);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const init = SHAPES.map((s) => Float32Array.from({ length: size(s) }, () => rng.normal()));
  const grads = Array.from({ length: STEPS }, () => SHAPES.map((s) => Float32Array.from({ length: size(s) }, () => rng.normal() * 0.5)));
  // masks on parameters 0 and 2 on some steps (0 freezes an element)
  const masks = Array.from({ length: STEPS }, (_, t) => SHAPES.map((s, i) =>
    (i === 0 || i === 2) && t !== 1 ? Float32Array.from({ length: size(s) }, () => (rng.next() < 0.3 ? 0 : 1)) : null));
  return { init, grads, masks };
}

function equalBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.strictEqual(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: entry ${i} is ${actual[i]}, the tfjs-op optimiser gives ${expected[i]}`);
  }
}

/** Parameters after each step with the project's optimiser on the active backend (synchronous, so it can be profiled). */
function optimizerSteps(config: OptimizerConfig, p: Problem, fused: boolean): Float32Array[][] {
  // (a variable made inside tidy survives it; the tensor it was made from does not)
  const vars = new Map(p.init.map((v, i) => [`w${i}`, tf.tidy(() => tf.variable(tf.tensor(v, SHAPES[i])))]));
  const opt = createOptimizer(config, vars, { fused });
  const after: Float32Array[][] = [];
  for (let t = 0; t < STEPS; t++) {
    tf.tidy(() => {
      const grads = new Map(p.grads[t].map((g, i) => [`w${i}`, tf.tensor(g, SHAPES[i])]));
      const masks = new Map<string, tf.Tensor>();
      p.masks[t].forEach((m, i) => { if (m !== null) masks.set(`w${i}`, tf.tensor(m, SHAPES[i])); });
      opt.step(grads, { updateMasks: masks });
    });
    after.push([...vars.values()].map((v) => Float32Array.from(v.dataSync())));
  }
  opt.dispose();
  for (const v of vars.values()) v.dispose();
  return after;
}

/** The reference: the project's optimiser with tfjs ops (its op-by-op path) on the cpu backend. */
async function reference(config: OptimizerConfig, p: Problem): Promise<Float32Array[][]> {
  await tf.setBackend('cpu');
  return optimizerSteps(config, p, false);
}

/** The same steps with the fused update on `backend` (wasm: the pack's kernel; cpu here: its tfjs-op fallback). */
async function fused(config: OptimizerConfig, p: Problem, backend: 'wasm' | 'cpu' = 'wasm'): Promise<Float32Array[][]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  let params = p.init.map((v, i) => tf.tensor(v, SHAPES[i]));
  let first: (tf.Tensor | null)[] = SHAPES.map(() => null);
  let second: tf.Tensor[] = SHAPES.map((s) => tf.zeros(s));
  if (config.kind === 'adam') first = SHAPES.map((s) => tf.zeros(s));
  const after: Float32Array[][] = [];
  for (let t = 0; t < STEPS; t++) {
    const grads = p.grads[t].map((g, i) => tf.tensor(g, SHAPES[i]));
    const masks = p.masks[t].map((m, i) => (m === null ? undefined : tf.tensor(m, SHAPES[i])));
    const old = [...params, ...first.filter((b): b is tf.Tensor => b !== null), ...second];
    if (config.kind === 'sgd') {
      const out = fusedSgdUpdate(params.map((param, i) => ({ param, grad: grads[i], buffer: first[i], mask: masks[i] })), config);
      params = out.map((o) => o.param);
      first = out.map((o) => o.buffer);
    } else {
      const out = fusedAdamUpdate(params.map((param, i) => ({ param, grad: grads[i], m: first[i] as tf.Tensor, v: second[i], mask: masks[i] })),
        { ...config, step: t + 1 });
      params = out.map((o) => o.param);
      first = out.map((o) => o.m);
      second = out.map((o) => o.v);
    }
    tf.dispose([...old, ...grads, ...masks.filter((m): m is tf.Tensor => m !== undefined)]);
    after.push(params.map((v) => Float32Array.from(v.dataSync())));
  }
  tf.dispose([...params, ...first.filter((b): b is tf.Tensor => b !== null), ...second]);
  assert.strictEqual(tf.memory().numTensors, before, 'fused updates leaked tensors');
  return after;
}

const CONFIGS: OptimizerConfig[] = [
  { kind: 'sgd', lr: 0.1, momentum: 0.9 },
  { kind: 'sgd', lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 },
  { kind: 'sgd', lr: 0.03, momentum: 0.8, nesterov: true, weightDecay: 5e-4 },
  { kind: 'sgd', lr: 0.05 },
  { kind: 'adam', lr: 1e-3 },
  { kind: 'adam', lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 0.1, weightDecay: 1e-4 },
];

describe('backend/kernels: fused optimiser updates equal the project optimiser bit for bit', function () {
  this.timeout(120000);
  usePackedWasmWithCpuReference();

  it('tf.train.momentum (plain and Nesterov) through the pack hook equals tfjs\'s own optimizer bit for bit', async () => {
    const run = async (backend: 'cpu' | 'wasm', nesterov: boolean, p: Problem) => {
      await tf.setBackend(backend);
      const vars = p.init.map((v, i) => tf.variable(tf.tensor(v, SHAPES[i])));
      const opt = tf.train.momentum(0.05, 0.9, nesterov);
      const before = tf.memory().numTensors;
      const profile = profileKernels(backend, () => {
        for (let t = 0; t < STEPS; t++) {
          tf.tidy(() => {
            const grads = p.grads[t].map((g, i) => tf.tensor(g, SHAPES[i]));
            // the map form on even steps, the array form on odd ones
            if (t % 2 === 0) opt.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, grads[i]])) as tf.NamedTensorMap as Parameters<typeof opt.applyGradients>[0]);
            else opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i] })));
          });
        }
      });
      const fusedCalls = profile.kernels.find((k) => k.name === 'NetstatsSgdUpdate')?.calls ?? 0;
      assert.strictEqual(fusedCalls, backend === 'wasm' ? STEPS : 0, `${backend}: one fused update per step on wasm, none on cpu`);
      // accumulators are created on the first step (one per variable); nothing else may stay
      assert.strictEqual(tf.memory().numTensors, before + vars.length, `${backend}: tensors leaked`);
      const weights = await opt.getWeights();
      const out = { vars: vars.map((v) => Float32Array.from(v.dataSync())), acc: weights.slice(1).map((w) => Float32Array.from(w.tensor.dataSync())) };
      opt.dispose();
      tf.dispose(vars);
      return out;
    };
    let seed = 900;
    for (const nesterov of [false, true]) {
      const p = problem(seed++);
      const ref = await run('cpu', nesterov, p);
      const got = await run('wasm', nesterov, p);
      for (let i = 0; i < SHAPES.length; i++) {
        equalBits(got.vars[i], ref.vars[i], `momentum nesterov=${nesterov} variable ${i}`);
        equalBits(got.acc[i], ref.acc[i], `momentum nesterov=${nesterov} accumulator ${i}`);
      }
    }
  });

  it('createOptimizer on wasm runs each step as one fused kernel, with the op-by-op results bit for bit and no leak', async () => {
    let seed = 600;
    for (const config of CONFIGS) {
      const p = problem(seed++);
      const ref = await reference(config, p);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      let got: Float32Array[][] = [];
      const profile = profileKernels('wasm', () => { got = optimizerSteps(config, p, true); });
      const name = config.kind === 'sgd' ? 'NetstatsSgdUpdate' : 'NetstatsAdamUpdate';
      assert.strictEqual(profile.kernels.find((k) => k.name === name)?.calls ?? 0, STEPS, `${JSON.stringify(config)}: one fused kernel per step`);
      assert.strictEqual(tf.memory().numTensors, before, `${JSON.stringify(config)}: tensors leaked`);
      assert.strictEqual(got.length, STEPS);
      for (let t = 0; t < STEPS; t++) {
        for (let i = 0; i < SHAPES.length; i++) equalBits(got[t][i], ref[t][i], `createOptimizer on wasm ${JSON.stringify(config)} step ${t + 1} parameter ${i}`);
      }
    }
  });

  it('the fused update writes in place only where nothing else shares a parameter\'s memory (a clone keeps its values)', async () => {
    await tf.setBackend('wasm');
    const p = problem(700);
    const vars = p.init.map((v, i) => tf.variable(tf.tensor(v, SHAPES[i])));
    const opt = tf.train.momentum(0.05, 0.9);
    const step = (t: number) => tf.tidy(() => opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(p.grads[t][i], SHAPES[i]) }))));
    step(0);  // creates the accumulators
    const ids = vars.map((v) => v.dataId);
    step(1);
    vars.forEach((v, i) => assert.strictEqual(v.dataId, ids[i], `variable ${i}: updated in place`));
    // a clone shares the memory (the pack's Identity): the update must then leave it alone
    const snapshot = tf.clone(vars[0]);
    const before = Float32Array.from(snapshot.dataSync());
    step(2);
    assert.notStrictEqual(vars[0].dataId, ids[0], 'a shared parameter gets new memory');
    equalBits(Float32Array.from(snapshot.dataSync()), before, 'the clone keeps the old values');
    assert.ok(Array.from(vars[0].dataSync()).some((x, i) => x !== before[i]), 'the parameter itself moved');
    vars.slice(1).forEach((v, i) => assert.strictEqual(v.dataId, ids[i + 1], `variable ${i + 1}: still in place`));
    tf.dispose([snapshot, ...vars]);
    opt.dispose();
  });

  it('on the cpu backend (pack with the addon) the update never writes in place: cpu tensors keep the caller\'s arrays', async function () {
    if (!nativeStatus().active) this.skip();
    await tf.setBackend('cpu');
    registerKernelPack('cpu');
    try {
      const values = Float32Array.from({ length: 12 }, (_, i) => i / 7);
      const copy = Float32Array.from(values);
      // as writeSnapshot does: assign a tensor made from the caller's array (the cpu backend keeps that very array)
      const variable = tf.variable(tf.zeros([3, 4]));
      tf.tidy(() => variable.assign(tf.tensor(values, [3, 4])));
      for (const config of [{ kind: 'sgd', lr: 0.1, momentum: 0.9 }, { kind: 'adam', lr: 0.1 }] as OptimizerConfig[]) {
        const opt = createOptimizer(config, new Map([['w', variable]]));
        const profile = profileKernels('cpu', () => {
          for (let t = 0; t < 2; t++) tf.tidy(() => opt.step(new Map([['w', tf.onesLike(variable)]])));
        });
        assert.ok(profile.kernels.some((k) => k.name === (config.kind === 'sgd' ? 'NetstatsSgdUpdate' : 'NetstatsAdamUpdate')), 'the fused kernel ran on cpu');
        opt.dispose();
      }
      equalBits(values, copy, 'the array the variable was made from');
      assert.ok(Array.from(variable.dataSync()).some((x, i) => x !== copy[i]), 'the variable moved');
      variable.dispose();
    } finally {
      unregisterKernelPack('cpu');
    }
  });

  it('without the pack (cpu backend here) the same functions run the formulas as tfjs ops, with the same results', async () => {
    let seed = 800;
    for (const config of CONFIGS) {
      const p = problem(seed++);
      const ref = await reference(config, p);
      const got = await fused(config, p, 'cpu');
      for (let t = 0; t < STEPS; t++) {
        for (let i = 0; i < SHAPES.length; i++) equalBits(got[t][i], ref[t][i], `fallback ${JSON.stringify(config)} step ${t + 1} parameter ${i}`);
      }
    }
  });

  for (const native of [true, false]) {
    it(`SGD (momentum, dampening, Nesterov, weight decay, none) and Adam, with update masks (${native ? 'native' : 'JS'} path)`, async function () {
      if (native && !nativeStatus().active) this.skip();
      setNativeKernelsEnabled(native);
      try {
        let seed = 700;
        for (const config of CONFIGS) {
          const p = problem(seed++);
          const ref = await reference(config, p);
          const got = await fused(config, p);
          for (let t = 0; t < STEPS; t++) {
            for (let i = 0; i < SHAPES.length; i++) equalBits(got[t][i], ref[t][i], `${JSON.stringify(config)} step ${t + 1} parameter ${i}`);
          }
          // the masks must have frozen something, and the steps must have moved the rest
          assert.ok(ref[0][0].some((v, k) => v === p.init[0][k]) && ref[0][0].some((v, k) => v !== p.init[0][k]));
        }
      } finally {
        setNativeKernelsEnabled(true);
      }
    });
  }
});

// The self-check of the tfjs internals the kernel pack relies on: clean on the tfjs the project installs, and a
// field or method taken away (as a tfjs release renaming it would) turns off exactly the hooks that need it, with
// the backend report naming it.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { describeBackend } from '../../lib/src/backend/select';
import { registerKernelPack } from '../../lib/src/backend/kernels/register';
import { checkTfjsInternals, PACK_HOOKS, probeTfjsInternals, type InternalsSubjects } from '../../lib/src/backend/tfjsInternals';
import { usePackedWasmWithCpuReference } from './packFixture';

function withoutField(subject: object, field: string): void {
  assert.ok(field in subject, `the real instance has '${field}' to take away`);
  delete (subject as Record<string, unknown>)[field];
}

describe('backend/tfjsInternals: self-check of the tfjs internals the pack uses', function () {
  this.timeout(60000);
  usePackedWasmWithCpuReference();

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`finds every field on the installed tfjs (${backend}), leaves no tensor behind and no layer name changed`, () => {
      const before = tf.memory().numTensors;
      const firstName = tf.layers.dense({ units: 1 }).name;
      const check = probeTfjsInternals(backend);
      const secondName = tf.layers.dense({ units: 1 }).name;
      assert.deepStrictEqual(check.kernelIO, []);
      for (const hook of PACK_HOOKS) assert.deepStrictEqual(check.hooks[hook], [], hook);
      assert.strictEqual(tf.memory().numTensors, before);
      // Automatic names count per class: the probe's named layers take no number from the caller's next Dense.
      const serial = (name: string): number => Number(/(\d+)$/.exec(name)?.[1]);
      assert.strictEqual(serial(secondName), serial(firstName) + 1);
    });
  }

  it('a missing private optimizer field turns off the momentum hook only, naming the field', () => {
    const check = probeTfjsInternals('cpu', (s) => withoutField(s.momentum, 'accumulations'));
    assert.deepStrictEqual(check.hooks.momentum, ['MomentumOptimizer.accumulations is missing (expected an array)']);
    for (const hook of PACK_HOOKS.filter((h) => h !== 'momentum')) assert.deepStrictEqual(check.hooks[hook], [], hook);
  });

  it('a missing or retyped layer field turns off the hook of that layer', () => {
    const bn = probeTfjsInternals('cpu', (s) => withoutField(s.batchNorm, 'movingVariance'));
    assert.deepStrictEqual(bn.hooks['batch-norm'], ['BatchNormalization.movingVariance is missing (expected an object)']);
    assert.deepStrictEqual(bn.hooks['dense-conv2d'], []);
    const conv = probeTfjsInternals('cpu', (s) => { (s.conv2D as Record<string, unknown>)['dataFormat'] = undefined; });
    assert.deepStrictEqual(conv.hooks['dense-conv2d'], ['Conv2D.dataFormat is missing (expected a string)']);
    const graph = probeTfjsInternals('cpu', (s) => withoutField(s.model, 'nodesByDepth'));
    assert.deepStrictEqual(graph.hooks['relu-absorption'], ['LayersModel.nodesByDepth is missing (expected an object)']);
    assert.deepStrictEqual(graph.hooks['dense-conv2d'], []);
  });

  it('a backend without the tensor-memory internals keeps the whole pack off', () => {
    const subjects = (backend: object): InternalsSubjects => ({ backend, dense: {}, conv2D: {}, batchNorm: {}, activation: {}, model: {}, momentum: {} });
    const real = tf.findBackend('wasm') as object;
    const wasm = checkTfjsInternals('wasm', subjects({ disposeData: () => true, refCount: () => 1, incRef: () => undefined, wasm: {}, dataIdMap: new Map(), makeOutput: () => null }));
    assert.deepStrictEqual(wasm.kernelIO, ['wasm backend.wasm.HEAPU8 is missing (expected a Uint8Array)']);
    const cpu = checkTfjsInternals('cpu', subjects(real));
    assert.deepStrictEqual(cpu.kernelIO, ['cpu backend.data is missing (expected an object)', 'cpu backend.makeTensorInfo is missing (expected a function)']);
  });

  it('registration with a missing optimizer method leaves tfjs\'s own code in place and says why in the backend report', async () => {
    await tf.setBackend('wasm');
    const first = registerKernelPack('wasm');
    assert.ok(first.hooks.every((h) => h.on), JSON.stringify(first.hooks));
    const hooked = tf.MomentumOptimizer.prototype.applyGradients;
    // The method lives on tfjs's Optimizer base class, a few prototypes up.
    let optimizerPrototype = tf.MomentumOptimizer.prototype as object;
    while (!Object.prototype.hasOwnProperty.call(optimizerPrototype, 'incrementIterations')) optimizerPrototype = Object.getPrototypeOf(optimizerPrototype) as object;
    const incrementIterations = (optimizerPrototype as Record<string, unknown>)['incrementIterations'];
    try {
      delete (optimizerPrototype as Record<string, unknown>)['incrementIterations'];
      const report = registerKernelPack('wasm');
      const momentum = report.hooks.find((h) => h.hook === 'momentum');
      assert.strictEqual(momentum?.on, false);
      assert.match(momentum?.reason ?? '', /MomentumOptimizer\.incrementIterations is missing/);
      assert.ok(report.hooks.filter((h) => h.hook !== 'momentum').every((h) => h.on));
      assert.notStrictEqual(tf.MomentumOptimizer.prototype.applyGradients, hooked, 'tfjs\'s own applyGradients is back');
      assert.ok(report.registered.includes('NetstatsSgdUpdate'), 'the kernels themselves stay registered');
      const text = describeBackend({ choice: 'wasm', tfBackend: 'wasm', reason: 'test', skipped: [], kernelPack: report });
      assert.match(text, /hooks on: dense-conv2d, relu-absorption, batch-norm\n/);
      assert.match(text, /hook momentum off: tfjs internals missing: MomentumOptimizer\.incrementIterations is missing \(expected a function\)/);
    } finally {
      (optimizerPrototype as Record<string, unknown>)['incrementIterations'] = incrementIterations;
    }
    const again = registerKernelPack('wasm');
    assert.ok(again.hooks.every((h) => h.on));
    assert.strictEqual(tf.MomentumOptimizer.prototype.applyGradients, hooked);
  });
});

// Shared set-up of the kernel-pack tests: the wasm backend with the pack is the subject, tfjs's own cpu kernels
// are the reference (whatever another test registered on cpu), and everything is put back afterwards.
import * as assert from 'assert';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { nativeStatus, setNativeKernelsEnabled } from '../../lib/src/backend/native/addon';
import { registerKernelPack, unregisterKernelPack } from '../../lib/src/backend/kernels/register';

/** Call inside a `describe`: wasm + kernel pack before its tests, cpu without the pack as the reference. */
export function usePackedWasmWithCpuReference(): void {
  let previousBackend = 'cpu';
  let cpuWasPacked: string[] = [];
  before(async () => {
    previousBackend = tf.getBackend() ?? 'cpu';
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    await tf.setBackend('wasm');
    await tf.ready();
    registerKernelPack('wasm');
    cpuWasPacked = unregisterKernelPack('cpu');
  });
  after(async () => {
    setNativeKernelsEnabled(true);
    if (cpuWasPacked.length > 0) registerKernelPack('cpu');
    await tf.setBackend(previousBackend);
  });
}

/**
 * Declares the same tests twice: with the native addon's kernels (skipped when the addon is not built) and with
 * the addon switched off, so that the wasm/JS fallback of every kernel is tested too.
 */
export function describeNativeAndFallback(fallbackTitle: string, body: (native: boolean) => void): void {
  for (const native of [true, false]) {
    describe(native ? 'native path' : fallbackTitle, () => {
      before(function () {
        if (native && !nativeStatus().active) this.skip();
        setNativeKernelsEnabled(native);
      });
      after(() => setNativeKernelsEnabled(true));
      body(native);
    });
  }
}

/** Entry-wise |actual − expected| ≤ tol·(1 + |expected|) + tol·1e-2·max|expected|, naming the first bad entry. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-3): void {
  assert.strictEqual(actual.length, expected.length, `${what}: length`);
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i] as number));
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs((actual[i] as number) - (expected[i] as number));
    if (!(err <= tol * (1 + Math.abs(expected[i] as number)) + tol * 1e-2 * scale)) {
      assert.fail(`${what}: entry ${i} is ${actual[i]}, cpu says ${expected[i]}`);
    }
  }
}

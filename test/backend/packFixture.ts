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

type KernelPath = 'native' | 'native-c-conv' | 'fallback';

/**
 * Declares the same tests for each kernel path: the native addon's kernels (convolutions in oneDNN when the addon
 * was built with it; skipped when the addon is not built), with `cConvolutions` the addon with its own C convolutions
 * (only when built with oneDNN, so that the C kernels stay tested), and the addon switched off (the wasm/JS fallback
 * of every kernel).
 */
export function describeNativeAndFallback(fallbackTitle: string, body: (native: boolean) => void, options: { cConvolutions?: boolean } = {}): void {
  // The C-convolution pass only for suites with convolutions: elsewhere it would repeat the native pass.
  const paths: KernelPath[] = options.cConvolutions === true ? ['native', 'native-c-conv', 'fallback'] : ['native', 'fallback'];
  const titles: Record<KernelPath, string> = { native: 'native path', 'native-c-conv': 'native path, C convolutions (oneDNN off)', fallback: fallbackTitle };
  for (const p of paths) {
    describe(titles[p], () => {
      let onednnWasOn = true;
      before(function () {
        const kernels = nativeStatus().kernels;
        onednnWasOn = kernels?.onednn().enabled ?? true;
        if (p !== 'fallback' && kernels === null) this.skip();
        if (p === 'native-c-conv' && kernels?.onednn().version === null) this.skip();
        setNativeKernelsEnabled(p !== 'fallback');
        kernels?.setOnednn(p === 'native-c-conv' ? 0 : onednnWasOn ? 1 : 0);
      });
      after(() => {
        setNativeKernelsEnabled(true);
        nativeStatus().kernels?.setOnednn(onednnWasOn ? 1 : 0);
      });
      body(p !== 'fallback');
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

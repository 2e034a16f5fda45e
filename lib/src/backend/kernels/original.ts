// The backend's own kernels, captured before the pack replaces them, so pack kernels can call
// their fast paths (e.g. wasm BatchMatMul without transposes).
//
// The whole KernelConfig is kept, not only its kernelFunc: the wasm backend's kernels bind their wasm functions in
// `setupFunc`, which tfjs runs for every kernel registered under a backend's name whenever it creates that backend
// (first use, after tf.engine().reset(), after re-registering the backend). A pack kernel is registered with its
// original's setupFunc/disposeFunc so the original stays bound to the live module; unregistering puts the whole
// config back.
import * as tf from '@tensorflow/tfjs';
import type { KernelIO, PackBackend } from './io';

const originals = new Map<string, tf.KernelConfig>();
const key = (name: string, backend: PackBackend) => `${backend}/${name}`;

/** Remembers the currently registered kernel unless it is one of ours (idempotent). */
export function captureOriginal(name: string, backend: PackBackend, ours: ReadonlySet<tf.KernelFunc>): void {
  const config = tf.getKernel(name, backend);
  if (config !== undefined && !ours.has(config.kernelFunc) && !originals.has(key(name, backend))) {
    originals.set(key(name, backend), { ...config });
  }
}

/** The backend's own registration of this kernel, as it was before the pack replaced it. */
export function originalKernelConfig(name: string, backend: PackBackend): tf.KernelConfig | undefined {
  return originals.get(key(name, backend));
}

export function runOriginal(io: KernelIO, name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
  // Kernels the pack never replaced are simply the registered ones.
  const fn = originals.get(key(name, io.backendName))?.kernelFunc ?? tf.getKernel(name, io.backendName)?.kernelFunc;
  if (fn === undefined) throw new Error(`kernel pack: no original '${name}' kernel on backend '${io.backendName}'`);
  const out = fn({ inputs, backend: io.backend, attrs });
  if (Array.isArray(out)) throw new Error(`kernel pack: original '${name}' returned several tensors`);
  return out;
}

/** The backend's own kernel when there is one (a case the pack does not cover), else a clear error saying why. */
export function runOriginalOrThrow(io: KernelIO, name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, why: string): tf.TensorInfo {
  // Only a captured original: the kernel registered under `name` is the pack's own (calling it would recurse).
  if (originals.has(key(name, io.backendName))) return runOriginal(io, name, inputs, attrs);
  throw new Error(`kernel pack ${name}: ${why}, and backend '${io.backendName}' has no kernel of its own for that`);
}

/** Same memory, new shape (no copy). The caller owns the returned info's data exactly as before. */
export function withShape(t: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

// BatchMatMul: the wasm original drops to a scalar loop for transposed operands. Native: OpenBLAS
// sgemm per batch entry (any transposes, batch broadcasting by stride). Without native on wasm:
// transpose operands with the backend's Transpose kernel, then its fast non-transposed path.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import type { KernelIO } from './io';
import { matMulShape, simpleBatch } from './matmulShape';
import { runOriginal, withShape } from './original';
import { input, type PackKernel } from './types';

function transposeLast2(io: KernelIO, t: tf.TensorInfo): tf.TensorInfo {
  const r = t.shape.length;
  const batch = t.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const t3 = withShape(t, [batch, t.shape[r - 2], t.shape[r - 1]]);
  return runOriginal(io, tf.Transpose, { x: t3 }, { perm: [0, 2, 1] });
}

export function nativeMatMul(io: KernelIO, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo | null {
  const native = nativeKernels();
  if (native === null || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const s = matMulShape(a, b, transposeA, transposeB);
  if (!simpleBatch(s)) return null;
  const out = io.alloc(s.outShape, 'float32');
  if (s.batch * s.m * s.n > 0) {
    native.batchMatMul(io.f32(a), io.f32(b), io.f32(out), s.batch, s.m, s.n, s.k, transposeA ? 1 : 0, transposeB ? 1 : 0,
      s.batchA === 1 ? 0 : s.m * s.k, s.batchB === 1 ? 0 : s.k * s.n);
  }
  return out;
}

export const batchMatMulKernel: PackKernel = {
  name: tf.BatchMatMul,
  applies: (backend, native) => backend === 'wasm' || native,
  run(io, inputs, attrs) {
    const a = input(inputs, 'a', 'BatchMatMul');
    const b = input(inputs, 'b', 'BatchMatMul');
    const transposeA = attrs.transposeA === true, transposeB = attrs.transposeB === true;
    const viaNative = nativeMatMul(io, a, b, transposeA, transposeB);
    if (viaNative !== null) return viaNative;
    if (io.backendName !== 'wasm' || (!transposeA && !transposeB)) return runOriginal(io, tf.BatchMatMul, inputs, attrs);
    const at = transposeA ? transposeLast2(io, a) : a;
    const bt = transposeB ? transposeLast2(io, b) : b;
    const s = matMulShape(a, b, transposeA, transposeB);
    const out = runOriginal(io, tf.BatchMatMul,
      { a: withShape(at, [...a.shape.slice(0, -2), s.m, s.k]), b: withShape(bt, [...b.shape.slice(0, -2), s.k, s.n]) },
      { transposeA: false, transposeB: false });
    if (at !== a) io.dispose(at);
    if (bt !== b) io.dispose(bt);
    return out;
  },
};

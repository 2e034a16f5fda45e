// _FusedMatMul (matmul + bias + activation, used by dense layers). The wasm 4.22 original adds the
// bias wrongly whenever an operand is transposed, so on wasm the pack always owns this kernel:
// native GEMM when available, else the pack's BatchMatMul, then bias + activation in place.
import * as tf from '@tensorflow/tfjs';
import { applyBiasActivation, canFuse } from './biasActivation';
import { batchMatMulKernel, nativeMatMul } from './BatchMatMul';
import { runOriginal } from './original';
import { input, type PackKernel } from './types';

export const fusedMatMulKernel: PackKernel = {
  name: tf._FusedMatMul,
  applies: (backend, native) => backend === 'wasm' || native,
  run(io, inputs, attrs) {
    const a = input(inputs, 'a', '_FusedMatMul');
    const b = input(inputs, 'b', '_FusedMatMul');
    const { bias, preluActivationWeights } = inputs;
    const transposeA = attrs.transposeA === true, transposeB = attrs.transposeB === true;
    const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    const plain = !transposeA && !transposeB;
    if (!canFuse(n, bias, preluActivationWeights, attrs.activation)) {
      if (io.backendName === 'wasm' && !plain) {
        throw new Error('kernel pack _FusedMatMul: prelu activation with transposed operands is not supported on wasm');
      }
      return runOriginal(io, tf._FusedMatMul, inputs, attrs);
    }
    let out = nativeMatMul(io, a, b, transposeA, transposeB);
    if (out === null) {
      if (plain) return runOriginal(io, tf._FusedMatMul, inputs, attrs);
      const product = batchMatMulKernel.run(io, { a, b }, { transposeA, transposeB });
      if (Array.isArray(product)) throw new Error('kernel pack _FusedMatMul: unexpected multiple outputs');
      out = product;
    }
    applyBiasActivation(io, out, n, bias, attrs.activation, (attrs.leakyreluAlpha ?? 0.2) as number);
    return out;
  },
};

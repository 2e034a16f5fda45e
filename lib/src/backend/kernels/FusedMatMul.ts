// _FusedMatMul (matmul + bias + activation, used by dense layers) on the native addon.
import * as tf from '@tensorflow/tfjs';
import { applyBiasActivation, canFuse } from './biasActivation';
import { nativeMatMul } from './BatchMatMul';
import { runOriginal } from './original';
import { input, type PackKernel } from './types';

export const fusedMatMulKernel: PackKernel = {
  name: tf._FusedMatMul,
  applies: (_backend, native) => native,
  run(io, inputs, attrs) {
    const a = input(inputs, 'a', '_FusedMatMul');
    const b = input(inputs, 'b', '_FusedMatMul');
    const { bias, preluActivationWeights } = inputs;
    const transposeA = attrs.transposeA === true, transposeB = attrs.transposeB === true;
    const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    if (!canFuse(n, bias, preluActivationWeights, attrs.activation)) return runOriginal(io, tf._FusedMatMul, inputs, attrs);
    const out = nativeMatMul(io, a, b, transposeA, transposeB);
    if (out === null) return runOriginal(io, tf._FusedMatMul, inputs, attrs);
    applyBiasActivation(io, out, n, bias, attrs.activation, (attrs.leakyreluAlpha ?? 0.2) as number);
    return out;
  },
};

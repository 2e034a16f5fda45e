// Bias add + activation, applied in place, for the fused kernels (FusedConv2D, _FusedMatMul).
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import type { KernelIO } from './io';

const supported = new Set(['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu']);

/** Whether applyBiasActivation can handle these fused-kernel inputs (else use the original kernel). */
export function canFuse(channels: number, bias: tf.TensorInfo | undefined, prelu: tf.TensorInfo | undefined, activation: unknown): boolean {
  if (prelu !== undefined) return false;
  if (activation !== undefined && !supported.has(activation as string)) return false;
  if (bias === undefined) return true;
  const size = bias.shape.reduce((a, b) => a * b, 1);
  return bias.dtype === 'float32' && (size === 1 || (size === channels && bias.shape[bias.shape.length - 1] === channels));
}

export function applyBiasActivation(io: KernelIO, y: tf.TensorInfo, channels: number, bias: tf.TensorInfo | undefined,
  activation: unknown, alpha: number): void {
  const v = io.f32(y);
  const native = nativeKernels();
  const act = activation ?? 'linear';
  if (native !== null && (act === 'linear' || act === 'relu') && (bias === undefined || io.f32(bias).length === channels)) {
    native.biasAct(v, bias === undefined ? null : io.f32(bias), v.length / channels, channels, act === 'relu' ? 1 : 0);
    return;
  }
  if (bias !== undefined) {
    const b = io.f32(bias);
    if (b.length === 1) { const s = b[0]; for (let i = 0; i < v.length; i++) v[i] += s; }
    else for (let i = 0; i < v.length; i += channels) for (let j = 0; j < channels; j++) v[i + j] += b[j];
  }
  switch (activation ?? 'linear') {
    case 'linear': break;
    case 'relu': for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] = 0; break;
    case 'relu6': for (let i = 0; i < v.length; i++) v[i] = Math.min(6, Math.max(0, v[i])); break;
    case 'leakyrelu': for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] *= alpha; break;
    case 'sigmoid': for (let i = 0; i < v.length; i++) v[i] = 1 / (1 + Math.exp(-v[i])); break;
    case 'elu': for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] = Math.expm1(v[i]); break;
    default: throw new Error(`kernel pack: unsupported fused activation '${String(activation)}'`);
  }
}

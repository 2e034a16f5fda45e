// The ReLU gradient as one kernel: tfjs computes dy * cast(step(x), 'float32') — three full passes
// (step, a copy for the cast, multiply) per ReLU layer. NetstatsReluGrad computes dy * step(x) in one
// multithreaded pass; the Relu gradient is re-registered to use it on backends that have it (and
// tfjs's own formula elsewhere). Same values, NaN included: step(NaN) is NaN.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import { sizeOf } from './io';
import { input, type PackKernel } from './types';

export const RELU_GRAD = 'NetstatsReluGrad';

export const reluGradKernel: PackKernel = {
  name: RELU_GRAD,
  applies: (backend, native) => backend === 'wasm' || native,
  run(io, inputs) {
    const dy = input(inputs, 'dy', RELU_GRAD), x = input(inputs, 'x', RELU_GRAD);
    if (dy.dtype !== 'float32' || x.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, x.shape)) {
      throw new Error(`kernel pack ${RELU_GRAD}: dy and x must be float32 of one shape, got ${dy.dtype} ${JSON.stringify(dy.shape)} and ${x.dtype} ${JSON.stringify(x.shape)}`);
    }
    const n = sizeOf(x.shape);
    const out = io.alloc(x.shape, 'float32');
    const native = nativeKernels();
    if (native !== null) {
      native.binary(3, io.f32(dy), io.f32(x), io.f32(out), n, n, n);
    } else {
      const dv = io.f32(dy), xv = io.f32(x), ov = io.f32(out);
      for (let i = 0; i < n; i++) { const v = xv[i]; ov[i] = dv[i] * (v > 0 ? 1 : Number.isNaN(v) ? NaN : 0); }
    }
    return out;
  },
};

let registered = false;

/** Re-registers the Relu gradient (once per process): the fused kernel where the backend has it. */
export function registerReluGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const d = dy as tf.Tensor;
      return {
        x: () => tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined && d.dtype === 'float32' && x.dtype === 'float32'
          ? tf.engine().runKernel(RELU_GRAD, { dy: d, x }) as tf.Tensor
          : tf.mul(d, tf.cast(tf.step(x), 'float32')),
      };
    },
  });
}

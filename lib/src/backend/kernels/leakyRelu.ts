// LeakyRelu and its gradient on the native addon. Tiny Darknet (notebook 01's ImageNet network) puts a leaky ReLU
// after every convolution; the wasm backend's own LeakyRelu and tfjs's gradient formula (greater, multiply, select:
// three passes) took about as long as the convolutions themselves at 224×224. Same values as tfjs: x < 0 ? αx : x
// forward, where(x > 0, dy, dy·α) backward (NaN stays NaN forward and takes the α branch backward, as there).
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import { sizeOf } from './io';
import { runOriginal } from './original';
import { input, type PackKernel } from './types';

export const LEAKY_RELU_GRAD = 'NetstatsLeakyReluGrad';

function alphaOf(attrs: tf.NamedAttrMap, kernel: string): number {
  const alpha = attrs['alpha'];
  if (typeof alpha !== 'number') throw new Error(`kernel pack ${kernel}: attribute 'alpha' must be a number, got ${String(alpha)}`);
  return alpha;
}

export const leakyReluKernel: PackKernel = {
  name: tf.LeakyRelu,
  applies: (backend, native) => backend === 'wasm' && native,
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', tf.LeakyRelu);
    const native = nativeKernels();
    if (native === null || x.dtype !== 'float32') return runOriginal(io, tf.LeakyRelu, inputs, attrs);
    const out = io.alloc(x.shape, 'float32');
    native.leakyRelu(io.f32(x), io.f32(out), sizeOf(x.shape), alphaOf(attrs, tf.LeakyRelu));
    return out;
  },
};

export const leakyReluGradKernel: PackKernel = {
  name: LEAKY_RELU_GRAD,
  applies: (backend, native) => backend === 'wasm' && native,
  run(io, inputs, attrs) {
    const dy = input(inputs, 'dy', LEAKY_RELU_GRAD), x = input(inputs, 'x', LEAKY_RELU_GRAD);
    if (dy.dtype !== 'float32' || x.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, x.shape)) {
      throw new Error(`kernel pack ${LEAKY_RELU_GRAD}: dy and x must be float32 of one shape, got ${dy.dtype} ${JSON.stringify(dy.shape)} and ${x.dtype} ${JSON.stringify(x.shape)}`);
    }
    const n = sizeOf(x.shape), alpha = alphaOf(attrs, LEAKY_RELU_GRAD);
    const out = io.alloc(x.shape, 'float32');
    const native = nativeKernels();
    if (native !== null) {
      native.leakyReluGrad(io.f32(dy), io.f32(x), io.f32(out), n, alpha);
    } else {
      // The addon can be switched off after registration: the same formula in JS (α rounded to float32 as there).
      const dv = io.f32(dy), xv = io.f32(x), ov = io.f32(out), a = Math.fround(alpha);
      for (let i = 0; i < n; i++) { const d = dv[i] as number; ov[i] = (xv[i] as number) > 0 ? d : d * a; }
    }
    return out;
  },
};

let registered = false;

/** Re-registers the LeakyRelu gradient (once per process): the fused kernel where the backend has it, tfjs's formula elsewhere. */
export function registerLeakyReluGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.LeakyRelu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const d = dy as tf.Tensor;
      const alpha = alphaOf(attrs, tf.LeakyRelu);
      return {
        x: () => tf.getKernel(LEAKY_RELU_GRAD, tf.getBackend()) !== undefined && d.dtype === 'float32' && x.dtype === 'float32'
          ? tf.engine().runKernel(LEAKY_RELU_GRAD, { dy: d, x }, { alpha }) as tf.Tensor
          : tf.where(tf.greater(x, 0), d, tf.mul(d, alpha)),
      };
    },
  });
}

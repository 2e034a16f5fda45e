// One kernel per conv/dense layer, forward and backward. Under a gradient tape tfjs does not fuse
// activations (its fused ops fall back to conv/matmul + Add + Relu, and the backward pass to ReluGrad +
// Sum + the two products), so a ReLU layer costs 6-7 kernel calls and as many full passes over its
// output. With these kernels a layer is one forward call (bias and ReLU in the product's epilogue) and
// one backward call for dz = dy * step(y) and the bias gradient together, then only the products that
// the tape actually needs (the input gradient of a first layer is never computed). Used through the
// tfjs-layers hooks in layerHooks.ts; needs the native addon.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import { fusedConv2DKernel } from './FusedConv2D';
import { fusedMatMulKernel } from './FusedMatMul';
import { sizeOf } from './io';
import { input, type PackKernel } from './types';

export const CONV_LAYER = 'NetstatsConv2DLayer';
export const DENSE_LAYER = 'NetstatsDenseLayer';
export const BIAS_ACT_GRAD = 'NetstatsBiasActGrad';

/** The activations the layer kernels fuse. */
export type LayerActivation = 'relu' | 'linear';

function single(out: tf.TensorInfo | tf.TensorInfo[], kernel: string): tf.TensorInfo {
  if (Array.isArray(out)) throw new Error(`kernel pack ${kernel}: unexpected multiple outputs`);
  return out;
}

/** y = act(conv2d(x, filter) + bias): inputs x [B,H,W,C], filter [KH,KW,C,CO], optional bias [CO]. */
export const convLayerKernel: PackKernel = {
  name: CONV_LAYER,
  applies: (_backend, native) => native,
  run: (io, inputs, attrs) => single(fusedConv2DKernel.run(io, inputs, { ...attrs, dataFormat: 'NHWC' }), CONV_LAYER),
};

/** y = act(x . kernel + bias): inputs a = x [rows, K], b = kernel [K, N], optional bias [N]. */
export const denseLayerKernel: PackKernel = {
  name: DENSE_LAYER,
  applies: (_backend, native) => native,
  run: (io, inputs, attrs) =>
    single(fusedMatMulKernel.run(io, inputs, { ...attrs, transposeA: false, transposeB: false }), DENSE_LAYER),
};

/** Outputs [dz, db]: dz = dy * step(y) for 'relu' (y = the layer's output) or dy for 'linear'; db = sums of dz over all axes but the last. */
export const biasActGradKernel: PackKernel = {
  name: BIAS_ACT_GRAD,
  applies: (_backend, native) => native,
  run(io, inputs, attrs) {
    const dy = input(inputs, 'dy', BIAS_ACT_GRAD), y = input(inputs, 'y', BIAS_ACT_GRAD);
    if (dy.dtype !== 'float32' || y.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, y.shape) || dy.shape.length < 1) {
      throw new Error(`kernel pack ${BIAS_ACT_GRAD}: dy and y must be float32 of one shape (rank >= 1), got ` +
        `${dy.dtype} ${JSON.stringify(dy.shape)} and ${y.dtype} ${JSON.stringify(y.shape)}`);
    }
    const activation = attrs.activation as LayerActivation;
    if (activation !== 'relu' && activation !== 'linear') {
      throw new Error(`kernel pack ${BIAS_ACT_GRAD}: activation must be 'relu' or 'linear', got '${String(activation)}'`);
    }
    const cols = dy.shape[dy.shape.length - 1], rows = cols === 0 ? 0 : sizeOf(dy.shape) / cols;
    const dz = io.alloc(dy.shape, 'float32'), db = io.alloc([cols], 'float32');
    const native = nativeKernels();
    if (native === null) throw new Error(`kernel pack ${BIAS_ACT_GRAD}: needs the native addon`);
    native.biasActGrad(io.f32(dy), io.f32(y), io.f32(dz), io.f32(db), rows, cols, activation === 'relu' ? 1 : 0);
    return [dz, db];
  },
};

function run(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
}

function biasActGrad(dy: tf.Tensor, y: tf.Tensor, activation: LayerActivation): [tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(BIAS_ACT_GRAD, { dy, y }, { activation }) as [tf.Tensor, tf.Tensor];
}

let gradientsRegistered = false;

/** Registers the gradients of the layer kernels (once per process). */
export function registerLayerGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  tf.registerGradient({
    kernelName: CONV_LAYER,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dys, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const a = attrs as { strides: [number, number]; pad: 'same' | 'valid'; activation: LayerActivation };
      const [dz, db] = biasActGrad(dys as tf.Tensor, y, a.activation);
      const common = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC' };
      return {
        x: () => run(tf.Conv2DBackpropInput, { dy: dz, filter }, { ...common, inputShape: x.shape }),
        filter: () => run(tf.Conv2DBackpropFilter, { x, dy: dz }, { ...common, filterShape: filter.shape }),
        bias: () => db,
      };
    },
  });
  tf.registerGradient({
    kernelName: DENSE_LAYER,
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dys, saved, attrs) => {
      const [x, kernel, y] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const [dz, db] = biasActGrad(dys as tf.Tensor, y, (attrs as { activation: LayerActivation }).activation);
      return {
        a: () => run(tf.BatchMatMul, { a: dz, b: kernel }, { transposeA: false, transposeB: true }),
        b: () => run(tf.BatchMatMul, { a: x, b: dz }, { transposeA: true, transposeB: false }),
        bias: () => db,
      };
    },
  });
}

/** Whether the active backend has the layer kernels (the pack with the native addon). */
export function layerKernelsAvailable(): boolean {
  return tf.getKernel(CONV_LAYER, tf.getBackend()) !== undefined;
}

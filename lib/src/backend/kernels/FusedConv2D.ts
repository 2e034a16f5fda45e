// FusedConv2D (conv + bias + activation) on the native addon, bias and ReLU fused into the convolution's
// epilogue; other cases go to the backend's own kernel.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import { applyBiasActivation, canFuse } from './biasActivation';
import { assertNHWC, convInfo, nativeGeometry } from './geometry';
import { runOriginal } from './original';
import { input, type PackKernel } from './types';

export const fusedConv2DKernel: PackKernel = {
  name: tf.FusedConv2D,
  applies: (_backend, native) => native,
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', 'FusedConv2D');
    const filter = input(inputs, 'filter', 'FusedConv2D');
    const { bias, preluActivationWeights } = inputs;
    const native = nativeKernels();
    const channels = filter.shape[3];
    if (native === null || !canFuse(channels, bias, preluActivationWeights, attrs.activation)) {
      return runOriginal(io, tf.FusedConv2D, inputs, attrs);
    }
    assertNHWC('FusedConv2D', attrs.dataFormat);
    const c = convInfo(x.shape, filter.shape, attrs);
    const y = io.alloc(c.outShape, 'float32');
    const activation = attrs.activation ?? 'linear';
    // A per-channel bias, and ReLU after it, run in the convolution's epilogue; anything else afterwards.
    const nativeBias = bias !== undefined && bias.shape.reduce((p, d) => p * d, 1) === channels ? bias : undefined;
    const restBias = nativeBias === undefined ? bias : undefined;
    const nativeRelu = activation === 'relu' && restBias === undefined;
    native.conv2d(io.f32(x), io.f32(filter), io.f32(y), nativeGeometry(c), nativeBias === undefined ? null : io.f32(nativeBias), nativeRelu ? 1 : 0);
    if (restBias !== undefined || (activation !== 'linear' && !nativeRelu)) {
      applyBiasActivation(io, y, channels, restBias, nativeRelu ? 'linear' : activation, (attrs.leakyreluAlpha ?? 0.2) as number);
    }
    return y;
  },
};

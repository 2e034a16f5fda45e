// DepthwiseConv2dNativeBackpropInput: missing on wasm 4.22.
import * as tf from '@tensorflow/tfjs';
import { depthwiseBackpropInput } from './depthwiseLoops';
import { convInfo, dyShapeMismatch } from './geometry';
import { runOriginalOrThrow } from './original';
import { input, type PackKernel } from './types';

export const depthwiseConv2dNativeBackpropInputKernel: PackKernel = {
  name: tf.DepthwiseConv2dNativeBackpropInput,
  applies: (backend) => backend === 'wasm',
  run(io, inputs, attrs) {
    const dy = input(inputs, 'dy', 'DepthwiseConv2dNativeBackpropInput');
    const filter = input(inputs, 'filter', 'DepthwiseConv2dNativeBackpropInput');
    const inputShape = attrs.inputShape as number[];
    const c = convInfo(inputShape, filter.shape, attrs, true);
    const mismatch = dyShapeMismatch(dy, c);
    if (mismatch !== null) return runOriginalOrThrow(io, tf.DepthwiseConv2dNativeBackpropInput, inputs, attrs, mismatch);
    const dx = io.alloc(inputShape, 'float32');
    depthwiseBackpropInput(io.f32(dy), io.f32(filter), io.f32(dx), c);
    return dx;
  },
};

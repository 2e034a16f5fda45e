// DepthwiseConv2dNativeBackpropFilter: missing on wasm 4.22.
import * as tf from '@tensorflow/tfjs';
import { depthwiseBackpropFilter } from './depthwiseLoops';
import { convInfo, dyShapeMismatch } from './geometry';
import { runOriginalOrThrow } from './original';
import { input, type PackKernel } from './types';

export const depthwiseConv2dNativeBackpropFilterKernel: PackKernel = {
  name: tf.DepthwiseConv2dNativeBackpropFilter,
  applies: (backend) => backend === 'wasm',
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', 'DepthwiseConv2dNativeBackpropFilter');
    const dy = input(inputs, 'dy', 'DepthwiseConv2dNativeBackpropFilter');
    const filterShape = attrs.filterShape as number[];
    const c = convInfo(x.shape, filterShape, attrs, true);
    const mismatch = dyShapeMismatch(dy, c);
    if (mismatch !== null) return runOriginalOrThrow(io, tf.DepthwiseConv2dNativeBackpropFilter, inputs, attrs, mismatch);
    const dw = io.alloc(filterShape, 'float32');
    depthwiseBackpropFilter(io.f32(x), io.f32(dy), io.f32(dw), c);
    return dw;
  },
};

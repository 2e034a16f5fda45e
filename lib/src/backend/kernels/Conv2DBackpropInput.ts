// Conv2DBackpropInput: dx = col2im(dy * W^T). The wasm original is very slow (67% of a VGG step).
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import { assertNHWC, convInfo, dyShapeMismatch, nativeGeometry } from './geometry';
import { col2im, transpose2d } from './jsConv';
import { runOriginal, runOriginalOrThrow, withShape } from './original';
import { input, type PackKernel } from './types';

export const conv2DBackpropInputKernel: PackKernel = {
  name: 'Conv2DBackpropInput',
  applies: (backend, native) => backend === 'wasm' || native,
  run(io, inputs, attrs) {
    const dy = input(inputs, 'dy', 'Conv2DBackpropInput');
    const filter = input(inputs, 'filter', 'Conv2DBackpropInput');
    assertNHWC('Conv2DBackpropInput', attrs.dataFormat);
    const inputShape = attrs.inputShape as number[];
    const c = convInfo(inputShape, filter.shape, attrs);
    const mismatch = dyShapeMismatch(dy, c);
    if (mismatch !== null) return runOriginalOrThrow(io, 'Conv2DBackpropInput', inputs, attrs, mismatch);
    const native = nativeKernels();
    if (native !== null) {
      const dx = io.alloc(inputShape, 'float32');
      native.conv2dBackpropInput(io.f32(dy), io.f32(filter), io.f32(dx), nativeGeometry(c));
      return dx;
    }
    const K = c.filterHeight * c.filterWidth * c.inChannels;
    const N = c.batchSize * c.outHeight * c.outWidth;
    const filterT = io.alloc([1, c.outChannels, K], 'float32');
    transpose2d(io.f32(filter), K, c.outChannels, io.f32(filterT));
    const cols = runOriginal(io, tf.BatchMatMul, { a: withShape(dy, [1, N, c.outChannels]), b: filterT },
      { transposeA: false, transposeB: false });
    io.dispose(filterT);
    const dx = io.alloc(inputShape, 'float32');
    const dxView = io.f32(dx);
    dxView.fill(0);
    col2im(io.f32(cols), c, dxView);
    io.dispose(cols);
    return dx;
  },
};

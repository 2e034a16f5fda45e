// Conv2DBackpropFilter: missing on wasm 4.22. dW = im2col(x)^T * dy.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import { assertNHWC, convInfo, dyShapeMismatch, nativeGeometry } from './geometry';
import { im2colTransposed } from './jsConv';
import { runOriginal, runOriginalOrThrow, withShape } from './original';
import { input, type PackKernel } from './types';

export const conv2DBackpropFilterKernel: PackKernel = {
  name: 'Conv2DBackpropFilter',
  applies: (backend, native) => backend === 'wasm' || native,
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', 'Conv2DBackpropFilter');
    const dy = input(inputs, 'dy', 'Conv2DBackpropFilter');
    assertNHWC('Conv2DBackpropFilter', attrs.dataFormat);
    const filterShape = attrs.filterShape as number[];
    const c = convInfo(x.shape, filterShape, attrs);
    const mismatch = dyShapeMismatch(dy, c);
    if (mismatch !== null) return runOriginalOrThrow(io, 'Conv2DBackpropFilter', inputs, attrs, mismatch);
    const native = nativeKernels();
    if (native !== null) {
      const dw = io.alloc(filterShape, 'float32');
      native.conv2dBackpropFilter(io.f32(x), io.f32(dy), io.f32(dw), nativeGeometry(c));
      return dw;
    }
    const K = c.filterHeight * c.filterWidth * c.inChannels;
    const N = c.batchSize * c.outHeight * c.outWidth;
    const colsT = io.alloc([1, K, N], 'float32');
    im2colTransposed(io.f32(x), c, io.f32(colsT));
    const product = runOriginal(io, tf.BatchMatMul, { a: colsT, b: withShape(dy, [1, N, c.outChannels]) },
      { transposeA: false, transposeB: false });
    io.dispose(colsT);
    return withShape(product, filterShape);
  },
};

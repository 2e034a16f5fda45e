// Conv2D on the native addon (direct multithreaded convolution); registered only when it is active.
import { nativeKernels } from '../native/addon';
import { assertNHWC, convInfo, nativeGeometry } from './geometry';
import { runOriginal } from './original';
import { input, type PackKernel } from './types';

export const conv2DKernel: PackKernel = {
  name: 'Conv2D',
  applies: (_backend, native) => native,
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', 'Conv2D');
    const filter = input(inputs, 'filter', 'Conv2D');
    assertNHWC('Conv2D', attrs.dataFormat);
    const native = nativeKernels();
    if (native === null) return runOriginal(io, 'Conv2D', inputs, attrs);
    const c = convInfo(x.shape, filter.shape, attrs);
    const y = io.alloc(c.outShape, 'float32');
    native.conv2d(io.f32(x), io.f32(filter), io.f32(y), nativeGeometry(c), null, 0);
    return y;
  },
};

// Elementwise kernels on the native addon (multithreaded): Add, Sub, Multiply for float32 operands of
// equal size or broadcast over leading axes (a bias over rows, a scalar), and Relu. Other cases
// (int32, general broadcasting) go to the backend's own kernels. Also Cast to the same dtype without
// a copy (the ReLU gradient casts its float32 step mask to float32: a full copy per layer on wasm).
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import { sizeOf } from './io';
import { runOriginal } from './original';
import { input, type PackKernel } from './types';

export const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2 } as const;

/** Period of an operand in the broadcast output: its size when its shape, right-aligned, is the output's
 *  trailing shape with only leading 1s before it (or it is a scalar); otherwise null (general broadcast). */
export function broadcastPeriod(shape: readonly number[], outShape: readonly number[]): number | null {
  const size = sizeOf(shape);
  if (size === 1) return 1;
  let k = shape.length;
  while (k > 0 && shape[shape.length - k] === 1) k--;  // drop leading 1s
  const tail = shape.slice(shape.length - k);
  if (tail.length > outShape.length) return null;
  const outTail = outShape.slice(outShape.length - tail.length);
  return tail.every((d, i) => d === outTail[i]) ? size : null;
}

function binaryKernel(name: keyof typeof BINARY_OPS): PackKernel {
  return {
    name,
    applies: (backend, native) => backend === 'wasm' && native,
    run(io, inputs, attrs) {
      const a = input(inputs, 'a', name), b = input(inputs, 'b', name);
      const native = nativeKernels();
      if (native === null || a.dtype !== 'float32' || b.dtype !== 'float32') return runOriginal(io, name, inputs, attrs);
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const n = sizeOf(outShape);
      const pa = broadcastPeriod(a.shape, outShape), pb = broadcastPeriod(b.shape, outShape);
      if (pa === null || pb === null || n === 0) return runOriginal(io, name, inputs, attrs);
      const out = io.alloc(outShape, 'float32');
      native.binary(BINARY_OPS[name], io.f32(a), io.f32(b), io.f32(out), pa, pb, n);
      return out;
    },
  };
}

export const addKernel = binaryKernel('Add');
export const subKernel = binaryKernel('Sub');
export const multiplyKernel = binaryKernel('Multiply');

export const reluKernel: PackKernel = {
  name: tf.Relu,
  applies: (backend, native) => backend === 'wasm' && native,
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', 'Relu');
    const native = nativeKernels();
    if (native === null || x.dtype !== 'float32') return runOriginal(io, tf.Relu, inputs, attrs);
    const out = io.alloc(x.shape, 'float32');
    native.relu(io.f32(x), io.f32(out), sizeOf(x.shape));
    return out;
  },
};

interface RefCounted { incRef(dataId: tf.DataId): void }

export const castKernel: PackKernel = {
  name: tf.Cast,
  applies: (backend) => backend === 'wasm',
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', 'Cast');
    if (attrs.dtype !== x.dtype || x.dtype === 'string' || x.dtype === 'complex64') return runOriginal(io, tf.Cast, inputs, attrs);
    (io.backend as RefCounted).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
};

// Identity without a copy: the wasm original copies the whole tensor, and tfjs clones (Identity) every
// tensor it saves for a gradient — 271 copies per ResNet-small step. Shares the memory with a
// reference count, as the cpu backend does (tfjs never writes into a kernel's inputs).
import * as tf from '@tensorflow/tfjs';
import { runOriginal } from './original';
import { input, type PackKernel } from './types';

export const identityKernel: PackKernel = {
  name: tf.Identity,
  applies: (backend) => backend === 'wasm',
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', 'Identity');
    if (x.dtype === 'string') return runOriginal(io, tf.Identity, inputs, attrs);
    return io.share(x);
  },
};

// Mean over leading axes without the wasm original's full transpose (see leadingReduce.ts).
import * as tf from '@tensorflow/tfjs';
import { reduceLeading } from './leadingReduce';
import type { PackKernel } from './types';

export const meanKernel: PackKernel = {
  name: tf.Mean,
  applies: (backend) => backend === 'wasm',
  run: (io, inputs, attrs) => reduceLeading(io, 'Mean', inputs, attrs),
};

// Gradients of Sum and Mean without the full-size ones tensor: tfjs computes dy * ones(x.shape)
// (a JS array filled and uploaded every step, then a multiply). Where the pack is active the
// gradient is broadcastTo(dy) (Tile), divided by the reduced size for Mean: the same values bit for bit.
import * as tf from '@tensorflow/tfjs';
import { RELU_GRAD } from './reluGrad';

function packActive(): boolean {
  return tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined;
}

function expandedDy(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): { dy: tf.Tensor; reduceSize: number } {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const shape = x.shape.slice();
  let reduceSize = 1;
  for (const a of axes) { reduceSize *= x.shape[a]; shape[a] = 1; }
  return { dy: tf.reshape(dy, shape), reduceSize };
}

let registered = false;

export function registerReductionGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const e = expandedDy(dy as tf.Tensor, x, attrs.axis as number | number[]);
      const derX = packActive() && e.dy.dtype === 'float32' ? tf.broadcastTo(e.dy, x.shape) : tf.mul(e.dy, tf.ones(x.shape, 'float32'));
      return { x: () => derX };
    },
  });
  tf.registerGradient({
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      return {
        x: () => {
          const e = expandedDy(dy as tf.Tensor, x, attrs.axis as number | number[]);
          const full = packActive() && e.dy.dtype === 'float32' ? tf.broadcastTo(e.dy, x.shape) : tf.mul(e.dy, tf.ones(x.shape, 'float32'));
          return tf.div(full, e.reduceSize);
        },
      };
    },
  });
}

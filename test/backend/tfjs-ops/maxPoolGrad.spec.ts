// Targeted jasmine specs (run by the tfjs-ops harness next to tfjs-core's own) for MaxPoolGrad cases tfjs's specs
// leave out: inputs <= 0 (a padded cell must never win as a 0), duplicate maxima (the gradient goes to the first
// maximum in row-major window order, as tfjs cpu and TensorFlow route it), and windows made only of padding (their
// gradient goes nowhere). Expected values are worked out by hand in the comments, the larger case by a plain loop.
import * as tf from '@tensorflow/tfjs-core';
import { ALL_ENVS, describeWithFlags } from '@tensorflow/tfjs-core/dist/jasmine_util';
import { expectArraysClose } from '@tensorflow/tfjs-core/dist/test_util';

type Pad = 'valid' | 'same' | number;

/** dx of sum(maxPool(x) * dy) with respect to x. */
async function maxPoolGrad(x: tf.Tensor4D, dy: number[], filter: number, stride: number, pad: Pad): Promise<Float32Array> {
  const g = tf.grad((v: tf.Tensor) => {
    const y = tf.maxPool(v as tf.Tensor4D, filter, stride, pad);
    return tf.sum(tf.mul(y, tf.tensor(dy, y.shape)));
  })(x);
  return (await g.data()) as Float32Array;
}

/** First-maximum routing by plain loops ('valid' padding), the reference for the larger case. */
function referenceGrad(x: Float32Array, dy: Float32Array, [B, H, W, C]: number[], f: number, s: number): Float32Array {
  const OH = Math.floor((H - f) / s) + 1, OW = Math.floor((W - f) / s) + 1;
  const dx = new Float32Array(x.length);
  for (let b = 0; b < B; b++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let c = 0; c < C; c++) {
    let best = -Infinity, at = -1;
    for (let i = 0; i < f; i++) for (let j = 0; j < f; j++) {
      const idx = ((b * H + oh * s + i) * W + ow * s + j) * C + c;
      if ((x[idx] as number) > best) { best = x[idx] as number; at = idx; }
    }
    dx[at] = (dx[at] as number) + (dy[((b * OH + oh) * OW + ow) * C + c] as number);
  }
  return dx;
}

describeWithFlags('netstats MaxPoolGrad', ALL_ENVS, () => {
  it('all-negative input, 2x2 stride 2: the gradient goes to the largest negative value', async () => {
    const x = tf.tensor4d([-4, -1, -3, -2], [1, 2, 2, 1]);
    expectArraysClose(await maxPoolGrad(x, [5], 2, 2, 'valid'), [0, 5, 0, 0]);
  });
  it('all-zero input: the first zero of the window takes the gradient', async () => {
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expectArraysClose(await maxPoolGrad(x, [3], 2, 2, 'valid'), [3, 0, 0, 0]);
  });
  it("negative input, 3x3 stride 2 'same': padded cells never win over negatives", async () => {
    // x = [-1 -2 -3; -4 -5 -6; -7 -8 -9], one cell of padding on every side. Windows (real cells only):
    // (0,0) {-1,-2,-4,-5} -> -1 at (0,0); (0,1) {-2,-3,-5,-6} -> -2 at (0,1); (1,0) {-4,-5,-7,-8} -> -4 at (1,0);
    // (1,1) {-5,-6,-8,-9} -> -5 at (1,1).
    const x = tf.tensor4d([-1, -2, -3, -4, -5, -6, -7, -8, -9], [1, 3, 3, 1]);
    expectArraysClose(await tf.maxPool(x, 3, 2, 'same').data(), [-1, -2, -4, -5]);
    expectArraysClose(await maxPoolGrad(x, [1, 2, 3, 4], 3, 2, 'same'), [1, 2, 0, 3, 4, 0, 0, 0, 0]);
  });
  it('duplicate maxima in one window: the first in row-major order takes it all', async () => {
    const x = tf.tensor4d([1, 3, 3, 2], [1, 2, 2, 1]);
    expectArraysClose(await maxPoolGrad(x, [2], 2, 2, 'valid'), [0, 2, 0, 0]);
  });
  it('overlapping windows (2x2 stride 1) over a constant input: each window routes to its own top-left cell', async () => {
    const x = tf.fill([1, 3, 3, 1], 7) as tf.Tensor4D;
    expectArraysClose(await maxPoolGrad(x, [1, 2, 3, 4], 2, 1, 'valid'), [1, 2, 0, 3, 4, 0, 0, 0, 0]);
  });
  it('overlapping windows sharing one maximum accumulate every window\'s gradient there', async () => {
    const x = tf.tensor4d([1, 2, 1, 2, 9, 2, 1, 2, 1], [1, 3, 3, 1]);
    expectArraysClose(await maxPoolGrad(x, [1, 2, 3, 4], 2, 1, 'valid'), [0, 0, 0, 0, 10, 0, 0, 0, 0]);
  });
  it('windows made only of padding (explicit pad 2, 2x2 stride 2 on 2x2) route nothing', async () => {
    // Output 3x3; only the centre window (input rows/cols 0..1) holds real cells; its maximum -0.5 is at (1,0).
    const x = tf.tensor4d([-2, -1, -0.5, -3], [1, 2, 2, 1]);
    const dy = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expectArraysClose(await maxPoolGrad(x, dy, 2, 2, 2), [0, 0, 5, 0]);
  });
  it('batch 2, 3 channels, values from {-1, 0} (many ties, no positive value), 2x2 stride 2 on 6x4', async () => {
    const shape = [2, 6, 4, 3];
    const n = shape.reduce((a, b) => a * b, 1);
    const xs = Float32Array.from({ length: n }, (_, i) => ((i * 7) % 5 < 2 ? 0 : -1));
    const dys = Float32Array.from({ length: 2 * 3 * 2 * 3 }, (_, i) => i + 1);
    const x = tf.tensor4d(xs, shape as [number, number, number, number]);
    expectArraysClose(await maxPoolGrad(x, Array.from(dys), 2, 2, 'valid'), referenceGrad(xs, dys, shape, 2, 2));
  });
});

import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { architecturesConfig } from '../../../lib/src/experiments/architectures/config';
import { LinearConv, composeLinearConvs, linearCollapseCheck, pointwiseConvCheck } from '../../../lib/src/experiments/architectures/linear';

function conv(values: number[], shape: [number, number, number, number], bias: number[], stride = 1): LinearConv {
  return { kernel: { values: Float64Array.from(values), shape }, bias: Float64Array.from(bias), stride };
}

describe('experiments/architectures: linear collapse', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('composes two 2×2 kernels by hand: K[w] = Σ_{u+v=w} k1[u]·k2[v], bias b2 + Σ k2·b1', () => {
    // 1 channel: k1 = [[1,2],[3,4]], k2 = identity diagonal [[1,0],[0,1]] → k1 placed at (0,0) plus k1 at (1,1).
    const first = conv([1, 2, 3, 4], [2, 2, 1, 1], [0.5]);
    const second = conv([1, 0, 0, 1], [2, 2, 1, 1], [-1]);
    const c = composeLinearConvs(first, second);
    assert.deepEqual(c.kernel.shape, [3, 3, 1, 1]);
    assert.deepEqual(Array.from(c.kernel.values), [1, 2, 0, 3, 5, 2, 0, 3, 4]);
    assert.deepEqual(Array.from(c.bias), [-1 + 2 * 0.5]);
    assert.equal(c.stride, 1);
    // With a stride-2 first conv the second kernel is dilated by 2: 2 + 2·(2−1) = 4 wide, stride 2·3.
    const strided = composeLinearConvs({ ...first, stride: 2 }, { ...second, stride: 3 });
    assert.deepEqual(strided.kernel.shape, [4, 4, 1, 1]);
    assert.deepEqual(Array.from(strided.kernel.values), [1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4]);
    assert.equal(strided.stride, 6);
    assert.throws(() => composeLinearConvs(first, conv([1, 1], [1, 1, 2, 1], [0])), /1 output channels, the second takes 2/);
  });

  it('two linear convs equal the composed conv to float32 precision (also strided), a ReLU in between breaks it', () => {
    const cases = architecturesConfig('tiny').linear.cases;
    const before = tf.memory().numTensors;
    for (const [i, c] of cases.entries()) {
      const r = linearCollapseCheck(c, 10 + i);
      assert.ok(r.maxAbsError < 1e-5 * Math.max(1, r.maxAbsOutput), `${r.case}: error ${r.maxAbsError}`);
      assert.ok(r.withReluMaxAbsDifference > 0.1, `${r.case}: ReLU difference only ${r.withReluMaxAbsDifference}`);
      assert.equal(r.composedKernel, c.kernels[0] + c.strides[0] * (c.kernels[1] - 1));
      assert.equal(r.composedStride, c.strides[0] * c.strides[1]);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('a 1×1 conv is a matmul over channels; conv1×1→conv1×1 stays affine, with a ReLU it does not', () => {
    const before = tf.memory().numTensors;
    const r = pointwiseConvCheck({ height: 5, width: 4, inChannels: 6, outChannels: 3, hiddenChannels: 8 }, 1);
    assert.ok(r.matmulMaxAbsError < 1e-5, `matmul error ${r.matmulMaxAbsError}`);
    assert.equal(r.parameters, 6 * 3 + 3);
    assert.ok(r.linearStackUnexplained < 1e-8, `linear stack leaves ${r.linearStackUnexplained} unexplained`);
    assert.ok(r.reluStackUnexplained > 0.02, `ReLU stack leaves only ${r.reluStackUnexplained} unexplained`);
    assert.equal(tf.memory().numTensors, before);
  });
});

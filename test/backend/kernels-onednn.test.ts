// The native addon's convolution paths: oneDNN (when the addon was built against libdnnl-dev) and its own C kernels.
// Both are compared with the tfjs cpu backend (the independent reference) on the bench models' layer shapes
// (LeNet-5, VGG-small, ResNet-8: 1, 3 and more input channels, 5x5 valid, 3x3 same, strided 3x3 and 1x1), and the
// counters must show which path computed each call.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { describeConvPath, nativeStatus, type NativeKernels, type OnednnStatus } from '../../lib/src/backend/native/addon';
import { convInfo, nativeGeometry } from '../../lib/src/backend/kernels/geometry';
import { createRng } from '../../lib/src/util/random';
import { convPathSince } from '../../lib/src/cli/bench';
import { assertClose } from './packFixture';

type ConvCase = { x: [number, number, number, number]; w: [number, number, number, number]; stride: number; pad: 'same' | 'valid' };

const CASES: ConvCase[] = [
  { x: [3, 28, 28, 1], w: [5, 5, 1, 6], stride: 1, pad: 'same' },     // LeNet-5 conv1
  { x: [3, 14, 14, 6], w: [5, 5, 6, 16], stride: 1, pad: 'valid' },   // LeNet-5 conv2
  { x: [2, 16, 16, 3], w: [3, 3, 3, 32], stride: 1, pad: 'same' },    // VGG / ResNet stem
  { x: [2, 8, 8, 32], w: [3, 3, 32, 64], stride: 1, pad: 'same' },    // VGG stage 2
  { x: [2, 9, 9, 16], w: [3, 3, 16, 32], stride: 2, pad: 'same' },    // ResNet downsampling, odd size
  { x: [2, 9, 9, 16], w: [1, 1, 16, 32], stride: 2, pad: 'same' },    // ResNet projection
  { x: [1, 10, 7, 5], w: [2, 3, 5, 17], stride: 2, pad: 'valid' },    // unused input rows/columns in 'valid'
];

function random(seed: number, shape: number[]): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

/** y = relu(conv(x, w) + b), dx and dw of sum(y * r)'s pre-activation gradient dy, from the addon. */
function addonConv(k: NativeKernels, c: ConvCase, x: Float32Array, w: Float32Array, b: Float32Array, dy: Float32Array) {
  const info = convInfo(c.x, c.w, { strides: c.stride, pad: c.pad, dilations: 1 });
  const g = nativeGeometry(info);
  const y = new Float32Array(info.outShape.reduce((a, n) => a * n, 1));
  const dx = new Float32Array(x.length), dw = new Float32Array(w.length);
  k.conv2d(x, w, y, g, b, 1);
  k.conv2dBackpropInput(dy, w, dx, g);
  k.conv2dBackpropFilter(x, dy, dw, g);
  return { y, dx, dw, outShape: info.outShape };
}

/** The same three results from the tfjs cpu backend. */
function reference(c: ConvCase, x: Float32Array, w: Float32Array, b: Float32Array, dy: Float32Array, outShape: number[]) {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x), wt = tf.tensor4d(w, c.w), dyt = tf.tensor4d(dy, outShape as [number, number, number, number]);
    const y = tf.relu(tf.add(tf.conv2d(xt, wt, c.stride, c.pad), tf.tensor1d(b)));
    const dx = tf.conv2dTranspose(dyt, wt, c.x, c.stride, c.pad);
    const [, dw] = tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad), dyt)))([xt, wt]);
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dw: (dw as tf.Tensor).dataSync() as Float32Array };
  });
}

describe('native convolutions: oneDNN and the C kernels', function () {
  let previousBackend = 'cpu';
  let onednnWasOn = true;
  before(async function () {
    const k = nativeStatus().kernels;
    if (k === null) this.skip();
    onednnWasOn = k.onednn().enabled;
    previousBackend = tf.getBackend() ?? 'cpu';
    await tf.setBackend('cpu');
  });
  after(async () => {
    nativeStatus().kernels?.setOnednn(onednnWasOn ? 1 : 0);
    await tf.setBackend(previousBackend);
  });

  for (const path of ['oneDNN', 'C kernels'] as const) {
    it(`${path}: forward (bias + ReLU), input and filter gradients match the cpu backend and the counters name the path`, function () {
      const k = nativeStatus().kernels;
      if (k === null) return this.skip();
      const built = k.onednn().version !== null;
      if (path === 'oneDNN' && !built) return this.skip();
      k.setOnednn(path === 'oneDNN' ? 1 : 0);
      CASES.forEach((c, i) => {
        const x = random(10 * i + 1, c.x), w = random(10 * i + 2, c.w), b = random(10 * i + 3, [c.w[3]]);
        const info = convInfo(c.x, c.w, { strides: c.stride, pad: c.pad, dilations: 1 });
        const dy = random(10 * i + 4, info.outShape);
        const got = addonConv(k, c, x, w, b, dy);
        const ref = reference(c, x, w, b, dy, got.outShape);
        const what = `${path} x${c.x} w${c.w} s${c.stride} ${c.pad}`;
        assertClose(got.y, ref.y, `${what} forward`);
        assertClose(got.dx, ref.dx, `${what} input gradient`);
        assertClose(got.dw, ref.dw, `${what} filter gradient`);
      });
      const s = k.onednn();
      const calls = CASES.length;
      if (path === 'oneDNN') {
        assert.deepStrictEqual(s.computed, [calls, calls, calls], describeConvPath(s));
        assert.deepStrictEqual(s.fellBack, [0, 0, 0]);
        assert.ok(s.forward !== null && s.backwardData !== null && s.backwardWeights !== null);
        assert.match(describeConvPath(s), /^convolutions: oneDNN \d+\.\d+\.\d+ \(forward /);
      } else {
        assert.deepStrictEqual(s.computed, [0, 0, 0]);
        assert.deepStrictEqual(s.fellBack, [calls, calls, calls]);
        assert.match(describeConvPath(s), /^convolutions: C kernels/);
      }
    });
  }

  /*
   * Channel counts that are not multiples of oneDNN's channel blocks (8, 16), as in notebook 05's equal-budget ResNet
   * blocks (widths 11 and 9). oneDNN 2.6's strided 1x1 filter-gradient kernel wrote past its scratchpad for fewer than
   * 16 input channels (ResNet's 1x1 stride-2 shortcut with 11 channels, 15 images of 16x16: 124 to 140 floats past
   * its 7,936 bytes), which corrupted the heap. The addon's scratchpad guard counts such a write, so it fails here
   * deterministically rather than as a later crash; the shapes below include that one. Each result must equal the C
   * kernels' (themselves checked against the cpu backend above), every call must stay in oneDNN, and several rounds
   * (the primitive cache holds 64 entries, so later rounds rebuild primitives) give a corrupted heap the chance to
   * show.
   */
  it('odd channel counts (3, 9, 11, 13) x 1x1 / 3x3 x stride 1 / 2 x same / valid: oneDNN equals the C kernels, no scratchpad overrun', function () {
    const k = nativeStatus().kernels;
    if (k === null || k.onednn().version === null) return this.skip();
    this.timeout(300_000);
    const channels = [3, 9, 11, 13];
    const cases: ConvCase[] = [];
    for (const [i, c] of channels.entries()) {
      const co = channels[(i + 1) % channels.length] as number;
      for (const [cin, cout] of [[c, co], [c, 2 * c]] as const) {
        for (const kernel of [1, 3]) {
          for (const stride of [1, 2]) {
            // a 1x1 kernel has no padding either way: 'valid' would repeat 'same'
            for (const pad of kernel === 1 ? (['same'] as const) : (['same', 'valid'] as const)) {
              // 16x16 (even) and 9x7 (odd, non-square) inputs; 15 images as in notebook 05's tiny batches
              cases.push({ x: [15, 16, 16, cin], w: [kernel, kernel, cin, cout], stride, pad });
              cases.push({ x: [2, 9, 7, cin], w: [kernel, kernel, cin, cout], stride, pad });
            }
          }
        }
      }
    }
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      k.setOnednn(1);
      const dnnl = cases.map((c, i) => {
        const x = random(1000 * round + 10 * i + 1, c.x), w = random(1000 * round + 10 * i + 2, c.w), b = random(1000 * round + 10 * i + 3, [c.w[3]]);
        const dy = random(1000 * round + 10 * i + 4, convInfo(c.x, c.w, { strides: c.stride, pad: c.pad, dilations: 1 }).outShape);
        return { inputs: { x, w, b, dy }, got: addonConv(k, c, x, w, b, dy) };
      });
      const status: OnednnStatus = k.onednn();
      assert.strictEqual(status.scratchpadOverruns, 0, `round ${round}: ${describeConvPath(status)}`);
      assert.deepStrictEqual(status.computed, [cases.length, cases.length, cases.length], `round ${round}: ${describeConvPath(status)}`);
      k.setOnednn(0);
      cases.forEach((c, i) => {
        const run = dnnl[i];
        if (run === undefined) throw new Error(`no oneDNN result for case ${i}`);
        const { inputs: { x, w, b, dy }, got } = run;
        const ref = addonConv(k, c, x, w, b, dy);
        const what = `x${c.x} w${c.w} s${c.stride} ${c.pad} round ${round}`;
        assertClose(got.y, ref.y, `${what} forward`);
        assertClose(got.dx, ref.dx, `${what} input gradient`);
        assertClose(got.dw, ref.dw, `${what} filter gradient`);
      });
    }
  });

  it("the bench's per-model path: oneDNN, C kernels, mixed, or none without convolutions", function () {
    const k = nativeStatus().kernels;
    if (k === null || k.onednn().version === null) return this.skip();
    const c = CASES[2] as ConvCase;
    const x = random(1, c.x), w = random(2, c.w), b = random(3, [c.w[3]]);
    const dy = random(4, convInfo(c.x, c.w, { strides: c.stride, pad: c.pad, dilations: 1 }).outShape);
    k.setOnednn(1);
    const start = k.onednn();
    assert.strictEqual(convPathSince(start, k.onednn()), null);
    addonConv(k, c, x, w, b, dy);
    const afterOnednn = k.onednn();
    assert.match(convPathSince(start, afterOnednn) ?? '', /^oneDNN /);
    k.setOnednn(0);
    const cStart = k.onednn();
    addonConv(k, c, x, w, b, dy);
    assert.strictEqual(convPathSince(cStart, k.onednn()), 'C kernels');
    // counters from both paths since one snapshot: zero computed before, three by oneDNN and three by C after
    const mixedBefore = { ...cStart, computed: [0, 0, 0] as [number, number, number] };
    const mixedAfter = { ...k.onednn(), computed: afterOnednn.computed };
    assert.match(convPathSince(mixedBefore, mixedAfter) ?? '', /^mixed: 3 calls oneDNN .*, 3 C kernels$/);
  });
});

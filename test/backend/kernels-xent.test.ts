// The pack's fused softmax cross-entropy (NetstatsSoftmaxXent + its gradient kernel) against tfjs's own ops
// (logSoftmax, oneHot, mean; argMax for the correct count) on the cpu backend without the pack.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { profileKernels } from '../../lib/src/backend/kernels/profile';
import { fusedSoftmaxXentAvailable, SOFTMAX_XENT } from '../../lib/src/backend/kernels/softmaxCrossEntropy';
import { correctCount, softmaxCrossEntropy, softmaxCrossEntropyAndCorrect, softmaxCrossEntropyOps } from '../../lib/src/train/evaluate';
import { createRng } from '../../lib/src/util/random';
import { describeNativeAndFallback, usePackedWasmWithCpuReference } from './packFixture';

interface Case { n: number; c: number; logits: Float32Array; labels: Int32Array }
interface Result { loss: number; correct: number; grad: Float32Array }

function makeCase(seed: number, n: number, c: number, scale: number): Case {
  const rng = createRng(seed);
  const logits = Float32Array.from({ length: n * c }, () => scale * rng.normal());
  // rows 0 and 1 (when present) have ties: the first arg-max counts, as in tf.argMax
  if (n > 1 && c > 2) { logits[0] = 5; logits[1] = 5; logits[c] = 3; logits[c + 2] = 3; }
  const labels = Int32Array.from({ length: n }, () => rng.int(c));
  if (n > 1 && c > 2) { labels[0] = 1; labels[1] = 0; }
  return { n, c, logits, labels };
}

/** Loss, correct count and d(loss · 0.7)/d(logits), via `how`. */
function run(how: 'fused' | 'ops', k: Case): Result {
  return tf.tidy(() => {
    const logits = tf.tensor2d(k.logits, [k.n, k.c]);
    const labels = tf.tensor1d(k.labels, 'int32');
    const lossOf = (z: tf.Tensor): tf.Scalar => tf.mul(how === 'fused' ? softmaxCrossEntropy(z, labels) : softmaxCrossEntropyOps(z, labels), 0.7);
    const grad = tf.grad(lossOf)(logits);
    const both = how === 'fused' ? softmaxCrossEntropyAndCorrect(logits, labels) : { loss: softmaxCrossEntropyOps(logits, labels), correct: correctCount(logits, labels) };
    return { loss: both.loss.dataSync()[0] as number, correct: both.correct.dataSync()[0] as number, grad: Float32Array.from(grad.dataSync()) };
  });
}

describe('backend/kernels: fused softmax cross-entropy equals tfjs ops', function () {
  this.timeout(60000);
  usePackedWasmWithCpuReference();

  describeNativeAndFallback('JS path (native off)', () => {
    it('loss, correct count (ties included) and gradient on odd shapes and large logits, without leaks', async () => {
      let seed = 11;
      for (const [n, c, scale] of [[1, 2, 1], [1, 10, 1], [7, 3, 2], [128, 10, 1], [33, 100, 3], [5, 4, 40]] as const) {
        const k = makeCase(seed++, n, c, scale);
        await tf.setBackend('cpu');
        assert.ok(!fusedSoftmaxXentAvailable(), 'the reference must run tfjs ops');
        const ref = run('ops', k);
        await tf.setBackend('wasm');
        assert.ok(fusedSoftmaxXentAvailable());
        const before = tf.memory().numTensors;
        let got: Result | undefined;
        const profile = profileKernels('wasm', () => { got = run('fused', k); });
        assert.strictEqual(tf.memory().numTensors, before, `[${n}, ${c}]: tensors leaked`);
        assert.strictEqual(profile.kernels.find((x) => x.name === SOFTMAX_XENT)?.calls, 2, 'one fused call for the gradient run, one for loss + correct');
        const g = got as Result;
        const what = `[${n}, ${c}] scale ${scale}`;
        assert.ok(Math.abs(g.loss - ref.loss) <= 2e-6 * Math.max(1, Math.abs(ref.loss)), `${what}: loss ${g.loss} vs ${ref.loss}`);
        assert.strictEqual(g.correct, ref.correct, `${what}: correct count`);
        for (let i = 0; i < ref.grad.length; i++) {
          assert.ok(Math.abs((g.grad[i] as number) - (ref.grad[i] as number)) <= 1e-6, `${what}: gradient entry ${i} is ${g.grad[i]}, ops give ${ref.grad[i]}`);
        }
      }
    });

    it('hand-computed case: logits [[0, ln 3]], label 0 -> loss ln 4, gradient [-3/4, 3/4]', async () => {
      await tf.setBackend('wasm');
      assert.ok(fusedSoftmaxXentAvailable());
      const r = run('fused', { n: 1, c: 2, logits: Float32Array.of(0, Math.log(3)), labels: Int32Array.of(0) });
      assert.ok(Math.abs(r.loss - Math.log(4)) < 1e-6 && r.correct === 0, `loss ${r.loss}, correct ${r.correct}`);
      assert.ok(Math.abs((r.grad[0] as number) - 0.7 * -0.75) < 1e-6 && Math.abs((r.grad[1] as number) - 0.7 * 0.75) < 1e-6);
    });

    it('NaN logits give a NaN loss; a label outside the classes is an error naming it', async () => {
      await tf.setBackend('wasm');
      assert.ok(Number.isNaN(run('fused', { n: 1, c: 3, logits: Float32Array.of(0, NaN, 1), labels: Int32Array.of(2) }).loss));
      assert.throws(() => run('fused', { n: 2, c: 3, logits: new Float32Array(6), labels: Int32Array.of(0, 3) }), /label 3 of row 1 is outside 0\.\.2/);
    });
  });
});

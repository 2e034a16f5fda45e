// Numbers that were wrong without an error: a negative Shapiro-Wilk p at n = 3 with ties, a 2-class model trained on
// 4-class data (the plain cpu kernel dropped the out-of-range labels silently), and 7 tensors leaked by a batch
// rejected inside the gradient tape.
import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/src/backend/select';
import { mlp } from '../../lib/src/models/index';
import { shapiroWilk } from '../../lib/src/stats/normality';
import { sourceFromArrays, train, type LabelledBatchSource, type TrainConfig } from '../../lib/src/train/index';

const config: TrainConfig = { epochs: 1, batchSize: 8, seed: 1, optimizer: { kind: 'sgd', lr: 0.1 }, progress: false };

function fourClassSource(): LabelledBatchSource {
  const xs = Float32Array.from({ length: 16 * 4 }, (_, i) => Math.sin(i));
  const labels = Int32Array.from({ length: 16 }, (_, i) => i % 4);
  return sourceFromArrays(xs, labels, [4], 4);
}

describe('reliability: numbers', () => {
  let previousBackend: string;
  before(() => {
    previousBackend = tf.getBackend();
  });
  after(async () => {
    await tf.setBackend(previousBackend);
  });
  it('shapiroWilk([1, 1, 2]): p in [0, 1] (SciPy 1.10.1 gives W 0.75000006, p -9.1e-7 before clamping)', () => {
    const { w, p } = shapiroWilk([1, 1, 2]);
    assert.ok(Math.abs(w - 0.7500000596046448) < 1e-6);
    assert.equal(p, 0);
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`train() on ${backend}: a model too narrow for the source's classes, and a batch with an out-of-range label, are refused without leaking tensors`, async () => {
      await selectBackend({ force: backend, reselect: true });
      const model = mlp({ inputSize: 4, hidden: 3, classes: 2, seed: 1 });
      const source = fourClassSource();
      const before = tf.memory().numTensors;
      await assert.rejects(train(model, { train: source }, config), /train: model 'mlp\w*' outputs 2 logits \[N, 2\] but the training source has 4 classes; build the model with 4 outputs/);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
      // A source that claims 2 classes but hands out labels up to 3: rejected at its first batch, before any tensor.
      const liar: LabelledBatchSource = { count: source.count, exampleShape: source.exampleShape, classes: 2, batch: (i, rng) => source.batch(i, rng) };
      await assert.rejects(train(model, { train: liar }, config), /train: epoch 0 step 0: label [23] of row \d is outside 0\.\.1/);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaked by the rejected batch');
      // The validation source is checked too.
      const wide = mlp({ inputSize: 4, hidden: 3, classes: 4, seed: 1 });
      await assert.rejects(train(wide, { train: source, val: liar }, config), /the validation source has 2 classes/);
      model.dispose();
      wide.dispose();
    });
  }
});

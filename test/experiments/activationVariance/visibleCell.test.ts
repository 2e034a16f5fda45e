// Notebook 03 computes its central quantities in visible cells with plain tf / array code: each neuron's std over the
// training images, the dead count and Shapiro-Wilk's W of one trained model, and the accuracy plateau and W peak over
// widths. These tests run the same lines (copied from the notebook) on a small real study and compare them with what
// the library measured for the same models.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { LabelledBatchSource } from '../../../lib/src/data/source';
import { activationVarianceConfig } from '../../../lib/src/experiments/activationVariance/config';
import { activationVarianceCache, trainedReplicaWeights } from '../../../lib/src/experiments/activationVariance/cache';
import { runActivationVariance, type ActivationVarianceResult } from '../../../lib/src/experiments/activationVariance/run';
import { shapiroWilk } from '../../../lib/src/stats/normality';
import { createRng } from '../../../lib/src/util/random';

/** Two Gaussian blobs in `inputSize` dimensions; a few inputs are constant 0 so that some ReLU units can die. */
function blobs(count: number, inputSize: number, seed: number): LabelledBatchSource {
  const rng = createRng(seed);
  const xs = new Float32Array(count * inputSize);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = rng.int(2);
    for (let k = 0; k < inputSize - 2; k++) xs[i * inputSize + k] = (labels[i] === 1 ? 1.5 : -1.5) + rng.normal();
  }
  return {
    count,
    exampleShape: [inputSize],
    classes: 2,
    batch(indices) {
      const out = new Float32Array(indices.length * inputSize);
      const l = new Int32Array(indices.length);
      indices.forEach((idx, i) => {
        out.set(xs.subarray(idx * inputSize, (idx + 1) * inputSize), i * inputSize);
        l[i] = labels[idx] as number;
      });
      return { xs: out, labels: l, shape: [indices.length, inputSize] };
    },
  };
}

describe('notebook 03 visible cells agree with the library', () => {
  const config = { ...activationVarianceConfig('tiny', 'mnist'), widths: [4, 8, 16, 32], replicates: 3, epochs: 2, batchSize: 32, trainLimit: null, testLimit: null,
    // A large step kills some ReLU units, so that the dead counts compared below are not all 0.
    lr: 0.3 };
  const train = blobs(500, 10, 1);
  let root = '';
  let result: ActivationVarianceResult;
  let previousBackend = '';

  before(async () => {
    previousBackend = tf.getBackend();
    await tf.setBackend('cpu');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-av-cell-'));
    result = await runActivationVariance(config, { data: { train, test: blobs(200, 10, 2), trainName: 'train', testName: 'test' }, progress: false, ...activationVarianceCache(root) });
  });
  after(async () => {
    fs.rmSync(root, { recursive: true, force: true });
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  it('per-neuron std, dead count and W of one model by tf equal the measured ones (std to 1e-5 relative, W to 1e-4)', () => {
    for (const width of config.widths) {
      for (const replicate of [0, 2]) {
        // The notebook's lines, with `train` the training source and `r` the result.
        const r = result;
        const { w1, b1, inputSize } = trainedReplicaWeights(r.config, width, replicate, { root });
        const x = train.batch(Int32Array.from({ length: train.count }, (_, i) => i)).xs;
        const std = tf.tidy(() => {
          const hidden = tf.relu(tf.add(tf.matMul(tf.tensor2d(x, [train.count, inputSize]), tf.tensor2d(w1, [inputSize, width])), tf.tensor1d(b1)));
          return Array.from(tf.sqrt(tf.mul(tf.moments(hidden, 0).variance, train.count / (train.count - 1))).dataSync());
        });
        const run = r.runs.find((x) => x.width === width)!;
        const lib = run.replicates[replicate]!;
        // The library keeps every std when the layer is narrower than stdSampleMax: compare neuron by neuron.
        const measured = run.stdSamples[replicate]!;
        assert.equal(measured.length, width);
        std.forEach((s, j) => assert.ok(Math.abs(s - measured[j]!) <= 1e-5 * Math.max(1, measured[j]!), `width ${width} neuron ${j}: ${s} vs ${measured[j]}`));
        assert.equal(std.filter((s) => s === 0).length, lib.deadCount, `dead count at width ${width}`);
        const w = shapiroWilk(std).w;
        if (Number.isFinite(lib.shapiroW)) assert.ok(Math.abs(w - lib.shapiroW) < 1e-4, `W at width ${width}: ${w} vs ${lib.shapiroW}`);
      }
    }
  });

  it('some model of the study has a dead neuron, so the dead count is compared on a non-zero value', () => {
    assert.ok(result.runs.some((run) => run.replicates.some((x) => x.deadCount > 0)));
  });

  it('the plateau and the W peak by hand equal the summary', () => {
    const r = result;
    const tolerance = 0.005;
    const meanTest = r.runs.map((run) => run.replicates.reduce((s, x) => s + x.testAccuracy, 0) / run.replicates.length);
    const best = Math.max(...meanTest);
    const plateau = r.runs[meanTest.findIndex((a) => a >= best - tolerance)]!.width;
    const pooledW = r.runs.map((run) => run.pooled.w);
    const wPeak = r.runs[pooledW.indexOf(Math.max(...pooledW.filter(Number.isFinite)))]!.width;
    assert.equal(r.summary.plateauTolerance, tolerance);
    assert.equal(plateau, r.summary.plateauWidth);
    assert.equal(wPeak, r.summary.wArgmaxWidth);
  });

  it('trainedReplicaWeights names the width that is not cached and a replicate out of range', () => {
    assert.throws(() => trainedReplicaWeights(config, 64, 0, { root }), /width 64 of mnist is not in the cache/);
    assert.throws(() => trainedReplicaWeights(config, 4, 3, { root }), /replicate must be an integer in 0\.\.2, got 3/);
  });
});

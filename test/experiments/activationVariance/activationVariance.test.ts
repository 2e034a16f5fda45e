import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../lib/src/util/random';
import type { ScatterTrace } from '../../../lib/src/plot/types';
import type { LabelledBatchSource } from '../../../lib/src/data/source';
import { MlpReplicas, initMlpReplicaWeights } from '../../../lib/src/train/replicas';
import { shapiroWilk } from '../../../lib/src/stats/normality';
import {
  ActivationVarianceConfig,
  ActivationVarianceResult,
} from '../../../lib/src/experiments/activationVariance/index';
import { RunningMoments } from '../../../lib/src/probe/moments';
import { loadCachedRun } from '../../../lib/src/store/cache';
import {
  SHAPIRO_MAX_N,
  deterministicSubsample,
  shapiroOfStds,
  summarizeStds,
} from '../../../lib/src/experiments/activationVariance/stats';
import { ACTIVATION_VARIANCE_NAMESPACE, activationVarianceCache, activationVarianceWidthCacheConfig, mlpReplicasFromSnapshot } from '../../../lib/src/experiments/activationVariance/cache';
import { activationVarianceResizeConfig, runActivationVarianceResize } from '../../../lib/src/experiments/activationVariance/resize';
import {
  accuracyAndShapiroFigure,
  activationStdDensity,
  deadNeuronsFigure,
  nearDeadFigure,
  resizeAccuracyFigure,
  resizeTrajectoryFigure,
  shapiroVsWidthFigure,
  stdAroundArgmaxFigure,
  stdDistributionFigure,
  totalStdFigure,
  totalVarianceFigure,
  peakUncertaintyFigure,
} from '../../../lib/src/experiments/activationVariance/figures';
import { activationVarianceConfig, halfOctaveWidths } from '../../../lib/src/experiments/activationVariance/config';
import { ActivationVarianceData, measureReplicaActivations, accuracyPlateauWidth, replicateInterval, runActivationVariance, activationVarianceReplicateRows, activationVarianceWidthRows, normalizedImageSource } from '../../../lib/src/experiments/activationVariance/run';
import { activationVarianceClaims, trainingRecord } from '../../../lib/src/experiments/activationVariance/verdict';
import { activationVarianceVerdictText } from '../../../lib/src/experiments/activationVariance/text';
import { argmaxIndex, bootstrapReplicates, indexShares, plateauIndex, summarizeStds as summarizeStdsOf } from '../../../lib/src/experiments/activationVariance/stats';
import { assertFigureContent, traceY } from '../../plot/figureContent';

/** Two-pass float64 std (ddof 1) of column j of a rows × cols matrix: the reference for the streaming moments. */
function twoPassStd(values: Float64Array | Float32Array, rows: number, cols: number, j: number): number {
  let s = 0;
  for (let i = 0; i < rows; i++) s += values[i * cols + j] as number;
  const m = s / rows;
  let q = 0;
  for (let i = 0; i < rows; i++) q += ((values[i * cols + j] as number) - m) ** 2;
  return Math.sqrt(q / (rows - 1));
}

/** A learnable synthetic problem: 3 Gaussian blobs in `inputSize` dimensions (centres fixed by `inputSize`). */
function blobs(count: number, inputSize: number, seed: number): LabelledBatchSource {
  const centreRng = createRng(1000 + inputSize);
  const centres = Array.from({ length: 3 }, () => Float32Array.from({ length: inputSize }, () => 2 * centreRng.normal()));
  const rng = createRng(seed);
  const xs = new Float32Array(count * inputSize);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = rng.int(3);
    labels[i] = c;
    for (let k = 0; k < inputSize; k++) xs[i * inputSize + k] = (centres[c]![k] as number) + rng.normal();
  }
  return {
    count,
    exampleShape: [inputSize],
    classes: 3,
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

function syntheticData(): ActivationVarianceData {
  return { train: blobs(600, 12, 1), test: blobs(200, 12, 2), trainName: 'blobs-train', testName: 'blobs-test' };
}

function syntheticConfig(): ActivationVarianceConfig {
  return { ...activationVarianceConfig('tiny', 'mnist'), widths: [4, 8, 16], replicates: 3, epochs: 2, batchSize: 32, trainLimit: null, testLimit: null };
}

describe('experiments/activationVariance', () => {
  let previousBackend = '';
  before(async () => {
    previousBackend = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  it('uses the original width grid int(2^(i/2)), i = 8..27', () => {
    const w = halfOctaveWidths(8, 27);
    assert.equal(w.length, 20);
    assert.deepEqual(w.slice(0, 6), [16, 22, 32, 45, 64, 90]);
    assert.deepEqual(w.slice(-3), [5792, 8192, 11585]);
    const full = activationVarianceConfig('full', 'fashion-mnist');
    assert.deepEqual(full.widths, w);
    assert.equal(full.replicates, 11);
    assert.equal(full.epochs, 30);
    assert.equal(full.batchSize, 128);
  });

  it('streaming moments equal a two-pass float64 std, and constant columns get exactly 0', () => {
    const rng = createRng(5);
    const rows = 1037;
    const cols = 6;
    const values = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      values[i * cols + 0] = 1000 + rng.normal(); // large mean, small spread: the naive sum-of-squares fails here
      values[i * cols + 1] = rng.normal() * 3;
      values[i * cols + 2] = 0; // dead ReLU unit
      values[i * cols + 3] = 0.7; // constant non-zero: also std exactly 0
      values[i * cols + 4] = Math.max(0, rng.normal()); // ReLU-like
      values[i * cols + 5] = i === 500 ? 1e-3 : 0; // one tiny activation: NOT dead
    }
    const m = new RunningMoments(cols);
    for (let start = 0, b = 1; start < rows; start += b, b = (b * 7) % 301 + 1) {
      const n = Math.min(b, rows - start);
      m.addRows(values.subarray(start * cols, (start + n) * cols), n);
    }
    assert.equal(m.count, rows);
    const stds = m.std(1);
    for (let j = 0; j < cols; j++) {
      const ref = twoPassStd(values, rows, cols, j);
      assert.ok(Math.abs((stds[j] as number) - ref) <= 1e-12 * Math.max(1, ref), `column ${j}: ${stds[j]} vs ${ref}`);
    }
    assert.equal(stds[2], 0);
    assert.equal(stds[3], 0);
    assert.ok((stds[5] as number) > 0);
    const s = summarizeStds(stds, [1e-3, 1e-2, 10]);
    assert.equal(s.deadCount, 2);
    assert.equal(s.deadShare, 2 / 6);
    // std < 1e-3: the two dead ones and column 5 (std = 1e-3/sqrt(rows) ≈ 3e-5)
    assert.deepEqual(s.nearDeadShares, [3 / 6, 3 / 6, 6 / 6]);
    let total = 0;
    for (const v of stds) total += v;
    assert.ok(Math.abs(s.totalStd - total) < 1e-12);
  });

  it('finds dead neurons of a constructed network exactly, and measures the others exactly', () => {
    const data = blobs(300, 5, 3);
    // Replica 0: units 0 and 1 can never fire (zero weights, negative bias; huge negative bias), unit 2 is constant
    // (zero weights, positive bias), unit 3 is live. Replica 1: all live (random init).
    const a = initMlpReplicaWeights(11, 5, 4, 3);
    for (let i = 0; i < 5; i++) {
      a.w1[i * 4 + 0] = 0;
      a.w1[i * 4 + 2] = 0;
    }
    a.b1[0] = -0.5;
    a.b1[1] = -1e6;
    a.b1[2] = 0.25;
    const b = initMlpReplicaWeights(12, 5, 4, 3);
    const model = MlpReplicas.fromWeights([a, b]);
    const m = measureReplicaActivations(model, data);
    assert.equal(m.count, 300);
    const s0 = summarizeStds(m.stds[0] as Float64Array, []);
    assert.equal(s0.deadCount, 3);
    assert.ok((m.stds[0] as Float64Array)[3]! > 0);
    // every std against a two-pass float64 std of the activations from one forward pass over all data
    const all = data.batch(Int32Array.from({ length: 300 }, (_, i) => i));
    const hidden = tf.tidy(() => model.hidden(tf.tensor2d(all.xs, [300, 5])).dataSync() as Float32Array);
    for (let r = 0; r < 2; r++) {
      for (let j = 0; j < 4; j++) {
        const ref = twoPassStd(hidden, 300, 8, r * 4 + j);
        const got = (m.stds[r] as Float64Array)[j] as number;
        assert.ok(Math.abs(got - ref) <= 1e-9 * Math.max(1, ref), `replica ${r} unit ${j}: ${got} vs ${ref}`);
      }
    }
    // correct counts against the logits
    const predictions = tf.tidy(() => tf.argMax(model.logits(tf.tensor2d(all.xs, [300, 5])), 2).arraySync() as number[][]);
    for (let r = 0; r < 2; r++) assert.equal(m.correct[r], predictions[r]!.filter((p, i) => p === all.labels[i]).length);
    model.dispose();
  });

  it('Shapiro-Wilk of the stds: exact up to 5000 values, a deterministic subsample of 5000 above', () => {
    const rng = createRng(9);
    const small = Float64Array.from({ length: 300 }, () => Math.abs(rng.normal()));
    const direct = shapiroWilk(small);
    const viaStds = shapiroOfStds(small, 1);
    assert.equal(viaStds.w, direct.w);
    assert.equal(viaStds.n, 300);
    assert.equal(viaStds.subsampled, false);
    const large = Float64Array.from({ length: 12000 }, () => Math.abs(rng.normal()));
    const a = shapiroOfStds(large, 42);
    const b = shapiroOfStds(large, 42);
    const c = shapiroOfStds(large, 43);
    assert.equal(a.n, SHAPIRO_MAX_N);
    assert.equal(a.subsampled, true);
    assert.equal(a.w, b.w);
    assert.notEqual(a.w, c.w);
    const sub = deterministicSubsample(large, SHAPIRO_MAX_N, 42);
    assert.equal(new Set(Array.from(sub)).size, SHAPIRO_MAX_N); // without replacement (values are distinct)
    assert.equal(a.w, shapiroWilk(sub).w);
    // a half-normal is far from normal, whatever the subsample
    assert.ok(a.w < 0.95 && a.p < 1e-6);
    assert.ok(Number.isNaN(shapiroOfStds([0, 0, 0, 0], 1).w));
  });

  it('plateau = the smallest width within the tolerance of the best mean accuracy', () => {
    const widths = [16, 32, 64, 128, 256];
    assert.equal(accuracyPlateauWidth(widths, [0.9, 0.95, 0.972, 0.976, 0.975], 0.005), 64);
    assert.equal(accuracyPlateauWidth(widths, [0.9, 0.95, 0.97, 0.976, 0.975], 0.005), 128);
    assert.equal(accuracyPlateauWidth(widths, [0.99, 0.95, 0.97, 0.976, 0.975], 0.005), 16);
  });

  it('replicate intervals: Student-t 95%, truncated to the possible range', () => {
    const free = replicateInterval([0.99, 1.0]);
    const unit = replicateInterval([0.99, 1.0], [0, 1]);
    // t_{0.975, 1} = 12.706, sem = 0.005
    assert.ok(Math.abs(free.hi - (0.995 + 12.706 * 0.005)) < 1e-3);
    assert.equal(unit.hi, 1);
    assert.equal(unit.lo, free.lo);
    assert.ok(Number.isNaN(replicateInterval([3]).lo));
    assert.deepEqual(replicateInterval([2, 2, 2]), { mean: 2, lo: 2, hi: 2, n: 3, method: 'all equal' });
  });

  it('runs the study on a synthetic problem: tidy results, CIs, summary, CSV rows, verdict and figures', async () => {
    const before = tf.memory().numTensors;
    const config = syntheticConfig();
    const result = await runActivationVariance(config, { data: syntheticData(), progress: false });
    assert.equal(tf.memory().numTensors, before, 'the study leaked tensors');
    assert.deepEqual(result.runs.map((r) => r.width), [4, 8, 16]);
    assert.deepEqual(result.cachedWidths, []);
    for (const run of result.runs) {
      assert.equal(run.replicates.length, 3);
      assert.equal(run.stdSamples.length, 3);
      run.stdSamples.forEach((s) => assert.equal(s.length, run.width));
      assert.equal(run.epochLoss.length, 3);
      assert.equal(run.epochLoss[0]!.length, 2);
      assert.equal(run.pooled.neurons, 3 * run.width);
      for (const r of run.replicates) {
        assert.ok(r.testAccuracy >= 0 && r.testAccuracy <= 1 && r.trainAccuracy >= 0 && r.trainAccuracy <= 1);
        assert.equal(r.nearDeadShares.length, 3);
        assert.ok(r.deadShare <= r.nearDeadShares[0]! && r.nearDeadShares[0]! <= r.nearDeadShares[2]!);
        assert.ok(Math.abs(r.meanStd * r.width - r.totalStd) < 1e-9);
        // the stored sample is the full std vector here: the summary must match it
        const s = summarizeStds(run.stdSamples[r.replicate]!, config.nearDeadEps);
        assert.equal(s.deadCount, r.deadCount);
        assert.ok(Math.abs(s.totalStd - r.totalStd) < 1e-4 * Math.max(1, r.totalStd));
      }
    }
    // replicates differ (different init seeds), yet trained on the same batches
    assert.notEqual(result.runs[2]!.replicates[0]!.totalStd, result.runs[2]!.replicates[1]!.totalStd);
    // blobs are easy: the widest networks learn them
    assert.ok(result.widths[2]!.testAccuracy.mean > 0.8, `test accuracy ${result.widths[2]!.testAccuracy.mean}`);
    for (const w of result.widths) {
      for (const i of [w.testAccuracy, w.totalStd]) assert.ok(i.lo <= i.mean && i.mean <= i.hi, JSON.stringify(i));
      // the interval's mean is the plain mean of the replicates' total stds (summed by hand here), and finite
      const run = result.runs.find((r) => r.width === w.width)!;
      const byHand = run.replicates.reduce((a, r) => a + r.totalStd, 0) / run.replicates.length;
      assert.ok(Number.isFinite(w.totalStd.mean) && Math.abs(w.totalStd.mean - byHand) <= 1e-12 * Math.max(1, byHand), `${w.totalStd.mean} vs ${byHand}`);
    }
    const s = result.summary;
    assert.ok(config.widths.includes(s.wArgmaxWidth) && config.widths.includes(s.plateauWidth));
    assert.ok(s.logFit.r2 >= 0 && s.logFit.r2 <= 1);
    assert.equal(s.octavesFromPlateau, Math.log2(s.wArgmaxWidth / s.plateauWidth));
    const rows = activationVarianceReplicateRows(result);
    assert.equal(rows.length, 9);
    assert.ok('near_dead_share_eps_0.01' in rows[0]!);
    assert.equal(activationVarianceWidthRows(result).length, 3);
    const fashion: ActivationVarianceResult = { ...result, config: { ...result.config, dataset: 'fashion-mnist' } };
    // the claims: every model in the training record, the verdict lines of a tiny run say there is no verdict
    const record = trainingRecord(result);
    assert.equal(record.length, 9);
    const claims = activationVarianceClaims(result, { resamples: 40 });
    assert.equal(claims.models, 9);
    assert.equal(claims.excludedModels, record.filter((r) => !r.meetsCriterion).length);
    assert.equal(claims.peak.wArgmaxShares.length, 3);
    const text = activationVarianceVerdictText([claims]);
    assert.equal((text.match(/tiny: no verdict/g) ?? []).length, 4);
    assert.doesNotMatch(text, /\*\*(holds|fails|inconclusive)\*\*/);
    const quick = activationVarianceVerdictText([{ ...claims, scale: 'quick' }]);
    assert.equal((quick.match(/quick scale: illustrative only/g) ?? []).length, 4);
    for (const fig of [
      stdDistributionFigure([result, fashion]),
      stdAroundArgmaxFigure([result, fashion]),
      shapiroVsWidthFigure([result, fashion]),
      totalStdFigure([result, fashion]),
      totalVarianceFigure([result, fashion], [claims, { ...claims, dataset: 'fashion-mnist' }]),
      peakUncertaintyFigure([claims, { ...claims, dataset: 'fashion-mnist' }]),
      deadNeuronsFigure([result, fashion]),
      nearDeadFigure([result, fashion]),
      accuracyAndShapiroFigure([result, fashion]),
    ]) {
      assertFigureContent(fig, { minTraces: 2 });
      assert.ok(fig.data.some((t) => t.xaxis === 'x2'), 'second panel (Fashion-MNIST) missing');
    }
  });

  it('total variance both ways on a hand-made activation matrix: the sum of stds and the sum of variances', () => {
    // 4 examples x 3 neurons (post-ReLU activations). Column stds (ddof 1), by hand:
    //   neuron 0: 0, 2, 0, 2 -> mean 1, squared deviations 4 -> variance 4/3, std 1.1547005
    //   neuron 1: 1, 1, 1, 1 -> variance 0, std 0 (dead: it never changes)
    //   neuron 2: 0, 0, 0, 6 -> mean 1.5, squared deviations 2.25*3 + 20.25 = 27 -> variance 9, std 3
    const rows = Float32Array.from([0, 1, 0, 2, 1, 0, 0, 1, 0, 2, 1, 6]);
    const moments = new RunningMoments(3);
    moments.addRows(rows, 4);
    const s = summarizeStdsOf(moments.std(1), []);
    assert.ok(Math.abs(s.totalStd - (Math.sqrt(4 / 3) + 0 + 3)) < 1e-12, `sum of stds ${s.totalStd}`);
    assert.ok(Math.abs(s.totalVariance - (4 / 3 + 0 + 9)) < 1e-12, `sum of variances ${s.totalVariance}`);
    assert.equal(s.deadCount, 1);
    // the two definitions rank layers differently: two neurons of std 2 vs one of std 3
    const two = summarizeStdsOf([2, 2], []);
    const one = summarizeStdsOf([3, 0], []);
    assert.ok(two.totalStd > one.totalStd && two.totalVariance < one.totalVariance);
  });

  it('bootstrap of the argmax over replicates: a sharp peak gives a narrow distribution, a flat curve a wide one', () => {
    const rng = createRng(5);
    const widthsCount = 9;
    const group = (centre: number): number[] => Array.from({ length: 5 }, () => centre + 0.01 * rng.normal());
    const sharp = Array.from({ length: widthsCount }, (_, i) => group(i === 4 ? 1 : 0));
    const flat = Array.from({ length: widthsCount }, () => group(0));
    const meanArgmax = (groups: readonly (readonly number[])[]): number => argmaxIndex(groups.map((g) => g.reduce((a, b) => a + b, 0) / g.length));
    const sharpShares = indexShares(bootstrapReplicates(sharp, meanArgmax, { resamples: 400, seed: 1 }), widthsCount);
    const flatShares = indexShares(bootstrapReplicates(flat, meanArgmax, { resamples: 400, seed: 1 }), widthsCount);
    assert.equal(sharpShares[4], 1, `sharp peak: ${sharpShares}`);
    assert.ok(flatShares.filter((x) => x > 0.02).length >= 6, `flat curve: ${flatShares}`);
    assert.ok(Math.max(...flatShares) < 0.75, `flat curve: ${flatShares}`);
    // the same seed gives the same draws; resampling draws only members of each group
    assert.deepEqual(bootstrapReplicates(flat, meanArgmax, { resamples: 20, seed: 9 }), bootstrapReplicates(flat, meanArgmax, { resamples: 20, seed: 9 }));
    bootstrapReplicates(sharp, (g) => g.forEach((x, i) => x.forEach((v) => assert.ok(sharp[i]!.includes(v)))), { resamples: 5, seed: 2 });
    assert.throws(() => bootstrapReplicates(sharp, meanArgmax, { resamples: 0, seed: 1 }), /resamples must be a positive integer/);
  });

  it('argmax and plateau indices skip non-finite values', () => {
    assert.equal(argmaxIndex([NaN, 0.2, 0.5, 0.5, -Infinity]), 2);
    assert.equal(argmaxIndex([NaN, NaN]), -1);
    assert.equal(plateauIndex([0.90, 0.95, 0.97, 0.975, 0.974], 0.005), 2);
    assert.equal(plateauIndex([NaN, 0.96, 0.97], 0.02), 1);
  });

  it('std-distribution figure: the KDE band over replicates never goes below zero density', () => {
    // Replicates whose stds barely overlap: where only one of three has density, mean - t·se < 0. The figure reads
    // only the config's widths and dataset and each run's width and stdSamples.
    const stdSamples = [[0.1, 0.2, 0.3, 0.4], [0.1, 0.15, 0.2, 0.25], [1.0, 1.5, 2.0, 2.5]];
    const result = { config: { dataset: 'mnist', widths: [4] }, runs: [{ width: 4, stdSamples }] } as unknown as ActivationVarianceResult;
    const { density } = activationStdDensity(result, 4);
    assert.ok(density.some((d) => d.lo < 0), 'the unclipped interval should reach below 0 here (else this test shows nothing)');
    const bands = stdDistributionFigure([result]).data.filter((t): t is ScatterTrace => t.type === 'scatter' && t.fill === 'toself');
    assert.equal(bands.length, 1);
    for (const t of bands) {
      const ys = t.y.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      assert.ok(ys.length > 0 && ys.every((v) => v >= 0), `band reaches ${Math.min(...ys)}`);
    }
  });

  it('is deterministic and caches per width (a second run reads every width back)', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-av-'));
    try {
      const config = { ...syntheticConfig(), widths: [4, 8], replicates: 2, epochs: 1 };
      const cache = activationVarianceCache(root);
      const first = await runActivationVariance(config, { data: syntheticData(), progress: false, ...cache });
      const again = await runActivationVariance(config, { data: syntheticData(), progress: false });
      assert.deepEqual(again.runs.map((r) => r.replicates), first.runs.map((r) => r.replicates));
      const cached = await runActivationVariance(config, { data: syntheticData(), progress: false, ...cache });
      assert.deepEqual(cached.cachedWidths, [4, 8]);
      assert.deepEqual(cached.runs, first.runs);
      assert.equal(fs.readdirSync(path.join(root, 'activation-variance')).filter((e) => !e.startsWith('.')).length, 2);
      // the cached weights are the trained replicas: they reproduce the recorded training accuracy exactly
      const data = syntheticData();
      for (const run of first.runs) {
        const entry = loadCachedRun(ACTIVATION_VARIANCE_NAMESPACE, activationVarianceWidthCacheConfig(config, run.width), { root });
        const model = mlpReplicasFromSnapshot(entry!.snapshots.get('trained')!);
        assert.equal(model.hiddenSize, run.width);
        const m = measureReplicaActivations(model, data.train);
        run.replicates.forEach((r, i) => assert.equal(r.trainAccuracy, (m.correct[i] as number) / data.train.count));
        model.dispose();
      }
      // a different protocol is a different key
      const other = await runActivationVariance({ ...config, epochs: 2, widths: [4] }, { data: syntheticData(), progress: false, ...cache });
      assert.deepEqual(other.cachedWidths, []);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('resizing: follows the rule, ends at the width it reports, and is compared with that width from scratch', () => {
    const config = { ...activationVarianceResizeConfig('tiny', 'mnist'), startWidth: 4, minWidth: 2, maxWidth: 32, epochs: 4, probeExamples: 300, batchSize: 32 };
    const result = runActivationVarianceResize(config, syntheticData());
    assert.equal(result.resized.length, config.replicates);
    for (const [i, run] of result.resized.entries()) {
      assert.equal(run.steps.length, config.epochs - 1);
      let width = config.startWidth;
      let growing = true;
      for (const step of run.steps) {
        assert.equal(step.widthBefore, width);
        if (step.action === 'grow') {
          assert.ok(growing && step.belowThreshold === 0 && step.widthAfter === Math.min(config.maxWidth, 2 * width));
        } else if (step.action === 'prune' || step.action === 'prune-and-stop-growing') {
          assert.equal(step.widthAfter, Math.max(config.minWidth, width - step.belowThreshold));
        } else {
          assert.equal(step.widthAfter, width);
        }
        if (step.action === 'prune-and-stop-growing') growing = false;
        if (!growing) assert.notEqual(step.action, 'grow');
        width = step.widthAfter;
      }
      assert.equal(run.finalWidth, width);
      assert.equal(result.scratch[i]!.width, run.finalWidth);
      assert.ok(run.multiplyAdds > 0 && result.scratch[i]!.multiplyAdds > 0);
    }
    const fig = resizeTrajectoryFigure([result]);
    assertFigureContent(fig, { traces: config.replicates, title: /^Width found by the std-driven resizing procedure/, xTitle: /^epoch$/, yTitle: /^hidden width after the check$/ });
    // each replicate's line starts at the start width and ends at the width it reports
    for (const run of result.resized) {
      const y = traceY(fig, `replicate ${run.replicate}`);
      assert.deepEqual([y[0], y[y.length - 1]], [config.startWidth, run.finalWidth]);
    }
    const accuracy = resizeAccuracyFigure([result]);
    assertFigureContent(accuracy, { traces: 2, title: /^Test accuracy: resized during training vs the same width from scratch/, yTitle: /^test accuracy \(%\)$/ });
    assert.deepEqual(traceY(accuracy, 'resized by the std rule'), [100 * result.summary.resizedTestAccuracy.mean]);
  });

  it('normalises MNIST-format bytes like ToTensor + Normalize, flattened, first N images', () => {
    const pixels = Uint8Array.from([0, 255, 128, 7, 0, 0, 0, 0]);
    const source = normalizedImageSource(
      { name: 't', split: 'train', pixels, labels: Uint8Array.from([3, 1]), count: 2, height: 2, width: 2, channels: 1, classNames: ['a', 'b', 'c', 'd'], source: 'memory' },
      { mean: 0.1307, std: 0.3081 },
    );
    const b = source.batch(Int32Array.from([1, 0]));
    assert.deepEqual(Array.from(b.labels), [1, 3]);
    assert.deepEqual(b.shape, [2, 4]);
    const expect = (byte: number): number => Math.fround((byte / 255 - 0.1307) / 0.3081);
    Array.from(b.xs).forEach((v, i) => assert.ok(Math.abs(v - expect([0, 0, 0, 0, 0, 255, 128, 7][i]!)) < 1e-6));
    assert.equal(normalizedImageSource(
      { name: 't', split: 'train', pixels, labels: Uint8Array.from([3, 1]), count: 2, height: 2, width: 2, channels: 1, classNames: ['a', 'b', 'c', 'd'], source: 'memory' },
      { mean: 0, std: 1 }, 1).count, 1);
  });
});

import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/src/backend/select';
import {
  SEED_MASKED_METHOD,
  VAL_SELECTED_FREEZE,
  VAL_SELECTED_MASKED,
} from '../../../lib/src/experiments/masking/index';
import { describeParameters, vggSmall } from '../../../lib/src/models/index';
import { KernelMask, takeSnapshot } from '../../../lib/src/probe/index';
import { train } from '../../../lib/src/train/index';
import { createRng } from '../../../lib/src/util/random';
import { sourceFromArrays } from '../../../lib/src/data/source';
import { maskedMethodGrid, maskingMethodId, maskingConfig } from '../../../lib/src/experiments/masking/config';
import { drawLabelledSplit, labelledSplitSizes, maskingResizedImages, maskingResizedSource, maskingStratifiedSubset, MASKING_PAIRS } from '../../../lib/src/experiments/masking/data';
import type { ImageDataset } from '../../../lib/src/data/types';
import { freezeFirstConvs, darknetTransferModel } from '../../../lib/src/experiments/masking/models';
import { maskingFeatures, maskingProbeHead } from '../../../lib/src/experiments/masking/probe';
import { type MaskingPretrainRecord, maskingRunStoppedEarly, MaskingRun, maskingCellSplitB, maskingTrainSchedule, MaskingExample, maskingKernelMovement, runMasking } from '../../../lib/src/experiments/masking/run';
import { maskingCountedRuns, maskingBestFreeze, maskingComparisons, maskingPairedDifferences, summarizeMasking, maskingVerdict, type MaskingComparison } from '../../../lib/src/experiments/masking/verdict';
import { maskingTrainingRecordTable, maskingVerdictText } from '../../../lib/src/experiments/masking/text';
import { maskingGapFigure } from '../../../lib/src/experiments/masking/figures';

function row(method: string, kind: string, seed: number, testAccuracy: number, bestValAccuracy = 0.5, n = 25, stoppedEarly = true): MaskingRun {
  return {
    protocol: 'A', pair: 'p', n, seed, method, methodLabel: method, kind, statistic: null, rule: null, factor: null, freezeK: null,
    testAccuracy, testLoss: 1, trainImages: n - 5, validationImages: 5, labelledImages: n, trainAccuracy: 1, bestValAccuracy, bestValLoss: 1,
    trainValGap: 1 - bestValAccuracy, bestEpoch: 0, epochsRun: stoppedEarly ? 1 : 2, scheduledEpochs: 2, stoppedEarly, maskedKernels: 0, totalKernels: 1,
    maskedFraction: 0, maskedPerLayer: '', trainSeconds: 0, fromCache: false,
  };
}

describe('experiments/masking', () => {
  describe('data draws', () => {
    it('labelledSplitSizes: one image in five of n is validation, train + validation = n', () => {
      // Hand-computed: round(0.2 n), at least 1.
      assert.deepEqual(labelledSplitSizes(25, 0.2), { train: 20, validation: 5 });
      assert.deepEqual(labelledSplitSizes(100, 0.2), { train: 80, validation: 20 });
      assert.deepEqual(labelledSplitSizes(200, 0.2), { train: 160, validation: 40 });
      assert.deepEqual(labelledSplitSizes(1000, 0.2), { train: 800, validation: 200 });
      assert.deepEqual(labelledSplitSizes(27, 0.2), { train: 22, validation: 5 });
      assert.deepEqual(labelledSplitSizes(3, 0.2), { train: 2, validation: 1 });
      assert.throws(() => labelledSplitSizes(10, 0.7), /validationFraction must be in \(0, 0.5\], got 0.7/);
      assert.throws(() => labelledSplitSizes(1, 0.2), /n must be an integer >= 2, got 1/);
    });

    it('drawLabelledSplit: n labelled images in total, stratified, disjoint, seeded; no class without training images', () => {
      const labels = Uint8Array.from({ length: 500 }, (_, i) => i % 5);
      const a = drawLabelledSplit(labels, 5, 27, 0.2, 11);
      assert.equal(a.train.length + a.validation.length, 27);
      assert.equal(a.validation.length, 5);
      const all = [...a.train, ...a.validation];
      assert.equal(new Set(all).size, 27, 'train and validation overlap');
      const perClass = [0, 1, 2, 3, 4].map((c) => all.filter((i) => labels[i] === c).length);
      assert.deepEqual([...perClass].sort(), [5, 5, 5, 6, 6]);
      // 5 validation images over 5 classes, interleaved: one per class.
      assert.deepEqual([0, 1, 2, 3, 4].map((c) => Array.from(a.validation).filter((i) => labels[i] === c).length), [1, 1, 1, 1, 1]);
      assert.deepEqual(drawLabelledSplit(labels, 5, 27, 0.2, 11), a);
      assert.notDeepEqual(drawLabelledSplit(labels, 5, 27, 0.2, 12).train, a.train);
      // 10 classes, n = 25: 5 validation images from 5 different classes, every class still trains.
      const ten = Uint8Array.from({ length: 1000 }, (_, i) => i % 10);
      const b = drawLabelledSplit(ten, 10, 25, 0.2, 3);
      assert.equal(b.train.length, 20);
      assert.equal(new Set(Array.from(b.validation, (i) => ten[i])).size, 5);
      assert.equal(new Set(Array.from(b.train, (i) => ten[i])).size, 10);
      assert.throws(() => drawLabelledSplit(labels, 5, 3, 0.2, 1), /n must be an integer >= the 5 classes/);
      assert.throws(() => drawLabelledSplit(labels, 5, 505, 0.2, 1), /class \d has 100 examples; 101 requested/);
      // n = 10 over 10 classes with half held out: 5 classes would have no training image.
      assert.throws(() => drawLabelledSplit(ten, 10, 10, 0.5, 1), /leaves a class without training images/);
    });

    it('the split is the same for every method: it depends on the cell (pair, n, seed) only', () => {
      for (const scale of ['tiny', 'quick', 'standard'] as const) {
        const config = maskingConfig(scale);
        assert.equal(config.protocolA?.validationFraction, 0.2, `${scale}: protocol A`);
        assert.equal(config.protocolB?.validationFraction, 0.2, `${scale}: protocol B`);
      }
      // The cell's split function takes no method: two calls for one cell give identical indices.
      const labels = Uint8Array.from({ length: 50000 }, (_, i) => i % 10);
      const b = maskingConfig('standard').protocolB;
      assert.ok(b);
      assert.deepEqual(maskingCellSplitB(labels, b, 1), maskingCellSplitB(labels, b, 1));
      const s = maskingCellSplitB(labels, b, 1);
      assert.equal(s.train.length + s.validation.length, 200);
    });

    it('maskingResizedImages (resized once) gives the same batches as maskingResizedSource (resized per batch), up and down', () => {
      const count = 12;
      const ds = {
        name: 'synthetic', split: 'train', pixels: Uint8Array.from({ length: count * 32 * 32 * 3 }, (_, i) => (i * 37 + (i >> 7)) % 256),
        labels: Uint8Array.from({ length: count }, (_, i) => i % 4), count, height: 32, width: 32, channels: 3,
        classNames: ['a', 'b', 'c', 'd'], source: 'memory',
      } as unknown as ImageDataset;
      const indices = Int32Array.from([7, 2, 11, 0, 5]);
      for (const size of [56, 12]) {
        const lazy = maskingResizedSource(ds, indices, size, 4);
        const eager = maskingResizedImages(ds, indices, size, 4);
        assert.equal(eager.count, lazy.count);
        assert.deepEqual(eager.exampleShape, lazy.exampleShape);
        const batch = Int32Array.from([4, 1, 3]);
        const [a, b] = [lazy.batch(batch), eager.batch(batch)];
        assert.deepEqual(Array.from(b.labels), Array.from(a.labels));
        assert.deepEqual(b.shape, a.shape);
        assert.ok(a.xs.length === 3 * size * size * 3 && a.xs.every((v, i) => v === b.xs[i]), `size ${size}: pixel values differ`);
      }
    });

    it('maskingStratifiedSubset and the step-budget schedule', () => {
      const labels = Uint8Array.from({ length: 100 }, (_, i) => i % 4);
      const s = maskingStratifiedSubset(labels, 4, 10, 3);
      assert.equal(s.length, 10);
      assert.deepEqual([0, 1, 2, 3].map((c) => Array.from(s).filter((i) => labels[i] === c).length), [3, 3, 2, 2]);
      assert.equal(maskingStratifiedSubset(labels, 4, null, 3).length, 100);
      const t = { lr: 1e-3, batchSize: 32, stepBudget: 300, maxEpochs: 150, patienceSteps: 60, minPatienceEpochs: 3, monitor: 'val-loss' as const };
      assert.deepEqual(maskingTrainSchedule(t, 25), { epochs: 150, patience: 60, batchSize: 25 });
      assert.deepEqual(maskingTrainSchedule(t, 500), { epochs: 19, patience: 4, batchSize: 32 });
      assert.deepEqual(maskingTrainSchedule(t, 1000), { epochs: 10, patience: 3, batchSize: 32 });
    });
  });

  describe('methods and models', () => {
    before(async () => {
      await tf.setBackend('cpu');
    });

    it('the masked grid pairs p-value rules only with welch-t and ks; ids are unique', () => {
      const grid = maskedMethodGrid(['kl-histogram', 'welch-t', 'ks'], [{ kind: 'global-median' }, { kind: 'p-value', alpha: 0.1 }], [0, 1e-3]);
      assert.equal(grid.length, 3 * 2 + 2 * 2);
      assert.equal(new Set(grid.map(maskingMethodId)).size, grid.length);
      assert.equal(maskingMethodId(SEED_MASKED_METHOD), 'masked/welch-t/pct50/x0.001');
      const full = maskingConfig('full');
      const ids = full.protocolA?.methods.map(maskingMethodId) ?? [];
      assert.equal(new Set(ids).size, ids.length, 'full-scale methods repeat');
      assert.deepEqual(full.protocolA?.ns, [25, 50, 100, 200, 500, 1000]);
      assert.ok((full.protocolA?.seeds.length ?? 0) >= 5 && (full.protocolB?.seeds.length ?? 0) >= 5);
    });

    it('freezeFirstConvs freezes conv + its BatchNorm; frozen layers do not move in training', async () => {
      const model = vggSmall({ seed: 1, width: 2, stages: [1, 1], inputShape: [6, 6, 1], classes: 2, batchNorm: true });
      assert.deepEqual(freezeFirstConvs(model, 1), ['conv1_1', 'bn1_1']);
      const rng = createRng(1);
      const xs = Float32Array.from({ length: 16 * 36 }, () => rng.normal());
      const before = takeSnapshot(model);
      await train(model, { train: sourceFromArrays(xs, Int32Array.from({ length: 16 }, (_, i) => i % 2), [6, 6, 1], 2) }, {
        epochs: 2, batchSize: 8, seed: 1, optimizer: { kind: 'adam', lr: 0.05 }, progress: false,
      });
      const after = takeSnapshot(model);
      for (const e of before.entries) {
        const moved = after.entries.find((x) => x.name === e.name)?.values.some((v, i) => v !== e.values[i]);
        if (['conv1_1/kernel', 'conv1_1/bias', 'bn1_1/gamma', 'bn1_1/beta'].includes(e.name)) assert.ok(!moved, `${e.name} moved`);
        if (['conv2_1/kernel', 'fc1/kernel'].includes(e.name)) assert.ok(moved, `${e.name} did not move`);
      }
      model.dispose();
    });

    it('darknetTransferModel rebuilds the backbone at another resolution with the same weights and a new head', async () => {
      // A Darknet-like net: conv (no bias) → BN → leaky → pool → conv → BN → leaky → 1×1 conv to 7 "classes" → GAP.
      const input = tf.input({ shape: [null, null, 3] as unknown as number[] });
      let x = tf.layers.conv2d({ name: 'conv2d_1', filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
      x = tf.layers.batchNormalization({ name: 'batch_normalization_1' }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.leakyReLU({ name: 'leaky_re_lu_1', alpha: 0.1 }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.maxPooling2d({ name: 'max_pooling2d_1', poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.conv2d({ name: 'conv2d_2', filters: 5, kernelSize: 3, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.batchNormalization({ name: 'batch_normalization_2' }).apply(x) as tf.SymbolicTensor;
      const feat = tf.layers.leakyReLU({ name: 'leaky_re_lu_2', alpha: 0.1 }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.conv2d({ name: 'conv2d_3', filters: 7, kernelSize: 1 }).apply(feat) as tf.SymbolicTensor;
      x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_1' }).apply(x) as tf.SymbolicTensor;
      const fake = tf.model({ inputs: input, outputs: [x, feat] });
      // Non-default BN statistics so that copying them matters.
      const bn = fake.getLayer('batch_normalization_2');
      bn.setWeights(bn.getWeights().map((w, i) => tf.add(w, tf.scalar(0.3 * (i + 1)))));
      const img = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
      const [, features] = fake.predict(img) as tf.Tensor[];
      const expected = tf.mean(features as tf.Tensor, [1, 2]);
      for (const foldBatchNorm of [true, false]) {
        const m = darknetTransferModel(fake, { inputSize: 8, classes: 3, seed: 5, foldBatchNorm });
        const names = foldBatchNorm
          ? ['input', 'conv2d_1', 'leaky_re_lu_1', 'max_pooling2d_1', 'conv2d_2', 'leaky_re_lu_2', 'gap', 'head']
          : ['input', 'conv2d_1', 'batch_normalization_1', 'leaky_re_lu_1', 'max_pooling2d_1', 'conv2d_2', 'batch_normalization_2', 'leaky_re_lu_2', 'gap', 'head'];
        assert.deepEqual(m.layers.map((l) => l.name), names);
        assert.deepEqual(m.outputs[0]?.shape, [null, 3]);
        // Pooled features (inference mode) equal the original's: weights copied, BatchNorm folded exactly.
        const gap = tf.model({ inputs: m.inputs, outputs: m.getLayer('gap').output as tf.SymbolicTensor }).predict(img) as tf.Tensor;
        const diff = tf.max(tf.abs(tf.sub(gap, expected))).dataSync()[0] as number;
        assert.ok(diff < 1e-5, `fold ${foldBatchNorm}: pooled features differ by ${diff}`);
        gap.dispose();
        m.dispose();
      }
      tf.dispose([img, features as tf.Tensor, expected]);
      const scratch = darknetTransferModel(fake, { inputSize: 8, classes: 3, seed: 5, pretrained: false });
      assert.notDeepEqual(Array.from(scratch.getLayer('conv2d_1').getWeights()[0]!.dataSync()), Array.from(fake.getLayer('conv2d_1').getWeights()[0]!.dataSync()));
      scratch.dispose();
      fake.dispose();
    });

    it('the linear probe on cached features gives the logits of the whole network with its backbone in inference mode', async () => {
      const input = tf.input({ shape: [null, null, 3] as unknown as number[] });
      let x = tf.layers.conv2d({ name: 'conv2d_1', filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
      x = tf.layers.batchNormalization({ name: 'batch_normalization_1' }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.leakyReLU({ name: 'leaky_re_lu_1', alpha: 0.1 }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.conv2d({ name: 'conv2d_2', filters: 6, kernelSize: 1 }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_1' }).apply(x) as tf.SymbolicTensor;
      const fake = tf.model({ inputs: input, outputs: x });
      const bn = fake.getLayer('batch_normalization_1');
      bn.setWeights(bn.getWeights().map((w, i) => tf.add(w, tf.scalar(0.2 * (i + 1)))));
      const m = darknetTransferModel(fake, { inputSize: 6, classes: 3, seed: 2 });
      const rng = createRng(9);
      const xs = Float32Array.from({ length: 10 * 6 * 6 * 3 }, () => rng.normal());
      const source = sourceFromArrays(xs, Int32Array.from({ length: 10 }, (_, i) => i % 3), [6, 6, 3], 3);
      // Batches of 4 (10 = 4 + 4 + 2): every image's features land in its own row.
      const f = maskingFeatures(m, 'gap', source, 4);
      assert.equal(f.width, 4);
      assert.deepEqual(Array.from(f.labels), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
      const head = maskingProbeHead(f.width, 3, 2);
      head.getLayer('head').setWeights(m.getLayer('head').getWeights());
      const viaFeatures = head.predict(tf.tensor2d(f.features, [10, 4])) as tf.Tensor;
      const whole = m.predict(tf.tensor4d(xs, [10, 6, 6, 3])) as tf.Tensor;
      const diff = tf.max(tf.abs(tf.sub(viaFeatures, whole))).dataSync()[0] as number;
      assert.ok(diff < 1e-5, `logits differ by ${diff}`);
      assert.throws(() => maskingFeatures(m, 'conv2d_1', source), /must output \[batch, features\]/);
      tf.dispose([viaFeatures, whole]);
      head.dispose();
      m.dispose();
      fake.dispose();
    });
  });

  describe('mechanism check', () => {
    before(async () => {
      await tf.setBackend('cpu');
    });
    it('factor 1e-3 damps masked kernels under SGD but hardly under Adam; factor 0 freezes under both', async () => {
      const fresh = (): tf.LayersModel => vggSmall({ seed: 3, width: 3, stages: [1, 1], inputShape: [6, 6, 2], classes: 2, batchNorm: false, init: 'kaiming-uniform' });
      const probe = fresh();
      const mask = new KernelMask('ks', { kind: 'per-layer-percentile', percentile: 50 }, [
        { layer: 'conv1_1', selected: Uint8Array.of(1, 0, 0), distance: Float64Array.of(0, 1, 1) },
        { layer: 'conv2_1', selected: Uint8Array.of(0, 1, 1, 0, 0, 0), distance: Float64Array.of(1, 0, 0, 1, 1, 1) },
      ], describeParameters(probe), {});
      probe.dispose();
      const rng = createRng(4);
      const xs = Float32Array.from({ length: 32 * 72 }, () => rng.normal());
      const target = sourceFromArrays(xs, Int32Array.from({ length: 32 }, (_, i) => i % 2), [6, 6, 2], 2);
      const example = { fresh, target } as unknown as MaskingExample;
      const rows = await maskingKernelMovement(example, mask, {
        optimizers: [{ label: 'adam', config: { kind: 'adam', lr: 0.01 } }, { label: 'sgd', config: { kind: 'sgd', lr: 0.05, momentum: 0.9 } }],
        factors: [1, 1e-3, 0], epochs: 3, batchSize: 8, seed: 1,
      });
      const at = (o: string, f: number) => rows.find((r) => r.optimizer === o && r.factor === f)!;
      assert.ok(at('sgd', 1).ratio > 0.1 && at('adam', 1).ratio > 0.1, 'without a mask both groups move comparably');
      assert.ok(at('sgd', 1e-3).ratio < 0.01, `SGD damped ratio ${at('sgd', 1e-3).ratio}`);
      assert.ok(at('adam', 1e-3).ratio > 0.1, `Adam damped ratio ${at('adam', 1e-3).ratio}`);
      assert.equal(at('adam', 0).maskedRelativeChange, 0);
      assert.equal(at('sgd', 0).maskedRelativeChange, 0);
      assert.ok(at('adam', 0).freeRelativeChange > 0);
    });
  });

  describe('summaries and verdict', () => {
    const runs: MaskingRun[] = [
      ...[0.5, 0.6, 0.7].map((a, s) => row('finetune', 'finetune', s, a)),
      ...[0.55, 0.66, 0.74].map((a, s) => row('masked/a', 'masked', s, a, 0.8)),
      ...[0.54, 0.62, 0.72].map((a, s) => row('masked/b', 'masked', s, a, s === 0 ? 0.9 : 0.1)),
      ...[0.4, 0.5, 0.6].map((a, s) => row('freeze-1', 'freeze', s, a)),
      ...[0.45, 0.5, 0.55].map((a, s) => row('freeze-2', 'freeze', s, a, 0.6)),
    ];
    it('paired differences: mean over seeds, bootstrap interval below 5 seeds (the project rule)', () => {
      const [d] = maskingPairedDifferences(runs, 'masked/a', 'finetune');
      assert.ok(d);
      assert.deepEqual(d.diffs.map((x) => Number(x.toFixed(12))), [0.05, 0.06, 0.04]);
      assert.ok(Math.abs(d.diff.mean - 0.05) < 1e-12);
      assert.equal(d.diff.n, 3);
      assert.match(d.diff.method, /bootstrap/);
      // A percentile bootstrap of three values stays within their range.
      assert.ok(d.diff.lo >= 0.04 - 1e-12 && d.diff.hi <= 0.06 + 1e-12, `${d.diff.lo} ${d.diff.hi}`);
      assert.equal(d.wins, 3);
    });
    it('validation-selected methods pick per seed by validation accuracy; best freeze-k by mean test accuracy', () => {
      const summary = summarizeMasking(runs);
      const sel = summary.find((s) => s.method === VAL_SELECTED_MASKED);
      // seed 0: b (val 0.9) → 0.54; seeds 1, 2: a (val 0.8 > 0.1) → 0.66, 0.74
      assert.ok(sel && Math.abs(sel.accuracy.mean - (0.54 + 0.66 + 0.74) / 3) < 1e-12 && sel.accuracy.n === 3);
      const fz = summary.find((s) => s.method === VAL_SELECTED_FREEZE);
      assert.ok(fz && Math.abs(fz.accuracy.mean - 0.5) < 1e-12, 'freeze-2 has the better validation accuracy');
      // freeze-1 mean 0.5, freeze-2 mean 0.5: the first one with the highest mean is kept.
      assert.equal(maskingBestFreeze(runs).get('A|p|25'), 'freeze-1');
      // train − validation gap of masked/a: train 1, validation 0.8 in every seed.
      const a = summary.find((s) => s.method === 'masked/a');
      assert.ok(a && Math.abs(a.trainValGap.mean - 0.2) < 1e-12);
    });
    it('quick-scale verdict with 3 seeds: no cell is tested, every verdict line says inconclusive and illustrative', () => {
      const v = maskingVerdict(runs, 'masked/a', 'quick');
      assert.ok(v.comparisons.length > 0 && v.comparisons.every((c) => c.status === 'inconclusive' && Number.isNaN(c.pHolm)));
      const text = maskingVerdictText(v);
      assert.ok(text.includes('| A p n=25 |'), text);
      assert.ok(text.includes('**inconclusive** (quick scale: illustrative only)'), text);
    });

    // Five seeds per cell, three cells of one pair; masked/a minus fine-tune per seed is, by cell:
    //   n=25: +0.05 +0.06 +0.04 +0.055 +0.045 (clearly better), n=100: −0.03 −0.04 −0.02 −0.05 −0.035 (clearly worse),
    //   n=300: +0.02 −0.01 +0.03 −0.02 0 (no effect).
    // scipy.stats.ttest_1samp(d, 0).pvalue: 1.4512817061319757e-4, 2.1921298066929383e-3, 0.6884570897760043;
    // Holm over 3: 3·p(1) = 4.353845e-4, 2·p(2) = 4.384260e-3, p(3) = 0.688457.
    const diffsByN: Record<number, number[]> = {
      25: [0.05, 0.06, 0.04, 0.055, 0.045],
      100: [-0.03, -0.04, -0.02, -0.05, -0.035],
      300: [0.02, -0.01, 0.03, -0.02, 0],
    };
    const five: MaskingRun[] = Object.entries(diffsByN).flatMap(([nText, diffs]) =>
      diffs.flatMap((d, seed) => {
        const n = Number(nText);
        const ft = 0.5 + 0.01 * seed;
        return [row('finetune', 'finetune', seed, ft, 0.5, n), row('masked/a', 'masked', seed, ft + d, 0.5, n), row('freeze-1', 'freeze', seed, ft - 0.1, 0.5, n)];
      }),
    );
    it('Holm over the cells: holds, fails and inconclusive against hand-computed p-values', () => {
      const c = maskingComparisons(five).filter((x) => x.method === 'masked/a' && x.against === 'fine-tune all').sort((a, b) => a.n - b.n);
      assert.deepEqual(c.map((x) => x.n), [25, 100, 300]);
      assert.deepEqual(c.map((x) => x.status), ['holds', 'fails', 'inconclusive']);
      const p = [1.4512817061319757e-4, 2.1921298066929383e-3, 0.6884570897760043];
      const holm = [3 * (p[0] as number), 2 * (p[1] as number), p[2] as number];
      c.forEach((x, i) => {
        assert.ok(Math.abs(x.p - (p[i] as number)) < 1e-9 * Math.max(1, p[i] as number), `p ${x.p}`);
        assert.ok(Math.abs(x.pHolm - (holm[i] as number)) < 1e-9, `pHolm ${x.pHolm} vs ${holm[i]}`);
        assert.equal(x.family, 3);
        assert.equal(x.diff.method, 't 95%');
      });
      // scipy.stats.t.interval(0.95, 4, loc=0.05, scale=sem) = (0.04018378419261222, 0.05981621580738779)
      assert.ok(Math.abs((c[0] as MaskingComparison).diff.lo - 0.04018378419261222) < 1e-9);
      assert.ok(Math.abs((c[0] as MaskingComparison).diff.hi - 0.05981621580738779) < 1e-9);
      // Against the best freeze-k (freeze-1, 0.1 below fine-tune in every seed) masked/a is better in every cell.
      const f = maskingComparisons(five).filter((x) => x.method === 'masked/a' && x.against === 'best freeze-k');
      assert.ok(f.length === 3 && f.every((x) => x.baseline === 'freeze-1' && x.status === 'holds'));
      // Freeze methods are not compared with the best freeze-k.
      assert.ok(!maskingComparisons(five).some((x) => x.against === 'best freeze-k' && x.method.startsWith('freeze-')));
    });
    it('standard-scale verdict lines name status, interval, n, Holm p and scale', () => {
      const v = maskingVerdict(five, 'masked/a', 'standard');
      const text = maskingVerdictText(v);
      assert.ok(text.includes('**holds**. Δ test accuracy +5.0 points [+4.0, +6.0] (t 95%, n = 5 seeds, paired), Holm-adjusted p = 0.00044 over 3 cells'), text);
      assert.ok(text.includes('**fails**') && text.includes('**inconclusive**') && text.includes('scale standard'), text);
      assert.ok(!text.includes('illustrative'), text);
      const tally = v.tally.find((t) => t.method === 'masked/a' && t.against === 'fine-tune all');
      assert.deepEqual(tally, { method: 'masked/a', against: 'fine-tune all', cells: 3, holds: 1, fails: 1, inconclusive: 1 });
    });
    it('training standard: runs cut off by the step budget, and protocol-A runs over a source network below its criterion, leave the verdict with their count', () => {
      // The criterion by hand: early stopping ended the run before the epochs the budget allowed.
      assert.equal(maskingRunStoppedEarly(7, 12), true);
      assert.equal(maskingRunStoppedEarly(12, 12), false);
      // Cell n = 25 as in `five`, but seed 4 of masked/a ran out of budget: 4 paired seeds remain, so no test there.
      const cut = five.map((r) => (r.n === 25 && r.method === 'masked/a' && r.seed === 4 ? { ...r, epochsRun: 2, stoppedEarly: false } : r));
      const v = maskingVerdict(cut, 'masked/a', 'standard');
      const e25 = v.exclusions.find((e) => e.n === 25);
      assert.deepEqual(e25 && { runs: e25.runs, excluded: e25.excluded }, { runs: five.filter((r) => r.n === 25).length, excluded: 1 });
      const line = v.lines.find((l) => l.claim.includes('n=25') && l.claim.includes('fine-tune all'));
      assert.ok(line && line.status === 'inconclusive' && line.evidence.includes('n = 4 seeds') && line.evidence.includes('1 of'), JSON.stringify(line));
      assert.ok(v.lines.filter((l) => l.claim.includes('n=100')).every((l) => l.evidence.includes('met their criterion')));
      assert.match(maskingVerdictText(v), /\*\*Training record:\*\* \d+ of \d+ runs met their criterion .*; 1 excluded: /);
      // A source network below its criterion removes every protocol-A run of its pair: each cell says so.
      const pretrain: MaskingPretrainRecord[] = [{
        protocol: 'A', pair: 'cifar-5to0', label: 'p', sourceTestAccuracy: 0.6, bestValAccuracy: 0.6, epochsRun: 1, trainMs: 0,
        criterion: 0.7, meetsCriterion: false, fromCache: false,
      }];
      const onP = five.map((r) => ({ ...r, pair: 'cifar-5to0' }));
      const all = maskingCountedRuns(onP, pretrain);
      assert.equal(all.counted.length, 0);
      const none = maskingVerdict(onP, 'masked/a', 'standard', pretrain);
      assert.equal(none.comparisons.length, 0);
      assert.equal(none.lines.length, 3, 'one inconclusive line per cell');
      assert.ok(none.lines.every((l) => l.status === 'inconclusive' && l.evidence.includes('source network missed its accuracy criterion')));
      // The training record counts per cell and method.
      const record = maskingTrainingRecordTable(cut).find((r) => r['n'] === 25 && r['method'] === 'masked/a');
      assert.deepEqual(record && [record['runs'], record['metCriterion']], [5, 4]);
    });
    it('gap figure: one line per method and pair (plus its CI band), axis titles, the known mean gap in points', () => {
      const fig = maskingGapFigure(five, { methods: ['finetune', 'masked/a'] });
      const lines = fig.data.filter((t) => (t as { showlegend?: boolean }).showlegend !== false);
      assert.equal(lines.length, 2);
      assert.equal(fig.data.length, 4, 'two lines and their two CI bands');
      const layout = fig.layout as { xaxis?: { title?: { text?: string } }; yaxis?: { title?: { text?: string } } };
      assert.equal(layout.xaxis?.title?.text, 'labelled target images n');
      assert.equal(layout.yaxis?.title?.text, 'train − validation accuracy (points)');
      // row(): trainAccuracy 1, validation 0.5 → a gap of 50 points at every n.
      const ft = lines.find((t) => (t as { name?: string }).name === 'finetune') as { x: number[]; y: number[] };
      assert.deepEqual(ft.x, [25, 100, 300]);
      assert.ok(ft.y.every((y) => Math.abs(y - 50) < 1e-9), `${ft.y}`);
    });
  });

  describe('runMasking at tiny scale (real data, temporary cache)', function () {
    this.timeout(120_000);
    const previous = process.env['NETSTATS_CACHE'];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-masking-'));
    before(async () => {
      process.env['NETSTATS_CACHE'] = dir;
      await selectBackend();
    });
    after(() => {
      if (previous === undefined) delete process.env['NETSTATS_CACHE'];
      else process.env['NETSTATS_CACHE'] = previous;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('trains every method of every cell, masks half of each layer, and re-reads the same numbers from the cache', async () => {
      const base = maskingConfig('tiny');
      const config = maskingConfig('tiny', { protocolA: { ...base.protocolA!, pairs: ['mnist-fashion'] }, protocolB: null });
      const a = config.protocolA!;
      const first = await runMasking(config, { progress: false });
      assert.equal(first.runs.length, a.ns.length * a.seeds.length * a.methods.length);
      assert.equal(first.computedRuns, first.runs.length);
      for (const r of first.runs) {
        assert.ok(r.testAccuracy >= 0 && r.testAccuracy <= 1 && r.pair === 'mnist-fashion');
        // The run used n labelled images in total: 20 to train, 5 to stop on.
        assert.equal(r.labelledImages, r.n);
        assert.deepEqual([r.trainImages, r.validationImages], [20, 5]);
        if (r.kind === 'masked') {
          // per-layer percentile 50: round(C/2) kernels of each conv layer (widths 4 and 8)
          assert.equal(r.maskedPerLayer, '2 4');
          assert.equal(r.maskedFraction, 0.5);
        }
        if (r.kind === 'linear-probe') assert.equal(r.maskedFraction, 1);
      }
      const second = await runMasking(config, { progress: false });
      assert.equal(second.cachedRuns, second.runs.length);
      assert.deepEqual(second.runs.map((r) => r.testAccuracy), first.runs.map((r) => r.testAccuracy));
      assert.equal(MASKING_PAIRS['mnist-fashion'].target.classes, null);
    });
  });
});

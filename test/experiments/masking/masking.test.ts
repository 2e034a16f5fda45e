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
import { drawTransferSplit, maskingStratifiedSubset, MASKING_PAIRS } from '../../../lib/src/experiments/masking/data';
import { freezeFirstConvs, darknetTransferModel } from '../../../lib/src/experiments/masking/models';
import { MaskingRunRow, maskingTrainSchedule, MaskingExample, maskingKernelMovement, runMasking } from '../../../lib/src/experiments/masking/run';
import { maskingPairedDifferences, summarizeMasking, maskingVerdict, maskingVerdictText } from '../../../lib/src/experiments/masking/verdict';

function row(method: string, kind: string, seed: number, testAccuracy: number, bestValAccuracy = 0.5, n = 25): MaskingRunRow {
  return {
    protocol: 'A', pair: 'p', n, seed, method, methodLabel: method, kind, statistic: null, rule: null, factor: null, freezeK: null,
    testAccuracy, testLoss: 1, bestValAccuracy, bestValLoss: 1, bestEpoch: 0, epochsRun: 1, maskedKernels: 0, totalKernels: 1,
    maskedFraction: 0, maskedPerLayer: '', trainSeconds: 0, fromCache: false,
  };
}

describe('experiments/masking', () => {
  describe('data draws', () => {
    it('drawTransferSplit: stratified n (remainder to random classes), disjoint validation, seeded', () => {
      const labels = Uint8Array.from({ length: 500 }, (_, i) => i % 5);
      const a = drawTransferSplit(labels, 5, 27, 4, 11);
      assert.equal(a.train.length, 27);
      assert.equal(a.validation.length, 20);
      const perClass = [0, 1, 2, 3, 4].map((c) => Array.from(a.train).filter((i) => labels[i] === c).length);
      assert.deepEqual([...perClass].sort(), [5, 5, 5, 6, 6]);
      assert.ok([0, 1, 2, 3, 4].every((c) => Array.from(a.validation).filter((i) => labels[i] === c).length === 4));
      const trainSet = new Set(a.train);
      assert.ok(Array.from(a.validation).every((i) => !trainSet.has(i)), 'train and validation overlap');
      assert.deepEqual(drawTransferSplit(labels, 5, 27, 4, 11), a);
      assert.notDeepEqual(drawTransferSplit(labels, 5, 27, 4, 12).train, a.train);
      assert.throws(() => drawTransferSplit(labels, 5, 3, 4, 1), /n must be an integer >= the 5 classes/);
      assert.throws(() => drawTransferSplit(labels, 5, 485, 4, 1), /class \d has 100 examples; 97 training \+ 4 validation/);
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
    const runs: MaskingRunRow[] = [
      ...[0.5, 0.6, 0.7].map((a, s) => row('finetune', 'finetune', s, a)),
      ...[0.55, 0.66, 0.74].map((a, s) => row('masked/a', 'masked', s, a, 0.8)),
      ...[0.54, 0.62, 0.72].map((a, s) => row('masked/b', 'masked', s, a, s === 0 ? 0.9 : 0.1)),
      ...[0.4, 0.5, 0.6].map((a, s) => row('freeze-1', 'freeze', s, a)),
      ...[0.45, 0.5, 0.55].map((a, s) => row('freeze-2', 'freeze', s, a, 0.6)),
    ];
    it('paired differences: mean and Student-t CI over seeds (hand-computed)', () => {
      const [d] = maskingPairedDifferences(runs, 'masked/a', 'finetune');
      // diffs 0.05, 0.06, 0.04: sd 0.01, half-width t(0.975, 2)·0.01/√3 = 4.302653·0.0057735
      assert.ok(d && Math.abs(d.meanDiff - 0.05) < 1e-12);
      assert.ok(Math.abs(d.hi - d.meanDiff - 4.302652729911275 * 0.01 / Math.sqrt(3)) < 1e-9);
      assert.equal(d.outcome, 'better');
      assert.equal(d.wins, 3);
    });
    it('validation-selected methods pick per seed by validation accuracy', () => {
      const summary = summarizeMasking(runs);
      const sel = summary.find((s) => s.method === VAL_SELECTED_MASKED);
      // seed 0: b (val 0.9) → 0.54; seeds 1, 2: a (val 0.8 > 0.1) → 0.66, 0.74
      assert.ok(sel && Math.abs(sel.mean - (0.54 + 0.66 + 0.74) / 3) < 1e-12 && sel.seeds === 3);
      const fz = summary.find((s) => s.method === VAL_SELECTED_FREEZE);
      assert.ok(fz && Math.abs(fz.mean - 0.5) < 1e-12, 'freeze-2 has the better validation accuracy');
      const v = maskingVerdict(runs, 'masked/a');
      const cell = v.cells[0];
      assert.ok(cell && cell.bestMaskedMethod === 'masked/a' && Math.abs(cell.seedMethodVsFinetune - 0.05) < 1e-12);
      // val-selected minus fine-tune: 0.04, 0.06, 0.04 → CI above 0
      assert.deepEqual(v.maskedBeatsFinetune, ['A p n=25']);
      const text = maskingVerdictText(v);
      assert.ok(text.includes('| A p n=25 |') && text.includes('+5.0'), text);
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

import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { transferVerdict, transferConfig } from '../../../lib/src/experiments/architectures/index';
import {
  freezeFirstConvLayers,
  nearestCentroidDomainAccuracy,
  runTransfer,
  transferCnn,
} from '../../../lib/src/experiments/architectures/transfer';
import { takeSnapshot, writeSnapshot } from '../../../lib/src/probe/snapshot';
import type { Row } from '../../../lib/src/report/table';
import { train } from '../../../lib/src/train/loop';
import { sourceFromArrays } from '../../../lib/src/data/source';
import { createRng } from '../../../lib/src/util/random';
import { transferSweepFigure, domainGapFigure } from '../../../lib/src/experiments/architectures/figures';
import { assertFigureContent, traceY } from '../../plot/figureContent';
import { datasetPresent, useCpuBackend, useTempCache } from './fixture';

describe('experiments/transfer', function () {
  this.timeout(120_000);
  useCpuBackend();
  const cache = useTempCache('transfer-cache');

  it('freezing the first k convs keeps them bit-identical through training; the rest moves', async () => {
    const rng = createRng(1);
    const n = 16;
    const xs = Float32Array.from({ length: n * 8 * 8 }, () => rng.normal());
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const model = transferCnn({ inputShape: [8, 8, 1], classes: 3, width: 2, seed: 0 });
    assert.deepEqual(freezeFirstConvLayers(model, 2), ['conv1', 'conv2']);
    const before = takeSnapshot(model);
    await train(model, { train: sourceFromArrays(xs, labels, [8, 8, 1], 3) }, { epochs: 1, batchSize: 8, seed: 0, optimizer: { kind: 'adam', lr: 1e-2 }, progress: false });
    const after = takeSnapshot(model);
    before.entries.forEach((e, i) => {
      const moved = e.values.some((v, j) => v !== after.entries[i]?.values[j]);
      assert.equal(moved, !/^conv[12]\//.test(e.name), e.name);
    });
    assert.throws(() => freezeFirstConvLayers(model, 5), /k must be an integer in 0..4/);
    model.dispose();
  });

  it('nearest-centroid domain accuracy: ≈ 0.5 for one distribution, 1 for separated ones', () => {
    const rng = createRng(2);
    const draw = (shift: number, rows: number): Float32Array => Float32Array.from({ length: rows * 5 }, () => rng.normal() + shift);
    const same = nearestCentroidDomainAccuracy(draw(0, 400), draw(0, 400), 5);
    assert.ok(Math.abs(same - 0.5) < 0.08, `same distribution: ${same}`);
    assert.equal(nearestCentroidDomainAccuracy(draw(0, 100), draw(10, 100), 5), 1);
    assert.throws(() => nearestCentroidDomainAccuracy(new Float32Array(5), new Float32Array(10), 5), /≥ 2 rows/);
  });

  it('transferVerdict picks the k with the best mean and reads the controls', () => {
    const config = transferConfig('tiny', { pairs: ['mnist-fashion'], freezeLevels: [0, 2, 4] });
    const summary: Row[] = [
      { pair: 'mnist-fashion', perClass: 4, start: 'pretrained', k: 0, mean: 0.5, lo: 0.4, hi: 0.6, n: 2 },
      { pair: 'mnist-fashion', perClass: 4, start: 'pretrained', k: 2, mean: 0.7, lo: 0.6, hi: 0.8, n: 2 },
      { pair: 'mnist-fashion', perClass: 4, start: 'pretrained', k: 4, mean: 0.6, lo: 0.5, hi: 0.7, n: 2 },
      { pair: 'mnist-fashion', perClass: 4, start: 'scratch', k: 0, mean: 0.55, lo: 0.5, hi: 0.6, n: 2 },
      { pair: 'mnist-fashion', perClass: 4, start: 'random-frozen', k: 4, mean: 0.3, lo: 0.2, hi: 0.4, n: 2 },
    ];
    const [v] = transferVerdict(config, summary);
    assert.equal(v?.['bestK'], 2);
    assert.equal(v?.['bestAccuracy'], 0.7);
    assert.equal(v?.['headOnlyAccuracy'], 0.6);
    assert.equal(v?.['fineTuneAllAccuracy'], 0.5);
    assert.equal(v?.['scratchAccuracy'], 0.55);
    assert.equal(v?.['randomFrozenAccuracy'], 0.3);
    assert.equal(v?.['chance'], 0.1);
    // Without per-seed runs there are no paired differences.
    assert.equal(v?.['headMinusFineTune'], null);
    // Paired by seed: head-only (k = 4) − fine-tune all (k = 0) = 0.1, 0.2, 0.3 → mean 0.2, sd 0.1, n 3:
    // t.ppf(0.975, 2) = 4.302652729911275 → CI 0.2 ± 4.3027·0.1/√3. Seed 9 has no k = 0 partner and is ignored.
    const run = (start: string, k: number, seed: number, acc: number): Row => ({ pair: 'mnist-fashion', perClass: 4, start, k, seed, testAccuracy: acc, diverged: false });
    const runs: Row[] = [
      run('pretrained', 0, 0, 0.5), run('pretrained', 0, 1, 0.4), run('pretrained', 0, 2, 0.6),
      run('pretrained', 4, 0, 0.6), run('pretrained', 4, 1, 0.6), run('pretrained', 4, 2, 0.9), run('pretrained', 4, 9, 0.1),
      run('pretrained', 2, 0, 0.7), run('pretrained', 2, 1, 0.7), run('scratch', 0, 0, 0.5), run('scratch', 0, 1, 0.6),
    ];
    const [p] = transferVerdict(config, summary, runs);
    const half = (4.302652729911275 * 0.1) / Math.sqrt(3);
    assert.ok(Math.abs((p?.['headMinusFineTune'] as number) - 0.2) < 1e-12);
    assert.ok(Math.abs((p?.['headMinusFineTuneLo'] as number) - (0.2 - half)) < 1e-9);
    assert.ok(Math.abs((p?.['headMinusFineTuneHi'] as number) - (0.2 + half)) < 1e-9);
    assert.equal(p?.['headMinusFineTunePairs'], 3);
    // best k = 2 − scratch, seeds 0 and 1: 0.2 and 0.1 → mean 0.15 (t.ppf(0.975, 1) = 12.706204736174705, sd 0.0707).
    assert.ok(Math.abs((p?.['bestMinusScratch'] as number) - 0.15) < 1e-12);
    assert.ok(Math.abs((p?.['bestMinusScratchHi'] as number) - (0.15 + (12.706204736174705 * Math.SQRT1_2 * 0.1) / Math.SQRT2)) < 1e-9);
    assert.throws(() => transferConfig('tiny', { freezeLevels: [7] }), /freezeLevels must be integers in 0..4/);
    assert.throws(() => transferConfig('tiny', { target: { sizes: [] } }), /target.sizes/);
  });

  it('runTransfer (MNIST → Fashion-MNIST, tiny): every start × k × seed, pretrained convs copied, cache reused', async function () {
    if (!datasetPresent('mnist') || !datasetPresent('fashion-mnist')) this.skip();
    const cacheRoot = cache();
    const config = transferConfig('tiny', { pairs: ['mnist-fashion'] });
    const before = tf.memory().numTensors;
    const r = await runTransfer(config, { cacheRoot });
    assert.equal(tf.memory().numTensors, before);
    const perSeed = config.freezeLevels.length + 2;
    assert.equal(r.runs.length, config.seeds.length * config.target.sizes.length * perSeed);
    for (const run of r.runs) {
      const acc = run['testAccuracy'];
      assert.ok(typeof acc === 'number' && acc >= 0 && acc <= 1);
    }
    // Trainable parameters fall as k grows (frozen convs leave the optimiser).
    const trainable = config.freezeLevels.map((k) => r.runs.find((x) => x['start'] === 'pretrained' && x['k'] === k)?.['trainableParameters'] as number);
    for (let i = 1; i < trainable.length; i++) assert.ok((trainable[i] as number) < (trainable[i - 1] as number));
    assert.equal(r.domainGap.length, 5);
    assert.equal(r.verdict.length, 1);
    const sweep = transferSweepFigure(r);
    assertFigureContent(sweep, { minTraces: 3, title: /first k conv layers frozen/, xTitle: /^k = frozen conv layers/, yTitle: /^target test accuracy$/ });
    // a known value: the pretrained curve at each k is the summary's mean for that k
    const n0 = Math.min(...r.summary.map((x) => x['perClass'] as number));
    const pretrained = r.summary.filter((x) => x['perClass'] === n0 && x['start'] === 'pretrained').sort((a, b) => (a['k'] as number) - (b['k'] as number));
    const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
    assert.deepEqual(traceY(sweep, `pretrained, n = ${n0}/class`), pretrained.map((x) => num(x['mean'])));
    const gap = domainGapFigure(r);
    assertFigureContent(gap, { traces: 1, xTitle: /^features of layer/, yTitle: /^domain classifier accuracy$/ });
    assert.deepEqual(gap.data[0]!.type === 'scatter' ? gap.data[0]!.y : [], r.domainGap.map((x) => num(x['domainAccuracy'])));
    const again = await runTransfer(config, { cacheRoot });
    assert.equal(again.trainedModels, 0);
    assert.deepEqual(again.runs, r.runs);
  });

  it('the source weights reach the target model (conv layers only; the head is new)', () => {
    const source = transferCnn({ inputShape: [8, 8, 1], classes: 3, width: 2, seed: 1 });
    const target = transferCnn({ inputShape: [8, 8, 1], classes: 3, width: 2, seed: 2 });
    const snap = takeSnapshot(source);
    // What runTransfer does for a 'pretrained' start:
    writeSnapshot(target, snap, { only: (e) => /^conv\d+$/.test(e.layer) });
    const t = takeSnapshot(target);
    snap.entries.forEach((e, i) => {
      const same = e.values.every((v, j) => v === t.entries[i]?.values[j]);
      if (e.layer !== 'head') assert.ok(same, `${e.name} was not copied`);
      if (e.name === 'head/kernel') assert.ok(!same, 'the head kept the source weights'); // (both head biases start at 0)
    });
    source.dispose();
    target.dispose();
  });
});

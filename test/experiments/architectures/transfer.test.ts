import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { transferConfig, transferVerdictText } from '../../../lib/src/experiments/architectures/index';
import { transferClaims } from '../../../lib/src/experiments/architectures/verdict';
import {
  freezeFirstConvLayers,
  nearestCentroidDomainAccuracy,
  runTransfer,
  transferCnn,
  type TransferRun,
} from '../../../lib/src/experiments/architectures/transfer';
import { takeSnapshot, writeSnapshot } from '../../../lib/src/probe/snapshot';
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

  it('transferClaims: equivalence within the margin, pretraining vs scratch, the distance × k and size × k interactions', () => {
    const config = transferConfig('tiny', { seeds: [0, 1, 2, 3, 4], target: { sizes: [4] } });
    // Accuracy = base + slope·k exactly, so each seed's least-squares slope is its slope.
    const nearSlopes = [-0.01, -0.012, -0.008, -0.011, -0.009];
    const farSlopes = [-0.05, -0.04, -0.06, -0.045, -0.055];
    const scratch = [0.5, 0.52, 0.48, 0.51, 0.49];
    const run = (pair: TransferRun['pair'], start: TransferRun['start'], k: number, seed: number, acc: number, converged = true): TransferRun => ({
      pair, distance: pair === 'mnist-5to0' ? 'near' : 'far', perClass: 4, start, k, seed, trainableParameters: 1, targetTrainImages: 20, steps: 2, epochs: 1,
      testAccuracy: acc, trainAccuracy: acc, finalTrainLoss: 0.1, lossPlateau: converged, sourceConverged: true, converged, diverged: false,
    });
    const runs: TransferRun[] = [];
    for (const [pair, base, slopes, scratchOrder] of [['mnist-5to0', 0.9, nearSlopes, [0, 1, 2, 3, 4]], ['mnist-5to-fashion-0', 0.8, farSlopes, [4, 3, 2, 1, 0]]] as const) {
      config.seeds.forEach((s, i) => {
        for (const k of config.freezeLevels) runs.push(run(pair, 'pretrained', k, s, base + (slopes[i] as number) * k));
        runs.push(run(pair, 'scratch', 0, s, scratch[scratchOrder[i] as number] as number));
      });
    }
    // A run that missed its criterion: left out of every verdict, counted as excluded.
    runs.push(run('mnist-5to0', 'pretrained', 0, 9, 0.1, false));
    const sources = config.seeds.map((seed) => ({ source: 'mnist 5,6,7,8,9', pairs: 'both', seed, trainImages: 1, testImages: 1, trainAccuracy: 1, testAccuracy: 0.99, criterion: 0.98, meetsCriterion: true, parameters: 1 }));
    const c = transferClaims(config, runs, sources);
    assert.equal(c.models, 5 + runs.length);
    assert.equal(c.excludedModels, 1);
    // Equivalence, 2 cells → TOST level 1 − 2·0.05/2 = 0.95. Near: k = 2 − k = 0 = 2·slope = −0.020 [−0.0239, −0.0161] within ±0.03.
    const [near, far] = c.freezeEarly;
    assert.equal(near?.pair, 'mnist-5to0');
    assert.ok(Math.abs((near?.difference.mean as number) + 0.02) < 1e-12);
    assert.equal(near?.difference.n, 5);
    assert.equal(near?.difference.method, 't 95%');
    assert.equal(near?.status, 'holds');
    // Far: −0.10, the whole interval below −0.03 → "costs nothing" fails.
    assert.equal(far?.status, 'fails');
    assert.ok(Math.abs((far?.difference.mean as number) + 0.1) < 1e-12);
    // Pretraining (k = 2) − scratch is far above 0 on both pairs.
    assert.deepEqual(c.pretraining.map((p) => p.status), ['holds', 'holds']);
    // Distance × k, one cell (level 0.95): near − far slopes per seed = 0.04, 0.028, 0.052, 0.034, 0.046;
    // SciPy: mean 0.04, t.interval(0.95, 4) = [0.02822054103113464, 0.05177945896886536].
    const [d] = c.distance;
    assert.ok(Math.abs((d?.contrast.mean as number) - 0.04) < 1e-12);
    assert.ok(Math.abs((d?.contrast.lo as number) - 0.02822054103113464) < 1e-9);
    assert.ok(Math.abs((d?.contrast.hi as number) - 0.05177945896886536) < 1e-9);
    assert.equal(d?.status, 'holds');
    // One target size: no size × k test.
    assert.equal(c.size.length, 0);
    // Two sizes: the larger set's slopes are the smaller set's + 0.01 (freezing hurts less with more data) on every
    // seed, except that seed 4 gets + 0.02: per-seed differences 0.01 ×4 and 0.02 → the claim holds.
    const sized = transferConfig('tiny', { seeds: [0, 1, 2, 3, 4], target: { sizes: [4, 8] }, pairs: ['mnist-5to0'] });
    const sizeRuns: TransferRun[] = runs.filter((r) => r.pair === 'mnist-5to0' && r.seed !== 9);
    sized.seeds.forEach((s, i) => {
      for (const k of sized.freezeLevels) sizeRuns.push({ ...run('mnist-5to0', 'pretrained', k, s, 0.9 + ((nearSlopes[i] as number) + (i === 4 ? 0.02 : 0.01)) * k), perClass: 8 });
    });
    const z = transferClaims(sized, sizeRuns, sources);
    assert.equal(z.size.length, 1);
    assert.ok(Math.abs((z.size[0]?.contrast.mean as number) - 0.012) < 1e-12);
    assert.equal(z.size[0]?.status, 'holds');
    assert.equal(z.distance.length, 0, 'a near pair alone has no interaction test');
    // The text: tiny prints no verdict; quick marks it illustrative.
    assert.match(transferVerdictText(c), /tiny: no verdict/);
    assert.match(transferVerdictText({ ...c, scale: 'quick' }), /\*\*holds\*\* \(quick scale: illustrative only\)/);
    assert.throws(() => transferConfig('tiny', { freezeLevels: [7] }), /freezeLevels must be integers in 0..4/);
    assert.throws(() => transferConfig('tiny', { target: { sizes: [] } }), /target.sizes/);
    assert.throws(() => transferConfig('tiny', { freezeLevels: [0, 4] }), /claims.recipeK \(2\) must be one of freezeLevels/);
  });

  it('runTransfer (matched MNIST pairs, tiny): a source model per seed shared by both pairs, every start × k × seed, cache reused', async function () {
    if (!datasetPresent('mnist') || !datasetPresent('fashion-mnist')) this.skip();
    const cacheRoot = cache();
    // One target size keeps the test short (the size × k claim is checked on synthetic runs above).
    const config = transferConfig('tiny', { target: { sizes: [4] } });
    const before = tf.memory().numTensors;
    const r = await runTransfer(config, { cacheRoot });
    assert.equal(tf.memory().numTensors, before);
    // Both pairs start from MNIST 5–9: one source model per seed, not per pair.
    assert.equal(r.sources.length, config.seeds.length);
    assert.equal(r.trainedModels, config.seeds.length + r.runs.length);
    const perSeed = config.freezeLevels.length + 2;
    assert.equal(r.runs.length, config.pairs.length * config.seeds.length * config.target.sizes.length * perSeed);
    for (const run of r.runs) assert.ok(run.testAccuracy !== null && run.testAccuracy >= 0 && run.testAccuracy <= 1);
    // Trainable parameters fall as k grows (frozen convs leave the optimiser).
    const trainable = config.freezeLevels.map((k) => r.runs.find((x) => x.start === 'pretrained' && x.k === k)?.trainableParameters as number);
    for (let i = 1; i < trainable.length; i++) assert.ok((trainable[i] as number) < (trainable[i - 1] as number));
    // Summary cells: clipped to [0, 1], n = converged seeds.
    for (const cell of r.summary) {
      assert.ok(cell.n <= config.seeds.length);
      if (Number.isFinite(cell.lo)) assert.ok(cell.lo >= 0 && cell.hi <= 1 && cell.lo < cell.hi);
    }
    assert.equal(r.domainGap.length, 5 * config.pairs.length);
    assert.equal(r.claims.freezeEarly.length, config.pairs.length * config.target.sizes.length);
    assert.equal(r.claims.distance.length, config.target.sizes.length);
    assert.equal(r.claims.size.length, 0);
    // (At tiny scale most runs miss the plateau criterion, so the curves may be empty: compare with the summary.)
    const sweep = transferSweepFigure(r);
    assert.match(sweep.layout.title?.text ?? '', /first k conv layers frozen/);
    const n0 = Math.min(...r.summary.map((x) => x.perClass));
    const pretrained = r.summary.filter((x) => x.pair === config.pairs[0] && x.perClass === n0 && x.start === 'pretrained').sort((a, b) => a.k - b.k);
    assert.deepEqual(traceY(sweep, `pretrained, n = ${n0}/class`), pretrained.map((x) => x.mean));
    const gap = domainGapFigure(r);
    assertFigureContent(gap, { traces: config.pairs.length, xTitle: /^features of layer/, yTitle: /^domain classifier accuracy$/ });
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

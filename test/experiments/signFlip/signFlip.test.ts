import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/src/backend/select';
import {


  ckaMatrixFigure,

  featureHeatmapsFigure,
  featureSimilarityFigure,
  featureSimilaritySummary,




  perturbationLabel,








  type SignFlipResults,
} from '../../../lib/src/experiments/signFlip/index';
import type { ParameterKind } from '../../../lib/src/models/parameters';
import { lenet5 } from '../../../lib/src/models/lenet';
import { resnet18 } from '../../../lib/src/models/resnet';
import { l2Norm } from '../../../lib/src/probe/distance';
import { takeSnapshot, writeSnapshot, type ParameterSnapshot, type SnapshotEntry } from '../../../lib/src/probe/snapshot';
import { flipSigns } from '../../../lib/src/probe/perturb';
import type { Row } from '../../../lib/src/report/table';
import { evaluateModel } from '../../../lib/src/train/evaluate';
import { sourceFromArrays, subsetSource, type LabelledBatchSource } from '../../../lib/src/data/source';
import { createRng } from '../../../lib/src/util/random';
import { cellOf } from '../../../lib/src/experiments/parameterChange/config';
import { trainedParameterChangeModel, parameterChangeData } from '../../../lib/src/experiments/parameterChange/run';
import { signFlipConfig } from '../../../lib/src/experiments/signFlip/config';
import { signFlipDistanceFigure, signFlipAccuracyFigure, signFlipPathFigure } from '../../../lib/src/experiments/signFlip/figures';
import { recomputeBatchNormStatistics, interpolationPath, InterpolationPoint, pathBarrier } from '../../../lib/src/experiments/signFlip/interpolation';
import { applyPerturbation, negativeRunningVariances, checkPerturbation, hasBatchNormStatistics, evaluateRobustly } from '../../../lib/src/experiments/signFlip/perturb';
import { runSignFlip } from '../../../lib/src/experiments/signFlip/run';
import { signFlipVerdictText } from '../../../lib/src/experiments/signFlip/verdict';
import { assertFigureContent } from '../../plot/figureContent';

function entry(name: string, kind: ParameterKind, values: number[], trainable = true): SnapshotEntry {
  return { name, layer: name.split('/')[0] as string, kind, shape: [values.length], size: values.length, trainable, values: Float32Array.from(values) };
}

const snap: ParameterSnapshot = {
  label: 'best',
  entries: [
    entry('conv1/kernel', 'conv-weight', [0.5, -0.25, 0, 2]),
    entry('bn1/gamma', 'bn-gamma', [1.5, 0.75]),
    entry('bn1/beta', 'bn-beta', [0.1, -0.2]),
    entry('bn1/moving_mean', 'bn-moving-mean', [0.3, -0.4], false),
    entry('bn1/moving_variance', 'bn-moving-variance', [2, 0.5], false),
  ],
};

const values = (s: ParameterSnapshot, name: string): number[] => Array.from(s.entries.find((e) => e.name === name)?.values ?? []);

function randomImages(n: number, seed: number): LabelledBatchSource {
  const rng = createRng(seed);
  return sourceFromArrays(Float32Array.from({ length: n * 32 * 32 * 3 }, () => rng.next()), Int32Array.from({ length: n }, (_, i) => i % 10), [32, 32, 3], 10);
}

describe('signFlip: perturbations', () => {
  it('flip-all negates every entry including BN running statistics; twice is the identity', () => {
    const f = applyPerturbation(snap, { kind: 'flip-all' }, 0);
    assert.deepEqual(values(f, 'conv1/kernel'), [-0.5, 0.25, -0, -2]);
    assert.deepEqual(values(f, 'bn1/moving_variance'), [-2, -0.5]);
    assert.deepEqual(values(f, 'bn1/moving_mean'), [-0.3, 0.4].map(Math.fround));
    assert.equal(negativeRunningVariances(f), 2);
    assert.equal(negativeRunningVariances(snap), 0);
    const twice = applyPerturbation(f, { kind: 'flip-all' }, 0);
    for (const e of snap.entries) assert.deepEqual(values(twice, e.name), Array.from(e.values), e.name);
  });

  it('flip-weights negates learned parameters and keeps BN running statistics; twice is the identity', () => {
    const f = applyPerturbation(snap, { kind: 'flip-weights' }, 0);
    assert.deepEqual(values(f, 'bn1/gamma'), [-1.5, -0.75]);
    assert.deepEqual(values(f, 'bn1/beta'), [-0.1, 0.2].map(Math.fround));
    assert.deepEqual(values(f, 'bn1/moving_variance'), [2, 0.5]);
    assert.deepEqual(values(f, 'bn1/moving_mean'), [0.3, -0.4].map(Math.fround));
    const twice = applyPerturbation(f, { kind: 'flip-weights' }, 0);
    for (const e of snap.entries) assert.deepEqual(values(twice, e.name), Array.from(e.values), e.name);
  });

  it('shift adds the constant to every entry (running statistics too); none copies', () => {
    const s = applyPerturbation(snap, { kind: 'shift', delta: 1e-6 }, 0);
    for (const e of snap.entries) assert.deepEqual(values(s, e.name), Array.from(e.values, (v) => Math.fround(v + 1e-6)), e.name);
    const n = applyPerturbation(snap, { kind: 'none' }, 0);
    for (const e of snap.entries) {
      assert.deepEqual(values(n, e.name), Array.from(e.values));
      assert.notEqual(n.entries.find((x) => x.name === e.name)?.values, e.values, 'a copy, not the same array');
    }
  });

  it('relative noise has standard deviation σ·|θ|, leaves zeros and BN statistics alone, and is seeded', () => {
    const rng = createRng(3);
    const big: ParameterSnapshot = {
      label: 'big',
      entries: [entry('fc/kernel', 'dense-weight', Array.from({ length: 20000 }, () => rng.normal())), ...snap.entries],
    };
    const sigma = 0.1;
    const a = applyPerturbation(big, { kind: 'noise', sigma }, 11);
    const b = applyPerturbation(big, { kind: 'noise', sigma }, 11);
    const c = applyPerturbation(big, { kind: 'noise', sigma }, 12);
    const theta = values(big, 'fc/kernel');
    const z = values(a, 'fc/kernel').map((v, i) => (v - (theta[i] as number)) / Math.abs(theta[i] as number));
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const sd = Math.sqrt(z.reduce((s, v) => s + (v - mean) ** 2, 0) / (z.length - 1));
    assert.ok(Math.abs(sd - sigma) < 0.005, `relative noise sd ${sd}`);
    assert.ok(Math.abs(mean) < 0.005, `relative noise mean ${mean}`);
    assert.deepEqual(values(a, 'fc/kernel'), values(b, 'fc/kernel'));
    assert.notDeepEqual(values(a, 'fc/kernel'), values(c, 'fc/kernel'));
    assert.equal(values(a, 'conv1/kernel')[2], 0);
    assert.deepEqual(values(a, 'bn1/moving_variance'), [2, 0.5]);
    const zero = applyPerturbation(big, { kind: 'noise', sigma: 0 }, 11);
    assert.deepEqual(values(zero, 'fc/kernel'), theta.map(Math.fround));
  });

  it('labels and checks perturbations', () => {
    assert.deepEqual(
      [{ kind: 'none' }, { kind: 'repeat' }, { kind: 'flip-all' }, { kind: 'flip-weights' }, { kind: 'shift', delta: 1e-6 }, { kind: 'noise', sigma: 0.01 }].map((p) => perturbationLabel(p as never)),
      ['none', 'none-repeat', 'flip-all', 'flip-weights', 'shift-1e-6', 'noise-0.01'],
    );
    assert.throws(() => checkPerturbation({ kind: 'noise', sigma: -1 }, 'here'), /here: noise needs a finite sigma ≥ 0, got -1/);
    assert.throws(() => checkPerturbation({ kind: 'shift', delta: NaN }, 'here'), /finite delta/);
    assert.throws(() => checkPerturbation({ kind: 'rotate' } as never, 'here'), /unknown perturbation/);
    assert.ok(hasBatchNormStatistics(snap));
    assert.ok(!hasBatchNormStatistics({ label: 'x', entries: [snap.entries[0] as SnapshotEntry] }));
  });

  it('rejects bad configs with the parameter named', () => {
    assert.throws(() => signFlipConfig('tiny', { datasets: [] }), /datasets must be a non-empty list/);
    assert.throws(() => signFlipConfig('tiny', { interpolation: { alphas: [0, 0.5] } }), /alphas must be finite and include 0 and 1/);
    assert.throws(() => signFlipConfig('tiny', { perturb: { perturbations: [{ kind: 'flip-all' }] } }), /must include \{ kind: 'none' \}/);
    assert.throws(() => signFlipConfig('huge' as never), /scale must be tiny, quick or full/);
  });
});

describe('signFlip: BN recomputation, robust evaluation and interpolation', function () {
  this.timeout(120_000);
  before(async () => {
    await selectBackend({ force: 'cpu' });
  });

  it('after recomputation, inference equals the training-mode forward on the same full batch; the first BN gets the exact moments', async () => {
    const model = resnet18({ width: 4, blocksPerStage: [1, 1], batchNorm: true, inputShape: [32, 32, 3], classes: 10, seed: 3, init: 'kaiming-uniform' });
    const source = randomImages(24, 4);
    const all = source.batch(Int32Array.from({ length: 24 }, (_, i) => i));
    const before = tf.memory().numTensors;
    const layers = await recomputeBatchNormStatistics(model, source, { batchSize: 24 });
    assert.equal(tf.memory().numTensors, before);
    assert.ok(layers >= 5, `BN layers ${layers}`);
    const x = tf.tensor(all.xs, all.shape);
    const inference = (model.apply(x, { training: false }) as tf.Tensor).dataSync();
    const training = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < inference.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((inference[i] as number) - (training[i] as number)));
      maxAbs = Math.max(maxAbs, Math.abs(training[i] as number));
    }
    assert.ok(maxDiff < 1e-4 * Math.max(1, maxAbs), `inference vs training-mode logits differ by ${maxDiff}`);
    // In smaller batches (3 × 8) the first BN layer still gets the exact moments of its input over all 24 images.
    await recomputeBatchNormStatistics(model, source, { batchSize: 8 });
    const firstBn = model.layers.find((l) => l.getClassName() === 'BatchNormalization') as tf.layers.Layer;
    const input = tf.model({ inputs: model.inputs, outputs: firstBn.input as tf.SymbolicTensor }).predict(x) as tf.Tensor;
    const { mean, variance } = tf.moments(input, [0, 1, 2]);
    const mm = firstBn.weights.find((w) => w.originalName.endsWith('moving_mean'))?.read().dataSync() as Float32Array;
    const mv = firstBn.weights.find((w) => w.originalName.endsWith('moving_variance'))?.read().dataSync() as Float32Array;
    const em = mean.dataSync();
    const ev = variance.dataSync();
    for (let c = 0; c < mm.length; c++) {
      assert.ok(Math.abs((mm[c] as number) - (em[c] as number)) < 1e-5 * (1 + Math.abs(em[c] as number)), `mean ${c}`);
      assert.ok(Math.abs((mv[c] as number) - (ev[c] as number)) < 1e-4 * (1 + (ev[c] as number)), `variance ${c}`);
    }
    tf.dispose([x, input, mean, variance]);
    // A model without BN is left alone.
    const lenet = lenet5({ variant: 'seed002', channels: 3, seed: 1 });
    const s0 = takeSnapshot(lenet);
    assert.equal(await recomputeBatchNormStatistics(lenet, source), 0);
    assert.equal(l2Norm(s0, { include: 'all' }), l2Norm(takeSnapshot(lenet), { include: 'all' }));
    lenet.dispose();
    model.dispose();
  });

  it('robust evaluation equals evaluateModel on finite outputs, and counts NaN outputs of a flipped BN net as wrong', async () => {
    const source = randomImages(30, 6);
    const lenet = lenet5({ variant: 'seed002', channels: 3, seed: 2, init: 'kaiming-normal' });
    const a = await evaluateRobustly(lenet, source);
    const b = await evaluateModel(lenet, source);
    assert.equal(a.nonFiniteShare, 0);
    assert.equal(a.accuracy, b.accuracy);
    assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `${a.loss} vs ${b.loss}`);
    lenet.dispose();
    const net = resnet18({ width: 4, blocksPerStage: [1, 1], batchNorm: true, inputShape: [32, 32, 3], classes: 10, seed: 3 });
    await recomputeBatchNormStatistics(net, source);
    writeSnapshot(net, flipSigns(takeSnapshot(net), { batchNormStatistics: true }));
    const flipped = await evaluateRobustly(net, source);
    assert.equal(flipped.nonFiniteShare, 1);
    assert.ok(Number.isNaN(flipped.loss));
    assert.equal(flipped.accuracy, 0);
    net.dispose();
  });

  it('the path reproduces both end points of a net without BN, and recomputed BN statistics make every point of a flip path finite', async () => {
    const train = randomImages(20, 7);
    const test = randomImages(16, 8);
    const model = lenet5({ variant: 'seed002', channels: 3, seed: 5, init: 'kaiming-uniform' });
    const other = lenet5({ variant: 'seed002', channels: 3, seed: 6, init: 'kaiming-uniform' });
    const a = takeSnapshot(model, 'a');
    const b = takeSnapshot(other, 'b');
    const refA = await evaluateModel(model, test);
    const refB = await evaluateModel(other, test);
    const points = await interpolationPath(model, a, b, { alphas: [0, 0.5, 1], train, test, batchNormExamples: 20 });
    assert.deepEqual(points.map((p) => p.alpha), [0, 0.5, 1]);
    assert.equal(points[0]?.testLoss, refA.loss);
    assert.equal(points[0]?.testAccuracy, refA.accuracy);
    assert.equal(points[2]?.testLoss, refB.loss);
    model.dispose();
    other.dispose();
    const net = resnet18({ width: 4, blocksPerStage: [1, 1], batchNorm: true, inputShape: [32, 32, 3], classes: 10, seed: 3 });
    await recomputeBatchNormStatistics(net, train);
    const orig = takeSnapshot(net, 'orig');
    const flip = flipSigns(orig, { batchNormStatistics: true });
    const path = await interpolationPath(net, orig, flip, { alphas: [0, 0.5, 1, 1.25], train, test, batchNormExamples: 20 });
    // Linearly interpolated statistics would be 0 (α = 0.5) or negative (α ≥ 1): NaN outputs. Recomputed: finite.
    for (const p of path) assert.ok(Number.isFinite(p.testLoss) && Number.isFinite(p.trainLoss), `α = ${p.alpha}: ${p.testLoss}`);
    net.dispose();
  });

  it('barrier = the largest bump of the curve over the chord between its end points', () => {
    const pts = (losses: number[], accs: number[]): InterpolationPoint[] =>
      [-0.5, 0, 0.25, 0.5, 0.75, 1, 1.5].map((alpha, i) => ({ alpha, trainLoss: losses[i] as number, testLoss: losses[i] as number, trainAccuracy: accs[i] as number, testAccuracy: accs[i] as number }));
    // Chord from L(0) = 1 to L(1) = 2; at α = 0.5 the chord is 1.5 and the curve 3 → barrier 1.5 (points outside [0,1] ignored).
    const b = pathBarrier(pts([9, 1, 2, 3, 2.5, 2, 9], [0, 0.9, 0.7, 0.5, 0.6, 0.8, 0]));
    assert.equal(b.testLossBarrier, 1.5);
    assert.equal(b.trainLossBarrier, 1.5);
    assert.ok(Math.abs(b.testAccuracyDrop - (0.85 - 0.5)) < 1e-12);
    assert.equal(b.testLossArgmax, 0.5);
    // A convex path has no barrier.
    assert.equal(pathBarrier(pts([5, 1, 0.8, 0.9, 1.3, 2, 5], [0, 1, 1, 1, 1, 1, 0])).testLossBarrier, 0);
    assert.throws(() => pathBarrier(pts([1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]).filter((p) => p.alpha !== 1)), /no point at α = 1/);
  });
});

describe('signFlip: the whole experiment at tiny scale', function () {
  this.timeout(300_000);
  const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-signflip-'));
  const config = signFlipConfig('tiny');
  let results: SignFlipResults;

  before(async () => {
    await selectBackend();
    results = await runSignFlip(config, { progress: false, cacheRoot });
  });
  after(() => fs.rmSync(cacheRoot, { recursive: true, force: true }));

  const row = (architecture: string, perturbation: string): Row => {
    const r = results.retrains.find((x) => x['architecture'] === architecture && x['perturbation'] === perturbation);
    assert.ok(r, `no row ${architecture} ${perturbation}`);
    return r;
  };

  it('retrains every perturbation of every chosen base model (one flip for nets without BN)', () => {
    const perModel = config.perturb.perturbations.length;
    assert.equal(results.retrains.length, config.architectures.length * perModel);
    assert.match(String(row('lenet5', 'flip-weights')['skipped']), /identical to flip-all/);
    assert.equal(row('resnet18', 'flip-weights')['skipped'], undefined);
    assert.equal(results.models.length, config.architectures.length * config.optimizers.length * config.inits.length * config.seeds.length);
    assert.equal(results.trainedRetrains, config.architectures.length * perModel - 1);
  });

  it('start distances are what the perturbations define', () => {
    for (const a of config.architectures) {
      assert.equal(row(a, 'none')['startDistance'], 0);
      assert.equal(row(a, 'none-repeat')['startDistance'], 0);
      assert.equal(row(a, 'none')['relativeDistanceToControl'], 0);
      assert.ok(Math.abs((row(a, 'flip-all')['relativeStartDistance'] as number) - 2) < 1e-6);
      // +1e-6 on each of P learned parameters: ‖Δ‖ ≈ 1e-6·√P (float32 rounding of θ + 1e-6 aside).
      const shift = row(a, 'shift-1e-6');
      const expected = 1e-6 * Math.sqrt(trainableCount(a));
      assert.ok(Math.abs((shift['startDistance'] as number) / expected - 1) < 0.05, `${a}: shift start ${shift['startDistance']} vs ${expected}`);
    }
  });

  it('the original flip makes the BN net output NaN right away; the flip of learned parameters alone does not; both train alike', () => {
    const fa = row('resnet18', 'flip-all');
    const fw = row('resnet18', 'flip-weights');
    assert.equal(fa['startNonFiniteShare'], 1);
    assert.equal(fa['startTestLoss'], null);
    assert.equal(fw['startNonFiniteShare'], 0);
    assert.equal(fa['negativeVariancesAtStart'], bnChannels);
    assert.equal(fw['negativeVariancesAtStart'], 0);
    // Training-mode BN never reads the running statistics: the learned parameters follow the same path (up to float
    // rounding of the backend).
    assert.ok((fa['lastDistanceBetweenFlips'] as number) < 1e-6 * (fa['originalNorm'] as number), `flips differ by ${fa['lastDistanceBetweenFlips']}`);
  });

  it('the interpolation at α = 0 reproduces the original model on the same test images (LeNet-5: no BN to recompute)', async () => {
    const cell = cellOf(config.recipe, { architecture: 'lenet5', init: 'kaiming-uniform', optimizer: 'sgd', dataset: 'mnist', seed: 0 });
    const { model } = await trainedParameterChangeModel(cell, { cacheRoot });
    const data = await parameterChangeData(cell);
    const n = config.interpolation.testExamples as number;
    const ref = await evaluateModel(model, subsetSource(data.test, Int32Array.from({ length: n }, (_, i) => i)));
    model.dispose();
    const at0 = results.paths.filter((p) => p['architecture'] === 'lenet5' && p['alpha'] === 0);
    assert.equal(at0.length, config.perturb.perturbations.length - 1); // every perturbation but the skipped flip-weights
    for (const p of at0) {
      assert.equal(p['testAccuracy'], ref.accuracy);
      assert.ok(Math.abs((p['testLoss'] as number) - ref.loss) < 1e-6);
    }
    const alphas = results.paths.filter((p) => p['architecture'] === 'lenet5' && p['perturbation'] === 'none').map((p) => p['alpha']);
    assert.deepEqual(alphas, config.interpolation.alphas);
  });

  it('compares features of the right pairs; the CKA matrix is symmetric with 1 on the diagonal', () => {
    for (const a of config.architectures) {
      const seedPairs = results.pairs.filter((p) => p['architecture'] === a && p['pairType'] === 'seed');
      assert.equal(seedPairs.length, config.optimizers.length * config.inits.length * 1);
      assert.equal(results.pairs.filter((p) => p['architecture'] === a && p['pairType'] === 'optimizer').length, config.inits.length * config.seeds.length);
      for (const p of results.pairs.filter((x) => x['architecture'] === a)) {
        for (const k of ['greedyMeanAbsR', 'hungarianMeanAbsR', 'cka']) {
          const v = p[k] as number;
          assert.ok(v >= 0 && v <= 1 + 1e-12, `${k} = ${v}`);
        }
        // The optimal pairing maximises the total |r| over the same number of pairs: never below greedy.
        assert.ok((p['hungarianMeanAbsR'] as number) >= (p['greedyMeanAbsR'] as number) - 1e-12);
      }
    }
    for (const m of results.ckaMatrices) {
      m.cka.forEach((r, i) => r.forEach((v, j) => {
        if (i === j) assert.equal(v, 1);
        else assert.equal(v, m.cka[j]?.[i]);
      }));
    }
    // The tiny flip-all ResNet still has negative running variances after 4 steps: NaN features, left out and said so.
    for (const e of results.excluded) assert.match(String(e['reason']), /non-finite/);
  });

  it('figures, summary and verdict build from the results; a second run comes from the cache with the same rows', async () => {
    const figures = [
      signFlipDistanceFigure(results), signFlipAccuracyFigure(results),
      signFlipPathFigure(results, 'lenet5', 'sgd', 'loss'), signFlipPathFigure(results, 'resnet18', 'sgd', 'accuracy'),
      featureHeatmapsFigure(results, 'lenet5', 'mnist'), featureHeatmapsFigure(results, 'resnet18', 'mnist', 'hungarian'),
      ckaMatrixFigure(results, 'lenet5', 'mnist'), featureSimilarityFigure(results, 'resnet18', 'mnist'),
    ];
    const titles = [/^Distance to the original solution/, /^Test accuracy before and after retraining/, /^lenet5, sgd: loss on the line/, /^resnet18, sgd: accuracy on the line/,
      /^lenet5 on mnist: sorted \|correlation\| .*\(greedy pairing\)/, /^resnet18 on mnist: sorted \|correlation\| .*\(hungarian pairing\)/, /^lenet5 on mnist: linear CKA/, /^resnet18 on mnist: similarity of penultimate features/];
    figures.forEach((f, i) => assertFigureContent(f, { minTraces: 1, title: titles[i] }));
    assert.ok(featureSimilaritySummary(results).length > 0);
    const text = signFlipVerdictText(results.verdict);
    assert.match(text, /Are Adam-trained features more correlated/);
    assert.match(text, /running variances negative/);
    const again = await runSignFlip(config, { progress: false, cacheRoot });
    assert.equal(again.trainedBaseModels + again.trainedRetrains, 0);
    const strip = (rows: Row[]): Row[] => rows.map((r) => ({ ...r, fromCache: null }));
    assert.deepEqual(strip(again.retrains), strip(results.retrains));
    assert.deepEqual(again.pairs, results.pairs);
  });

  let bnChannels = 0;
  const counts = new Map<string, number>();
  function trainableCount(architecture: string): number {
    return counts.get(architecture) as number;
  }
  before(() => {
    for (const a of config.architectures) {
      const cell = cellOf(config.recipe, { architecture: a, init: 'kaiming-uniform', optimizer: 'sgd', dataset: 'mnist', seed: 0 });
      const m = a === 'lenet5'
        ? lenet5({ variant: 'seed002', channels: 3, seed: 0 })
        : resnet18({ width: cell.width as number, blocksPerStage: cell.blocks as number[], batchNorm: true, inputShape: [32, 32, 3], classes: 10, seed: 0 });
      const s = takeSnapshot(m);
      counts.set(a, s.entries.filter((e) => e.trainable).reduce((t, e) => t + e.size, 0));
      if (a === 'resnet18') bnChannels = s.entries.filter((e) => e.kind === 'bn-moving-variance').reduce((t, e) => t + e.size, 0);
      m.dispose();
    }
  });
});

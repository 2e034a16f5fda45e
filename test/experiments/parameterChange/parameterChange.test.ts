import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/src/backend/select';
import {
















  type ParameterChangeResults,
} from '../../../lib/src/experiments/parameterChange/index';
import {
  parameterChangeBarsFigure,
  parameterChangeCurveFigure,
  parameterChangeHistogramFigure,
  parameterChangeLayerHeatmap,
  parameterChangeSnapshotFigure,
  parameterChangeWidthFigure,
} from '../../../lib/src/experiments/parameterChange/figures';
import type { ParameterKind } from '../../../lib/src/models/parameters';
import { changedFraction } from '../../../lib/src/probe/distance';
import type { ParameterSnapshot, SnapshotEntry } from '../../../lib/src/probe/snapshot';
import type { Row } from '../../../lib/src/report/table';
import { evaluateModel } from '../../../lib/src/train/evaluate';
import { meanCIByGroup } from '../../../lib/src/report/groups';
import { parameterChangeConfig, parameterChangeCells, parameterChangeCellKey, parameterChangeCell } from '../../../lib/src/experiments/parameterChange/config';
import { changedFractionCurve, toleranceForUnchangedShare, toleranceForChangedShare, changedValueSample, snapshotPathDistances } from '../../../lib/src/experiments/parameterChange/metrics';
import { runParameterChange, trainedParameterChangeModel, buildParameterChangeModel, parameterChangeData } from '../../../lib/src/experiments/parameterChange/run';
import { parameterChangeVerdict, parameterChangeVerdictText } from '../../../lib/src/experiments/parameterChange/verdict';
import { assertFigureContent } from '../../plot/figureContent';

function entry(name: string, kind: ParameterKind, values: number[], trainable = true): SnapshotEntry {
  return { name, layer: name.split('/')[0] as string, kind, shape: [values.length], size: values.length, trainable, values: Float32Array.from(values) };
}

// Hand-made case. conv weights start at 1 and move by ≈5e-4, ≈2e-2, 0.5 and 0; dense biases start at 0 and move by
// 0, 1e-9 and 2e-3; a BN moving variance (not trainable) moves a lot but is not counted.
const s0: ParameterSnapshot = {
  label: 'init',
  entries: [
    entry('conv1/kernel', 'conv-weight', [1, 1, 1, 1]),
    entry('fc/bias', 'dense-bias', [0, 0, 0]),
    entry('bn/moving_variance', 'bn-moving-variance', [1], false),
  ],
};
const s1: ParameterSnapshot = {
  label: 'best',
  entries: [
    entry('conv1/kernel', 'conv-weight', [1.0005, 1.02, 0.5, 1]),
    entry('fc/bias', 'dense-bias', [0, 1e-9, 2e-3]),
    entry('bn/moving_variance', 'bn-moving-variance', [7], false),
  ],
};

describe('parameterChange metrics (hand-made cases)', () => {
  it('changed fraction over a relative tolerance grid matches the hand count, per kind and overall', () => {
    const taus = [1e-3, 1e-2, 1e-1, 1];
    const curve = changedFractionCurve(s0, s1, { mode: 'relative', taus, fixedAtol: 1e-8 });
    const all = curve.filter((p) => p.group === 'all');
    // changed at τ: conv {1.02, 0.5} | {1.02, 0.5} | {0.5} | {}; bias 2e-3 (θ₀ = 0) changed at every τ; 1e-9 ≤ atol.
    assert.deepEqual(all.map((p) => p.changed), [3, 3, 2, 1]);
    assert.deepEqual(all.map((p) => p.total), [7, 7, 7, 7]);
    assert.deepEqual(curve.filter((p) => p.group === 'conv-weight').map((p) => p.changed), [2, 2, 1, 0]);
    assert.deepEqual(curve.filter((p) => p.group === 'dense-bias').map((p) => p.changed), [1, 1, 1, 1]);
    assert.equal(curve.filter((p) => p.group === 'bn-moving-variance').length, 0);
    // The same numbers as the probe's direct evaluation at each grid point.
    for (const p of all) assert.equal(p.fraction, changedFraction(s0, s1, { atol: 1e-8, rtol: p.tau }));
  });

  it('changed fraction over an absolute tolerance grid matches the hand count', () => {
    const curve = changedFractionCurve(s0, s1, { mode: 'absolute', taus: [1e-4, 1e-3, 1e-2, 1] });
    // |Δ| = 5e-4, 2e-2, 0.5, 0, 0, 1e-9, 2e-3
    assert.deepEqual(curve.filter((p) => p.group === 'all').map((p) => p.changed), [4, 3, 2, 0]);
    assert.deepEqual(curve.filter((p) => p.group === 'all').map((p) => p.rtol), [0, 0, 0, 0]);
    // 'all' includes the moving variance when asked.
    const withStats = changedFractionCurve(s0, s1, { mode: 'absolute', taus: [1], include: 'all' });
    assert.deepEqual(withStats.filter((p) => p.group === 'all').map((p) => [p.changed, p.total]), [[1, 8]]);
  });

  it('rejects an unsorted grid and mismatched snapshots with a clear message', () => {
    assert.throws(() => changedFractionCurve(s0, s1, { mode: 'relative', taus: [1e-2, 1e-3] }), /strictly increasing/);
    const short: ParameterSnapshot = { label: 'x', entries: [entry('conv1/kernel', 'conv-weight', [1, 1])] };
    assert.throws(() => changedFractionCurve(s0, short, { mode: 'relative', taus: [1] }), /conv1\/kernel.*4 values.*2/);
  });

  it('tolerance for a share unchanged / changed interpolates in log τ', () => {
    const curve = [
      { tau: 1e-3, fraction: 0.9 },
      { tau: 1e-2, fraction: 0.5 },
      { tau: 1e-1, fraction: 0.2 },
    ];
    // unchanged 0.1, 0.5, 0.8: 60% lies a third of the way from 1e-2 to 1e-1 in log10.
    assert.ok(Math.abs((toleranceForUnchangedShare(curve, 0.6) as number) - 1e-2 * 10 ** (1 / 3)) < 1e-12);
    assert.equal(toleranceForUnchangedShare(curve, 0.05), 1e-3);
    assert.equal(toleranceForUnchangedShare(curve, 0.9), null);
    // changed ≥ 70% up to half way from 1e-3 to 1e-2.
    assert.ok(Math.abs((toleranceForChangedShare(curve, 0.7) as number) - 10 ** -2.5) < 1e-12);
    assert.equal(toleranceForChangedShare(curve, 0.9), 1e-3);
    assert.equal(toleranceForChangedShare(curve, 0.95), null);
    assert.equal(toleranceForChangedShare(curve, 0.1), 1e-1);
  });

  it('value samples split into changed and unchanged like the hand count', () => {
    const all = changedValueSample(s0, s1, { atol: 1e-8, rtol: 1e-2 }, { samples: 100, seed: 1, include: 'trainable' });
    assert.equal(all.population, 7);
    assert.equal(all.populationChanged, 3);
    assert.deepEqual([...all.initialChanged].sort(), [0, 1, 1]);
    assert.deepEqual(all.finalChanged.map((v) => Math.fround(v)).sort(), [Math.fround(0.002), 0.5, Math.fround(1.02)].sort());
    assert.equal(all.initialUnchanged.length, 4);
    const some = changedValueSample(s0, s1, { atol: 1e-8, rtol: 1e-2 }, { samples: 5, seed: 3, include: 'trainable' });
    assert.equal(some.initialChanged.length + some.initialUnchanged.length, 5);
    assert.equal(some.finalChanged.length, some.initialChanged.length);
  });

  it('snapshot path distances: steps and distance from init', () => {
    const s = (label: string, v: number[]): ParameterSnapshot => ({ label, entries: [entry('fc/kernel', 'dense-weight', v)] });
    const steps = snapshotPathDistances([
      { label: 'init', epoch: 0, snapshot: s('init', [3, 4]) },
      { label: 'epoch-0', epoch: 1, snapshot: s('epoch-0', [3, 5]) },
      { label: 'last', epoch: 2, snapshot: s('last', [6, 8]) },
    ]);
    assert.equal(steps.length, 2);
    assert.equal(steps[0]?.stepDistance, 1);
    assert.equal(steps[0]?.relativeDistanceFromInit, 0.2);
    assert.ok(Math.abs((steps[1]?.stepDistance as number) - Math.sqrt(18)) < 1e-12);
    assert.equal(steps[1]?.distanceFromInit, 5);
    assert.equal(steps[1]?.relativeDistanceFromInit, 1);
  });

  it('meanCIByGroup gives the Student-t interval (scipy: t.ppf(0.975, 2) = 4.302652729911275)', () => {
    const rows: Row[] = [{ g: 'a', v: 1 }, { g: 'a', v: 2 }, { g: 'a', v: 3 }, { g: 'b', v: 5 }, { g: 'b', v: null }];
    const agg = meanCIByGroup(rows, ['g'], 'v');
    const a = agg.find((r) => r['g'] === 'a') as Row;
    const half = 4.302652729911275 / Math.sqrt(3);
    assert.equal(a['mean'], 2);
    assert.ok(Math.abs((a['lo'] as number) - (2 - half)) < 1e-9);
    assert.ok(Math.abs((a['hi'] as number) - (2 + half)) < 1e-9);
    assert.deepEqual(agg.find((r) => r['g'] === 'b'), { g: 'b', mean: 5, lo: null, hi: null, n: 1 });
  });

  it('verdict: claim, tolerance window, BN pairs and SGD-vs-Adam from hand-made rows', () => {
    const config = parameterChangeConfig('tiny');
    const run = (architecture: string, optimizer: string, seed: number, unchanged: number, r60: number | null, r90: number | null, distance: number): Row => ({
      architecture, optimizer, seed, init: 'kaiming-uniform', dataset: 'mnist', batchNorm: architecture === 'resnet18', width: 4,
      inGrid: true, inBatchNormTest: false, inWidthTest: false, diverged: false,
      unchangedFraction: unchanged, rtolFor60Unchanged: r60, rtolFor90Changed: r90, distance, relativeDistance: distance / 10, changeRate: 0.1, testAccuracy: 0.9,
    });
    const rows = [
      run('resnet18', 'sgd', 0, 0.7, 1e-3, 1e-5, 1), run('resnet18', 'sgd', 1, 0.8, 2e-3, 1e-5, 2),
      run('resnet18', 'adam', 0, 0.65, 4e-3, 1e-5, 3), run('resnet18', 'adam', 1, 0.75, 3e-3, 1e-5, 1),
      run('lenet5', 'sgd', 0, 0.05, 0.5, 0.01, 1), run('lenet5', 'adam', 0, 0.02, 0.6, 0.02, 4),
      run('vgg', 'sgd', 0, 0.01, 0.7, 0.05, 1), run('vgg', 'adam', 0, 0.03, 0.8, 0.03, 5),
    ];
    const v = parameterChangeVerdict(rows, [], { ...config, inits: ['kaiming-uniform'], batchNormTest: null, widthTest: null });
    assert.equal(v.claim.resnetUnchangedOver60, true);
    assert.equal(v.claim.lenetVggChangedOver90, true);
    assert.equal(v.claim.holdsAtHeadline, true);
    assert.equal(v.claim.resnetRtolNeeded, 4e-3);
    assert.equal(v.claim.lenetVggRtolAllowed, 0.01);
    assert.deepEqual(v.claim.window, [4e-3, 0.01]);
    const resnet = v.architectures.find((a) => a.architecture === 'resnet18');
    assert.ok(Math.abs((resnet?.unchanged.mean as number) - 0.725) < 1e-12);
    assert.equal(resnet?.rtolFor60UnchangedMedian, 2.5e-3);
    const rs = v.sgdVsAdam.find((s) => s.architecture === 'resnet18');
    assert.equal(rs?.pairs, 2);
    assert.equal(rs?.sgdCloserShare, 0.5); // seed 0: 1 < 3; seed 1: 2 > 1
    assert.ok(Math.abs((rs?.logDistanceRatio.mean as number) - (Math.log(3) + Math.log(0.5)) / 2) < 1e-12);
    const text = parameterChangeVerdictText(v);
    assert.match(text, /ResNet: 72\.5%/);
    assert.match(text, /\[4\.00e-3, 0\.0100\]/);
    // One ResNet run that never reaches 60% unchanged on the grid: no window.
    const v2 = parameterChangeVerdict([...rows, run('resnet18', 'sgd', 2, 0.1, null, 1e-5, 1)], [], { ...config, batchNormTest: null, widthTest: null });
    assert.equal(v2.claim.resnetRtolNeeded, null);
    assert.equal(v2.claim.window, null);
  });
});

describe('parameterChange config', () => {
  it('tiny plans the grid plus the BN and width studies without duplicates', () => {
    const config = parameterChangeConfig('tiny');
    const cells = parameterChangeCells(config);
    // grid 3 archs × 1 init × 2 opt × 1 dataset × 2 seeds = 12; BN test adds 2 ResNets without BN; width adds width 8 × 2 seeds.
    assert.equal(cells.length, 16);
    assert.equal(new Set(cells.map(parameterChangeCellKey)).size, 16);
    assert.equal(cells.filter((c) => c.architecture === 'resnet18' && !c.batchNorm).length, 2);
    assert.equal(cells.filter((c) => c.width === 8).length, 2);
    for (const c of cells) assert.equal(c.validationCount, 32);
  });

  it('full is the seed scale and uses the original learning rates', () => {
    const config = parameterChangeConfig('full');
    assert.equal(config.training.epochs, 20);
    assert.equal(config.training.batchSize, 128);
    assert.ok(config.seeds.length >= 3);
    assert.deepEqual(config.datasets, ['mnist', 'fashion-mnist', 'cifar10']);
    assert.deepEqual(config.optimizerSettings.lenet5.sgd, { kind: 'sgd', lr: 0.005, momentum: 0.9 });
    assert.deepEqual(config.optimizerSettings.vgg.adam, { kind: 'adam', lr: 0.005, eps: 0.1 });
    assert.equal(config.optimizerSettings.resnet18.adam.lr, 0.005);
    assert.equal(parameterChangeCells(config).filter((c) => c.architecture !== 'resnet18' || (c.batchNorm && c.width === 64)).length, 3 * 2 * 2 * 3 * 3);
  });

  it('overrides merge one level deep and bad values name the parameter', () => {
    const c = parameterChangeConfig('tiny', { training: { epochs: 3 } });
    assert.equal(c.training.epochs, 3);
    assert.equal(c.training.batchSize, 8);
    assert.throws(() => parameterChangeConfig('tiny', { datasets: ['svhn' as 'mnist'] }), /datasets must be among mnist, fashion-mnist, cifar10; got 'svhn'/);
    assert.throws(() => parameterChangeConfig('tiny', { training: { epochs: 0 } }), /training\.epochs must be a positive integer; got 0/);
    assert.throws(() => parameterChangeConfig('huge' as 'tiny'), /scale must be tiny, quick or full; got 'huge'/);
  });
});

describe('parameterChange at tiny scale (trains, caches, reuses)', function () {
  this.timeout(240_000);
  const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-pc-cache-'));
  const config = parameterChangeConfig('tiny', { training: { epochs: 2, batchSize: 8, maxStepsPerEpoch: 2, snapshotEvery: 1 } });
  let previousBackend = '';
  let first: ParameterChangeResults;
  let tensorsBefore = 0;

  before(async () => {
    previousBackend = tf.getBackend();
    await selectBackend();
    tensorsBefore = tf.memory().numTensors;
    first = await runParameterChange(config, { cacheRoot, progress: false });
  });
  after(async () => {
    fs.rmSync(cacheRoot, { recursive: true, force: true });
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  it('returns tidy results of the expected shapes and leaks no tensors', () => {
    const cells = parameterChangeCells(config);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    assert.equal(first.trainedRuns, cells.length);
    assert.equal(first.runs.length, cells.length);
    for (const r of first.runs) {
      assert.equal(r['diverged'], false, `${r['runId']} diverged`);
      const u = r['unchangedFraction'] as number;
      assert.ok(u >= 0 && u <= 1);
      assert.ok((r['distance'] as number) > 0, `${r['runId']} did not move`);
    }
    // One layer row per run and parameterised layer; one kind row per run and kind; the curve grids per run.
    const lenetRun = first.runs.find((r) => r['architecture'] === 'lenet5') as Row;
    assert.deepEqual(first.layers.filter((r) => r['runId'] === lenetRun['runId']).map((r) => r['layer']), ['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    assert.deepEqual(first.kinds.filter((r) => r['runId'] === lenetRun['runId']).map((r) => r['kind']).sort(), ['conv-bias', 'conv-weight', 'dense-bias', 'dense-weight']);
    const g = config.tolerance.relativeGrid.length + config.tolerance.absoluteGrid.length;
    assert.equal(first.curves.filter((r) => r['runId'] === lenetRun['runId']).length, g * 5);
    // init → after epoch 1 → after epoch 2 (= last): 2 steps per run.
    assert.equal(first.snapshotDistances.length, 2 * cells.length);
    // One sample per architecture × optimiser, plus the ResNet without BN where the BN test trained it (Adam only at tiny).
    assert.equal(first.histograms.length, 3 * 2 + 1);
    assert.ok(first.verdict.batchNorm !== null && first.verdict.batchNorm.pairs === 2);
    assert.deepEqual(first.verdict.width?.byWidth.map((w) => w.width), [4, 8]);
  });

  it('stores trained models that load back with the reported distance and test accuracy', async () => {
    const cell = parameterChangeCell('tiny', { architecture: 'resnet18', init: 'kaiming-uniform', optimizer: 'adam', dataset: 'mnist', seed: 1 },
      { training: config.training });
    const { model, run } = await trainedParameterChangeModel(cell, { cacheRoot });
    assert.equal(run.fromCache, true);
    const fresh = buildParameterChangeModel(cell);
    // Distance recomputed independently from the two models' trainable tensors.
    let sq = 0;
    const trained = model.trainableWeights;
    fresh.trainableWeights.forEach((w, i) => {
      const a = w.read().dataSync();
      const b = (trained[i] as tf.LayerVariable).read().dataSync();
      for (let k = 0; k < a.length; k++) sq += ((b[k] as number) - (a[k] as number)) ** 2;
    });
    const row = first.runs.find((r) => r['cacheKey'] === run.key) as Row;
    assert.ok(Math.abs(Math.sqrt(sq) - (row['distance'] as number)) <= 1e-6 * (row['distance'] as number));
    const data = await parameterChangeData(cell);
    const evaluation = await evaluateModel(model, data.test, { batchSize: 32 });
    assert.equal(evaluation.accuracy, row['testAccuracy']);
    model.dispose();
    fresh.dispose();
  });

  it('a second run reuses every cached model and gives identical numbers', async () => {
    const second = await runParameterChange(config, { cacheRoot, progress: false });
    assert.equal(second.trainedRuns, 0);
    assert.ok(second.runs.every((r) => r['fromCache'] === true));
    const strip = (rows: Row[]): Row[] => rows.map(({ fromCache: _f, ...rest }) => rest);
    assert.deepEqual(strip(second.runs), strip(first.runs));
    assert.deepEqual(second.layers, first.layers);
    assert.deepEqual(second.verdict, first.verdict);
  });

  it('builds every figure', () => {
    const figures = [
      parameterChangeCurveFigure(first), parameterChangeCurveFigure(first, { mode: 'absolute' }), parameterChangeBarsFigure(first),
      parameterChangeLayerHeatmap(first, 'vgg'), parameterChangeSnapshotFigure(first), parameterChangeHistogramFigure(first, 'resnet18'),
      parameterChangeWidthFigure(first),
    ];
    const titles = [/^Share of trainable parameters changed vs relative tolerance/, /^Share of trainable parameters changed vs absolute tolerance/, /^% unchanged at/,
      /^VGG: relative change per layer/, /^Distance from the initialisation along training/, /^ResNet.* weights, .*: changed vs unchanged/, /^Lazy-training check/];
    figures.forEach((f, i) => assertFigureContent(f, { minTraces: 1, title: titles[i] }));
    // LeNet × 2 optimisers in the curve figure, one heatmap row per VGG layer with parameters.
    assert.equal(parameterChangeCurveFigure(first).data.filter((t) => t.name?.startsWith('LeNet-5') && !t.name.includes('CI')).length, 2);
  });
});

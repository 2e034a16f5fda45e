import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/src/backend/select';
import { type ParameterChangeResults } from '../../../lib/src/experiments/parameterChange/index';
import {
  parameterChangeBarsFigure,
  parameterChangeCurveFigure,
  parameterChangeHistogramFigure,
  parameterChangeLayerHeatmap,
  parameterChangeSnapshotFigure,
  parameterChangeWidthFigure,
} from '../../../lib/src/experiments/parameterChange/figures';
import { evaluateModel } from '../../../lib/src/train/evaluate';
import { parameterChangeConfig, parameterChangeCells, parameterChangeCell } from '../../../lib/src/experiments/parameterChange/config';
import { runParameterChange, trainedParameterChangeModel, buildParameterChangeModel, parameterChangeData, type PcRun } from '../../../lib/src/experiments/parameterChange/run';
import { assertFigureContent } from '../../plot/figureContent';

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
    const lenetRun = first.runs.find((r) => r.architecture === 'lenet5') as PcRun;
    assert.deepEqual(first.layers.filter((r) => r['runId'] === lenetRun['runId']).map((r) => r['layer']), ['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    assert.deepEqual(first.kinds.filter((r) => r['runId'] === lenetRun['runId']).map((r) => r['kind']).sort(), ['conv-bias', 'conv-weight', 'dense-bias', 'dense-weight']);
    // Relative curves cover the elements that do not start at 0 ('all', conv weights and biases — PyTorch's default
    // conv-bias init is not 0 — and dense weights: 4 groups; dense biases start at 0); absolute curves every trainable
    // element ('all' and the 4 kinds).
    const lenetCurves = first.curves.filter((r) => r.runId === lenetRun.runId);
    assert.equal(lenetCurves.length, config.tolerance.relativeGrid.length * 4 + config.tolerance.absoluteGrid.length * 5);
    assert.deepEqual([...new Set(lenetCurves.filter((r) => r.mode === 'relative').map((r) => r.group))].sort(), ['all', 'conv-bias', 'conv-weight', 'dense-weight']);
    // init → after epoch 1 → after epoch 2 (= last): 2 steps per run.
    assert.equal(first.snapshotDistances.length, 2 * cells.length);
    // One sample per architecture × optimiser, plus the ResNet without BN where the BN test trained it (Adam only at tiny).
    assert.equal(first.histograms.length, 3 * 2 + 1);
    // tiny has no convergence criterion: every run that did not diverge counts; BN pairs by seed, widths per seed.
    assert.ok(first.runs.every((r) => r.criterion === null && r.meetsCriterion));
    assert.equal(first.verdict.batchNorm?.effects.length, 1);
    assert.equal(first.verdict.batchNorm?.effects[0]?.value.n, 2);
    assert.deepEqual(first.verdict.width?.widths, [4, 8]);
    assert.equal(first.verdict.width?.effects[0]?.value.n, 2);
    // Zero-start elements (LeNet: dense and conv biases) are counted apart from the weights.
    assert.ok(lenetRun.zeroStartElements > 0);
    assert.ok(lenetRun.unchangedWeights !== null && lenetRun.unchangedWeights >= 0 && lenetRun.unchangedWeights <= 1);
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
    const row = first.runs.find((r) => r.cacheKey === run.key) as PcRun;
    assert.ok(Math.abs(Math.sqrt(sq) - (row.distance as number)) <= 1e-6 * (row.distance as number));
    const data = await parameterChangeData(cell);
    const evaluation = await evaluateModel(model, data.test, { batchSize: 32 });
    assert.equal(evaluation.accuracy, row.testAccuracy);
    model.dispose();
    fresh.dispose();
  });

  it('a second run reuses every cached model and gives identical numbers', async () => {
    const second = await runParameterChange(config, { cacheRoot, progress: false });
    assert.equal(second.trainedRuns, 0);
    assert.ok(second.runs.every((r) => r['fromCache'] === true));
    const strip = (rows: PcRun[]): Omit<PcRun, 'fromCache'>[] => rows.map(({ fromCache: _f, ...rest }) => rest);
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
    const titles = [/^Share of trainable parameters changed vs relative tolerance/, /^Share of trainable parameters changed vs absolute tolerance/, /^% of weights unchanged at/,
      /^VGG: relative change per layer/, /^Distance between consecutive snapshots/, /^ResNet.* weights, .*: changed vs unchanged/, /^Lazy-training check/];
    figures.forEach((f, i) => assertFigureContent(f, { minTraces: 1, title: titles[i] }));
    // LeNet × 2 optimisers in the curve figure, one heatmap row per VGG layer with parameters.
    assert.equal(parameterChangeCurveFigure(first).data.filter((t) => t.name?.startsWith('LeNet-5') && !t.name.includes('CI')).length, 2);
  });
});

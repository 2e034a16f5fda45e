import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {








  RESIDUAL_PLACEMENTS,


  runLinearCollapse,
  runReceptiveFields,
  runVanishingGradients,



  budgetFigure,
  gradientsAtInitFigure,
  gradientsDuringTrainingFigure,
  placementFigure,
  receptiveFieldMapsFigure,
  stackedKernelsFigure,
  trainingCurvesFigure,


  transferVerdict,
  transferConfig,
} from '../../../lib/src/experiments/architectures/index';
import {
  freezeFirstConvLayers,
  nearestCentroidDomainAccuracy,
  runTransfer,
  transferCnn,
} from '../../../lib/src/experiments/architectures/transfer';
import { convStackGeometry, countParameters, initializeModel, type ConvStackLayer } from '../../../lib/src/models/index';
import { locateDataset } from '../../../lib/src/data/locations';
import { takeSnapshot, writeSnapshot } from '../../../lib/src/probe/snapshot';
import { meanCIByGroup } from '../../../lib/src/report/groups';
import type { Row } from '../../../lib/src/report/table';
import { train } from '../../../lib/src/train/loop';
import { sourceFromArrays } from '../../../lib/src/data/source';
import { createRng } from '../../../lib/src/util/random';
import { transferSweepFigure, domainGapFigure } from '../../../lib/src/experiments/architectures/figures';
import { blockSummary, residualPlacementBlock, residualPlacementSignals, placementStack, BLOCK_FAMILIES, widthForBudget, budgetNet } from '../../../lib/src/experiments/architectures/blocks';
import { architecturesConfig } from '../../../lib/src/experiments/architectures/config';
import { measureReceptiveField, stackedVersusLargeKernels } from '../../../lib/src/experiments/architectures/geometry';
import { VanishingGradientsConfig } from '../../../lib/src/experiments/architectures/gradients';
import { LinearConv, composeLinearConvs, linearCollapseCheck, pointwiseConvCheck } from '../../../lib/src/experiments/architectures/linear';
import { assertFigureContent, traceY } from '../../plot/figureContent';

function conv(values: number[], shape: [number, number, number, number], bias: number[], stride = 1): LinearConv {
  return { kernel: { values: Float64Array.from(values), shape }, bias: Float64Array.from(bias), stride };
}

function datasetPresent(name: 'mnist' | 'fashion-mnist' | 'cifar10'): boolean {
  try {
    locateDataset(name, 'train');
    return true;
  } catch {
    return false;
  }
}

describe('experiments/architectures: linear collapse', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('composes two 2×2 kernels by hand: K[w] = Σ_{u+v=w} k1[u]·k2[v], bias b2 + Σ k2·b1', () => {
    // 1 channel: k1 = [[1,2],[3,4]], k2 = identity diagonal [[1,0],[0,1]] → k1 placed at (0,0) plus k1 at (1,1).
    const first = conv([1, 2, 3, 4], [2, 2, 1, 1], [0.5]);
    const second = conv([1, 0, 0, 1], [2, 2, 1, 1], [-1]);
    const c = composeLinearConvs(first, second);
    assert.deepEqual(c.kernel.shape, [3, 3, 1, 1]);
    assert.deepEqual(Array.from(c.kernel.values), [1, 2, 0, 3, 5, 2, 0, 3, 4]);
    assert.deepEqual(Array.from(c.bias), [-1 + 2 * 0.5]);
    assert.equal(c.stride, 1);
    // With a stride-2 first conv the second kernel is dilated by 2: 2 + 2·(2−1) = 4 wide, stride 2·3.
    const strided = composeLinearConvs({ ...first, stride: 2 }, { ...second, stride: 3 });
    assert.deepEqual(strided.kernel.shape, [4, 4, 1, 1]);
    assert.deepEqual(Array.from(strided.kernel.values), [1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4]);
    assert.equal(strided.stride, 6);
    assert.throws(() => composeLinearConvs(first, conv([1, 1], [1, 1, 2, 1], [0])), /1 output channels, the second takes 2/);
  });

  it('two linear convs equal the composed conv to float32 precision (also strided), a ReLU in between breaks it', () => {
    const cases = architecturesConfig('tiny').linear.cases;
    const before = tf.memory().numTensors;
    for (const [i, c] of cases.entries()) {
      const r = linearCollapseCheck(c, 10 + i);
      assert.ok(r.maxAbsError < 1e-5 * Math.max(1, r.maxAbsOutput), `${r.case}: error ${r.maxAbsError}`);
      assert.ok(r.withReluMaxAbsDifference > 0.1, `${r.case}: ReLU difference only ${r.withReluMaxAbsDifference}`);
      assert.equal(r.composedKernel, c.kernels[0] + c.strides[0] * (c.kernels[1] - 1));
      assert.equal(r.composedStride, c.strides[0] * c.strides[1]);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('a 1×1 conv is a matmul over channels; conv1×1→conv1×1 stays affine, with a ReLU it does not', () => {
    const before = tf.memory().numTensors;
    const r = pointwiseConvCheck({ height: 5, width: 4, inChannels: 6, outChannels: 3, hiddenChannels: 8 }, 1);
    assert.ok(r.matmulMaxAbsError < 1e-5, `matmul error ${r.matmulMaxAbsError}`);
    assert.equal(r.parameters, 6 * 3 + 3);
    assert.ok(r.linearStackUnexplained < 1e-8, `linear stack leaves ${r.linearStackUnexplained} unexplained`);
    assert.ok(r.reluStackUnexplained > 0.02, `ReLU stack leaves only ${r.reluStackUnexplained} unexplained`);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('experiments/architectures: receptive fields', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('the gradient-measured receptive field equals the analytic one (strides, pools, dilation, padding)', () => {
    const stacks: [string, ConvStackLayer[], number][] = [
      ['3 × 3×3', ['a', 'b', 'c'].map((name): ConvStackLayer => ({ name, type: 'conv', kernel: 3, padding: 'same', filters: 2 })), 21],
      ['strided + pool', [
        { name: 'c1', type: 'conv', kernel: 5, stride: 2, padding: 2, filters: 2 },
        { name: 'p1', type: 'maxpool', kernel: 3, stride: 2 },
        { name: 'c2', type: 'conv', kernel: 3, padding: 1, filters: 2 },
      ], 41],
      ['dilated + depthwise', [
        { name: 'c1', type: 'conv', kernel: 3, dilation: 3, filters: 2 },
        { name: 'd1', type: 'depthwise', kernel: 3 },
        { name: 'p1', type: 'avgpool', kernel: 2 },
      ], 33],
    ];
    const before = tf.memory().numTensors;
    for (const [name, layers, size] of stacks) {
      const input = { height: size, width: size, channels: 2 };
      const rows = convStackGeometry(layers, input);
      const last = rows[rows.length - 1];
      const m = measureReceptiveField(layers, input);
      assert.equal(m.height, last?.receptiveField, name);
      assert.equal(m.width, last?.receptiveField, name);
      // The first input row seen by output unit r is firstCenter + r·jump − (RF − 1)/2.
      const top = (last?.firstCenter as number) + m.outputRow * (last?.jump as number) - ((last?.receptiveField as number) - 1) / 2;
      assert.equal(m.top, top, name);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('with unit weights the gradient counts paths: two stacked 3×3 convs give (1,2,3,2,1)⊗(1,2,3,2,1)', () => {
    const layers: ConvStackLayer[] = [
      { name: 'a', type: 'conv', kernel: 3, padding: 'same', filters: 1 },
      { name: 'b', type: 'conv', kernel: 3, padding: 'same', filters: 1 },
    ];
    const m = measureReceptiveField(layers, { height: 9, width: 9, channels: 1 });
    const profile = [0, 0, 1, 2, 3, 2, 1, 0, 0];
    for (let r = 0; r < 9; r++) for (let c = 0; c < 9; c++) assert.equal(m.gradient[r * 9 + c], (profile[r] as number) * (profile[c] as number), `(${r}, ${c})`);
  });

  it('stacked 3×3 vs one k×k: same receptive field, 9n/k² of the weights', () => {
    const rows = stackedVersusLargeKernels([3, 5, 7, 11], 16, 20);
    for (const r of rows) {
      const k = r['receptiveField'] as number;
      const n = (k - 1) / 2;
      assert.equal(r['largeReceptiveField'], k);
      assert.equal(r['stackedReceptiveField'], k);
      assert.equal(r['largeParameters'], k * k * 16 * 16);
      assert.equal(r['stackedParameters'], 9 * n * 16 * 16);
      assert.equal(r['largeMacs'], 400 * k * k * 256);
    }
    assert.throws(() => stackedVersusLargeKernels([4], 8, 8), /odd integers/);
  });

  it('runReceptiveFields measures AlexNet (195) and VGG-16 (212) as computed', () => {
    const r = runReceptiveFields({ kernels: [5, 7], channels: 8, size: 16, measureClassic: true });
    const byName = new Map(r.classic.map((x) => [x['stack'], x]));
    assert.equal(byName.get('AlexNet (one GPU)')?.['measuredHeight'], 195);
    assert.equal(byName.get('AlexNet (two-GPU split)')?.['parameters'], 2334080);
    assert.equal(byName.get('VGG-16')?.['measuredWidth'], 212);
    assert.deepEqual(r.maps.map((m) => m.measured.height), [7, 7, 13]);
    assert.ok(receptiveFieldMapsFigure(r.maps).data.length === 3);
    assert.equal(stackedKernelsFigure(r.stackedVsLarge).data.length, 2);
  });
});

describe('experiments/architectures: blocks', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('block table: parameters of every block equal the hand formula; output shapes as designed', () => {
    const rows = blockSummary([8, 8, 32], 8);
    for (const r of rows) assert.equal(r.learnedParameters, r.formulaParameters, r.block);
    const out = new Map(rows.map((r) => [r.block, r.output]));
    assert.equal(out.get('ResNet basic'), '8×8×32');
    assert.equal(out.get('ResNet basic, stride 2, C→2C'), '4×4×64');
    assert.equal(out.get('DenseNet block (4 layers, k = 8)'), `8×8×${32 + 4 * 8}`);
    // Inception (3a) widths scaled by 32/192: 11 + 21 + 5 + 5 output channels.
    assert.equal(out.get('Inception (3a widths × 0.17)'), `8×8×${Math.round(64 / 6) + Math.round(128 / 6) + Math.round(32 / 6) + Math.round(32 / 6)}`);
    const sep = rows.find((r) => r.block === 'depthwise-separable 3×3');
    const full = rows.find((r) => r.block === 'conv 3×3 + BN + ReLU');
    // MobileNet's cost ratio 1/C + 1/9 for the convs (MACs).
    assert.equal((sep?.macs as number) / (full?.macs as number), (9 * 32 + 32 * 32) / (9 * 32 * 32));
    assert.throws(() => blockSummary([8, 8, 30], 8), /divisible by 4/);
  });

  it('the five BN/add/ReLU placements: same weights; relu-before-add only adds, full pre-activation is the identity when its last conv is 0', () => {
    const counts = RESIDUAL_PLACEMENTS.map((placement) => {
      const x = tf.input({ shape: [6, 6, 4] });
      const m = tf.model({ inputs: x, outputs: residualPlacementBlock(x, { name: 'b', placement }) });
      initializeModel(m, { scheme: 'kaiming-normal', seed: 3 });
      const input = tf.randomNormal([3, 6, 6, 4], 0, 1, 'float32', 5);
      const y = m.apply(input, { training: true }) as tf.Tensor;
      const diff = tf.sub(y, input);
      if (placement === 'relu-before-add') assert.ok((tf.min(diff).dataSync()[0] as number) >= 0, 'residual branch must be ≥ 0');
      if (placement === 'original' || placement === 'bn-after-add') assert.ok((tf.min(y).dataSync()[0] as number) >= 0, `${placement} ends with a ReLU`);
      if (placement === 'full-preactivation') {
        const k = m.getLayer('b_conv2').getWeights()[0] as tf.Tensor;
        m.getLayer('b_conv2').setWeights([tf.zerosLike(k)]);
        const y0 = m.apply(input, { training: true }) as tf.Tensor;
        assert.equal(tf.max(tf.abs(tf.sub(y0, input))).dataSync()[0], 0);
      }
      const n = countParameters(m, { trainableOnly: true });
      m.dispose();
      return n;
    });
    for (const n of counts) assert.equal(n, 2 * 9 * 16 + 2 * 2 * 4);
  });

  it('placement signals: one row per placement × seed × block, finite, no tensor leak', () => {
    const before = tf.memory().numTensors;
    const rows = residualPlacementSignals({ blocks: 3, channels: 4, size: 4, batch: 8, seeds: [0, 1] });
    assert.equal(rows.length, RESIDUAL_PLACEMENTS.length * 2 * 3);
    for (const r of rows) for (const key of ['outputMean', 'outputStd', 'conv1Gradient']) assert.ok(Number.isFinite(r[key] as number), `${r['placement']} ${key}`);
    // relu-before-add only adds non-negative branches: the mean cannot decrease from block to block.
    const mean = meanCIByGroup(rows.filter((r) => r['placement'] === 'relu-before-add'), ['block'], 'outputMean').map((r) => r['mean'] as number);
    for (let b = 1; b < mean.length; b++) assert.ok((mean[b] as number) >= (mean[b - 1] as number) - 1e-6);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(placementFigure(rows).data.length, 3 * RESIDUAL_PLACEMENTS.length);
    const m = placementStack('original', { blocks: 2, channels: 4, size: 4, batch: 2, seeds: [0] }, 0);
    assert.deepEqual(m.outputs[0]?.shape, [null, 10]);
    m.dispose();
  });

  it('budget nets: every family classifies 32×32×3 into 10 classes; widthForBudget picks the closest width', () => {
    for (const family of BLOCK_FAMILIES) {
      const { width, parameters } = widthForBudget(family, 3000, 10, 40);
      const count = (w: number): number => {
        const m = budgetNet(family, w, { classes: 10, seed: 0 });
        const n = countParameters(m, { trainableOnly: true });
        assert.deepEqual(m.outputs[0]?.shape, [null, 10], family);
        m.dispose();
        return n;
      };
      assert.equal(count(width), parameters, family);
      for (const other of [width - 1, width + 1]) {
        if (other >= 1) assert.ok(Math.abs(count(other) - 3000) >= Math.abs(parameters - 3000), `${family}: width ${other} is closer`);
      }
    }
    assert.throws(() => budgetNet('plain', 0, { classes: 10, seed: 0 }), /width must be a positive integer/);
  });

  it('budgetFigure draws one bar per family with CIs', () => {
    const summary: Row[] = BLOCK_FAMILIES.map((family, i) => ({ family, width: i + 1, parameters: 1000, macs: 1, testAccuracy: 0.3, lo: 0.2, hi: 0.4, seeds: 2 }));
    const fig = budgetFigure({ runs: [], summary, trainedRuns: 0, elapsedMs: 0 });
    assert.equal((fig.data[0] as { x: string[] }).x.length, BLOCK_FAMILIES.length);
  });
});

describe('experiments/architectures: vanishing gradients (trains, caches)', function () {
  this.timeout(120_000);
  const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-arch-cache-'));
  after(() => fs.rmSync(cacheRoot, { recursive: true, force: true }));
  before(async function () {
    await tf.setBackend('cpu');
    if (!datasetPresent('mnist')) this.skip();
  });

  it('plain sigmoid gradients vanish towards the input, residual ones do not; second run comes from the cache', async () => {
    const base = architecturesConfig('tiny').gradients;
    const config: VanishingGradientsConfig = { ...base, depth: 10, width: 16, initSeeds: [0, 1, 2], trainSeeds: [0], epochs: 1, maxStepsPerEpoch: 2, recordEverySteps: 1 };
    const before = tf.memory().numTensors;
    const r = await runVanishingGradients(config, { cacheRoot });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(r.initNorms.length, config.variants.length * 3 * config.depth);
    const s = new Map(r.summary.map((x) => [x['variant'], x]));
    // σ' ≤ 1/4 per layer: 9 layers of sigmoid shrink the gradient by orders of magnitude.
    assert.ok((s.get('plain-sigmoid')?.['log10FirstOverLast'] as number) < -2, `plain sigmoid ${s.get('plain-sigmoid')?.['log10FirstOverLast']}`);
    assert.ok((s.get('residual-sigmoid')?.['log10FirstOverLast'] as number) > -1, `residual sigmoid ${s.get('residual-sigmoid')?.['log10FirstOverLast']}`);
    assert.equal(r.history.length, config.variants.length * 1 * 1);
    assert.equal(r.trainedRuns, config.variants.length);
    assert.ok(r.trainingNorms.length === config.variants.length * 2 * config.depth);
    assert.equal(gradientsAtInitFigure(r).data.length, 2 * config.variants.length); // line + CI band each
    assert.equal(gradientsDuringTrainingFigure(r, config.depth).data.length, 2 * config.variants.length);
    assert.ok(trainingCurvesFigure(r).data.length >= config.variants.length * 2);
    const again = await runVanishingGradients(config, { cacheRoot });
    assert.equal(again.trainedRuns, 0);
    assert.deepEqual(again.history, r.history);
  });
});

describe('experiments/transfer', function () {
  this.timeout(120_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

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
    const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-transfer-cache-'));
    try {
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
    } finally {
      fs.rmSync(cacheRoot, { recursive: true, force: true });
    }
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

describe('experiments/architectures: config and section runner', () => {
  it('scales validate and runLinearCollapse covers every case', () => {
    for (const s of ['tiny', 'quick', 'full'] as const) {
      const c = architecturesConfig(s);
      assert.equal(c.scale, s);
      assert.ok(c.budget.families.length === BLOCK_FAMILIES.length);
      const t = transferConfig(s);
      assert.ok(t.freezeLevels.includes(0) && t.freezeLevels.includes(4));
    }
    assert.throws(() => architecturesConfig('tiny', { gradients: { depth: 1 } }), /depth must be ≥ 2/);
    const r = runLinearCollapse(architecturesConfig('tiny').linear);
    assert.equal(r.collapse.length, architecturesConfig('tiny').linear.cases.length);
  });
});

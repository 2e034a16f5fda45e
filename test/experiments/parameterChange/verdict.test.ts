import { strict as assert } from 'assert';
import { parameterChangeConfig, type PcArchitecture, type PcDataset, type PcOptimizer } from '../../../lib/src/experiments/parameterChange/config';
import type { PcRun } from '../../../lib/src/experiments/parameterChange/run';
import { parameterChangeVerdictMarkdown, parameterChangeProtocolTable, intervalText } from '../../../lib/src/experiments/parameterChange/text';
import { parameterChangeVerdict, welchInteraction } from '../../../lib/src/experiments/parameterChange/verdict';
import { oneSampleTTest } from '../../../lib/src/stats/multiple';

// A standard-scale design cut to one dataset so that hand-made records stay readable: 3 nets × 2 optimisers × 5 seeds.
const config = parameterChangeConfig('standard', { datasets: ['cifar10'], batchNormTest: null, widthTest: null, seedRecipeTest: null });

function run(o: Partial<PcRun> & { architecture: PcArchitecture; optimizer: PcOptimizer; seed: number }): PcRun {
  const dataset: PcDataset = o.dataset ?? 'cifar10';
  return {
    runId: `${o.architecture}/${o.optimizer}/${dataset}/s${o.seed}`, width: 8, batchNorm: o.architecture === 'resnet18', init: 'kaiming-uniform',
    recipe: 'tuned', dataset, inGrid: true, inBatchNormTest: false, inWidthTest: false, inSeedRecipe: false,
    distance: 1, relativeDistance: 0.1, changeRate: 0.1, changedFraction: 0.5, unchangedFraction: 0.5, unchangedWeights: 0.5,
    zeroStartElements: 10, zeroStartChanged: 1, distanceLast: 1, changeRateLast: 0.1, changedFractionLast: 0.5,
    rtolFor60Unchanged: 1e-2, rtolFor90Changed: 1e-3, rtolFor50Unchanged: 1e-2,
    cacheKey: 'k', trainableParameters: 100, diverged: false, epochsRun: 5, bestEpoch: 4, bestValAccuracy: 0.5, trainAccuracy: 0.5,
    lastTrainLoss: 1, testAccuracy: 0.5, testLoss: 1, criterion: 0.4, meetsCriterion: true, trainSeconds: 1, fromCache: false,
    ...o,
  };
}

const seeds = [0, 1, 2, 3, 4];
/** Grid records with the given unchanged shares per architecture (one value per seed, both optimisers). */
function grid(shares: Record<PcArchitecture, number[]>, extra: (a: PcArchitecture, o: PcOptimizer, s: number) => Partial<PcRun> = () => ({})): PcRun[] {
  return (['lenet5', 'vgg', 'resnet18'] as const).flatMap((architecture) => (['sgd', 'adam'] as const).flatMap((optimizer) =>
    seeds.map((seed) => run({ architecture, optimizer, seed, unchangedWeights: shares[architecture][seed] as number, ...extra(architecture, optimizer, seed) }))));
}

describe('parameterChange verdict (hand-made records)', () => {
  it("holds when every ResNet group is above 60% and every LeNet / VGG group below 10% unchanged, after Holm", () => {
    const v = parameterChangeVerdict(grid({ lenet5: [0.02, 0.03, 0.01, 0.02, 0.04], vgg: [0.05, 0.04, 0.06, 0.05, 0.03], resnet18: [0.8, 0.82, 0.79, 0.85, 0.81] }), config);
    assert.equal(v.resnetUnchanged.status, 'holds');
    assert.equal(v.lenetVggChanged.status, 'holds');
    assert.equal(v.headlineStatus, 'holds');
    // One interval per architecture × dataset × optimiser: never pooled, each with its own n.
    assert.equal(v.resnetUnchanged.cells.length, 2);
    assert.equal(v.lenetVggChanged.cells.length, 4);
    for (const c of [...v.resnetUnchanged.cells, ...v.lenetVggChanged.cells]) assert.equal(c.value.n, 5);
    // k = 6 cells in one family: each p is at most multiplied by 6, and never made smaller.
    const c = v.resnetUnchanged.cells[0];
    const p = oneSampleTTest([0.8, 0.82, 0.79, 0.85, 0.81], 0.6).p;
    assert.ok(c !== undefined && Math.abs(c.p - p) < 1e-12 && c.pHolm >= p && c.pHolm <= 6 * p + 1e-15);
    assert.equal(v.resnetUnchanged.k + v.lenetVggChanged.k, 6);
    assert.equal(v.excludedModels, 0);
  });

  it('fails when a ResNet group is clearly below 60% unchanged', () => {
    const v = parameterChangeVerdict(grid({ lenet5: [0.02, 0.03, 0.01, 0.02, 0.04], vgg: [0.05, 0.04, 0.06, 0.05, 0.03], resnet18: [0.2, 0.22, 0.19, 0.25, 0.21] }), config);
    assert.equal(v.resnetUnchanged.status, 'fails');
    assert.equal(v.headlineStatus, 'fails');
  });

  it('is inconclusive when a ResNet group straddles 60%', () => {
    const v = parameterChangeVerdict(grid({ lenet5: [0.02, 0.03, 0.01, 0.02, 0.04], vgg: [0.05, 0.04, 0.06, 0.05, 0.03], resnet18: [0.5, 0.7, 0.62, 0.55, 0.66] }), config);
    assert.equal(v.resnetUnchanged.status, 'inconclusive');
    assert.equal(v.headlineStatus, 'inconclusive');
  });

  it('leaves models below their criterion out, counts them, and is inconclusive below 5 models a group', () => {
    const records = grid({ lenet5: [0.02, 0.03, 0.01, 0.02, 0.04], vgg: [0.05, 0.04, 0.06, 0.05, 0.03], resnet18: [0.8, 0.82, 0.79, 0.85, 0.81] },
      (a, o, s) => (a === 'resnet18' && o === 'sgd' && s === 0 ? { meetsCriterion: false, testAccuracy: 0.3 } : {}));
    const v = parameterChangeVerdict(records, config);
    const sgd = v.resnetUnchanged.cells.find((c) => c.optimizer === 'sgd');
    assert.equal(sgd?.value.n, 4);
    assert.equal(sgd?.excluded, 1);
    assert.equal(sgd?.status, 'inconclusive');
    assert.equal(v.resnetUnchanged.status, 'inconclusive');
    assert.equal(v.excludedModels, 1);
    assert.match(parameterChangeVerdictMarkdown(v), /Models excluded \(below their convergence criterion\): 1\./);
  });

  it('clips share intervals to [0, 1] and prints n with every interval', () => {
    const v = parameterChangeVerdict(grid({ lenet5: [0, 0, 0, 0.01, 0.08], vgg: [0.05, 0.04, 0.06, 0.05, 0.03], resnet18: [0.8, 0.82, 0.79, 0.85, 0.81] }), config);
    const lenet = v.lenetVggChanged.cells.find((c) => c.architecture === 'lenet5');
    assert.equal(lenet?.value.lo, 0);
    const text = parameterChangeVerdictMarkdown(v);
    assert.match(text, /n = 5 \(t 95%\)/);
    assert.match(text, /scale standard/);
    assert.equal(intervalText({ mean: 0.5, lo: NaN, hi: NaN, n: 1, method: 'one value' }), '50.0% (n = 1, no interval)');
  });

  it('SGD vs Adam: paired by seed, holds when Adam ends farther in every ResNet group', () => {
    const records = grid({ lenet5: [0, 0, 0, 0, 0], vgg: [0, 0, 0, 0, 0], resnet18: [0.8, 0.8, 0.8, 0.8, 0.8] },
      (a, o, s) => ({ distance: o === 'sgd' ? 1 + 0.1 * s : (1 + 0.1 * s) * (a === 'resnet18' ? 3 + 0.1 * s : 1 + 0.3 * (s - 2)) }));
    const v = parameterChangeVerdict(records, config);
    const r = v.sgdVsAdam.effects.find((e) => e.architecture === 'resnet18');
    // log(Adam/SGD) per seed = log(3 + 0.1 s): the pair is the unit (n = 5 pairs, not 10 models).
    assert.equal(r?.value.n, 5);
    assert.ok(Math.abs((r?.value.mean as number) - seeds.reduce((s, k) => s + Math.log(3 + 0.1 * k), 0) / 5) < 1e-12);
    assert.equal(v.sgdVsAdam.status, 'holds');
    // LeNet's log ratios straddle 0; the ResNet − LeNet interaction is a Welch test of the two groups of pairs.
    const inter = v.sgdVsAdam.interactions.find((i) => i.label === 'cifar10: ResNet − lenet5');
    assert.ok(inter !== undefined && inter.p < 0.05 && inter.difference.lo > 0);
  });

  it('BN test: per optimiser paired differences, holds when BN keeps more unchanged; width slope per seed', () => {
    // Both optimisers in the BN test (the standard scale runs Adam only), so that the interaction is tested too.
    const cfg = parameterChangeConfig('standard', { datasets: ['cifar10'], seedRecipeTest: null, batchNormTest: { datasets: ['cifar10'], optimizers: ['sgd', 'adam'], inits: ['kaiming-uniform'], seeds: [0, 1, 2, 3, 4] } });
    const base = grid({ lenet5: [0, 0, 0, 0, 0], vgg: [0, 0, 0, 0, 0], resnet18: [0.8, 0.82, 0.79, 0.85, 0.81] },
      (a) => (a === 'resnet18' ? { inBatchNormTest: true, inWidthTest: true } : {}));
    const noBn = (['sgd', 'adam'] as const).flatMap((optimizer) => seeds.map((seed) =>
      run({ architecture: 'resnet18', optimizer, seed, batchNorm: false, inGrid: false, inBatchNormTest: true, unchangedWeights: 0.1 + 0.01 * seed })));
    // Relative distance ∝ width^(−0.5) with a little seed noise: lazy training's sign.
    const widths = [4, 16].flatMap((width) => seeds.map((seed) =>
      run({ architecture: 'resnet18', optimizer: 'adam', seed, width, inGrid: false, inWidthTest: true, relativeDistance: 0.1 * (width / 8) ** (-0.5 + 0.01 * seed) })));
    const v = parameterChangeVerdict([...base, ...noBn, ...widths], cfg);
    assert.equal(v.batchNorm?.effects.length, 2);
    assert.equal(v.batchNorm?.effects[0]?.value.n, 5);
    assert.equal(v.batchNorm?.status, 'holds');
    assert.ok(v.batchNorm?.interaction !== null && v.batchNorm?.interaction !== undefined);
    // Grid ResNets have relativeDistance 0.1 at width 8: slopes −0.5 + 0.01 s, all negative.
    assert.equal(v.width?.effects[0]?.value.n, 5);
    assert.ok(Math.abs((v.width?.effects[0]?.value.mean as number) - (-0.5 + 0.02)) < 1e-9);
    assert.equal(v.width?.status, 'holds');
  });

  it("welchInteraction gives SciPy's Welch p and an interval around the difference", () => {
    // scipy.stats.ttest_ind([1, 2, 3.5, 4], [2, 2.5, 7, 8, 9.1], equal_var=False): t = -1.920413360308976, p = 0.1065530594806989
    const w = welchInteraction('x', [1, 2, 3.5, 4], [2, 2.5, 7, 8, 9.1]);
    assert.ok(Math.abs(w.p - 0.1065530594806989) < 1e-9);
    // ….confidence_interval() = (-7.105538658222142, 0.9155386582221405)
    assert.ok(Math.abs(w.difference.lo - -7.105538658222142) < 1e-8);
    assert.ok(Math.abs(w.difference.hi - 0.9155386582221405) < 1e-8);
    assert.equal(w.difference.n, 9);
    // Both groups constant: the difference is exact (SciPy gives NaN).
    const c = welchInteraction('c', [0.8, 0.8, 0.8], [0.5, 0.5]);
    assert.equal(c.p, 0);
    assert.ok(Math.abs(c.difference.lo - 0.3) < 1e-12 && Math.abs(c.difference.hi - 0.3) < 1e-12);
  });

  it('prints "tiny: no verdict" at tiny and the protocol table names every difference', () => {
    const tiny = parameterChangeConfig('tiny');
    const v = parameterChangeVerdict([], tiny);
    assert.ok(parameterChangeVerdictMarkdown(v).split('\n').filter((l) => l.startsWith('- “')).every((l) => l.endsWith('tiny: no verdict.')));
    const table = parameterChangeProtocolTable(parameterChangeConfig('standard'));
    assert.deepEqual(table.map((r) => r.aspect), ['nets', 'data', 'convergence', 'optimisers', "seed's settings", 'inits', 'seeds', 'BN test', 'width test', 'unchanged']);
  });
});

import { strict as assert } from 'assert';
import { canonicalJson } from '../../../lib/src/store/cache';
import { parameterChangeConfig, parameterChangeCells, parameterChangeCellKey, plannedCells, SEED_RECIPES, STANDARD_CRITERIA, STANDARD_LR_SWEEP, TUNED_OPTIMIZERS, NO_BN_OPTIMIZERS, NO_BN_LR_SWEEP, scheduledLr, cellOf, PC_ARCHITECTURES, PC_DATASETS, PC_OPTIMIZERS } from '../../../lib/src/experiments/parameterChange/config';
import { parameterChangeTrainConfig } from '../../../lib/src/experiments/parameterChange/run';

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
    assert.throws(() => parameterChangeConfig('huge' as 'tiny'), /scale must be tiny, quick, standard or full; got 'huge'/);
  });

  it('standard: 3 datasets, ≥ 5 seeds in every group, tuned lrs, the seed recipes, criteria for every net × dataset', () => {
    const config = parameterChangeConfig('standard');
    assert.deepEqual(config.datasets, ['mnist', 'fashion-mnist', 'cifar10']);
    assert.ok(config.seeds.length >= 5);
    const planned = plannedCells(config);
    // Every group (architecture × dataset × optimiser × study) has ≥ 5 models.
    const groups = new Map<string, number>();
    for (const p of planned) {
      const c = p.cell;
      const k = `${c.architecture}|${c.width}|${c.batchNorm}|${c.dataset}|${c.optimizerName}|${c.recipe ?? 'tuned'}`;
      groups.set(k, (groups.get(k) ?? 0) + 1);
    }
    for (const [k, n] of groups) assert.ok(n >= 5, `${k}: ${n} models`);
    // The grid uses one lr per architecture × optimiser, not the seed's shared 0.005.
    for (const a of PC_ARCHITECTURES) {
      assert.notDeepEqual(config.optimizerSettings[a].sgd, config.optimizerSettings[a].adam);
      for (const d of PC_DATASETS) assert.ok(STANDARD_CRITERIA[a][d] > 0.1 && STANDARD_CRITERIA[a][d] < 1);
    }
    assert.deepEqual(config.criteria, STANDARD_CRITERIA);
    // Seed-recipe cells carry the seed's own optimiser and a distinct id; every other cell has no `recipe` key.
    const seedCells = planned.filter((p) => p.membership.inSeedRecipe).map((p) => p.cell);
    assert.equal(seedCells.length, 5);
    for (const c of seedCells) {
      assert.equal(c.recipe, 'seed');
      assert.deepEqual(c.optimizer, SEED_RECIPES[c.architecture].settings);
      assert.equal(c.optimizerName, SEED_RECIPES[c.architecture].optimizer);
    }
    for (const p of planned.filter((x) => !x.membership.inSeedRecipe)) assert.ok(!('recipe' in p.cell));
    assert.equal(new Set(planned.map((p) => p.key)).size, planned.length);
    // Grid 3 × 3 × 2 × 5 = 90; BN test (Adam) 5 without BN; width test 1 extra width × 5; the ResNet's seed recipe 5.
    assert.equal(planned.length, 90 + 5 + 5 + 5);
    // Adam only: no lr of the no-BN sweep brings the SGD ResNet to its criterion.
    assert.deepEqual(config.batchNormTest?.optimizers, ['adam']);
    const bestSgdNoBn = Math.max(...NO_BN_LR_SWEEP.filter((p) => p.optimizer === 'sgd').map((p) => p.bestValAccuracy));
    assert.ok(bestSgdNoBn < STANDARD_CRITERIA.resnet18.cifar10);
  });

  it('each tuned lr is the best of its sweep (validation accuracy), as TUNED_OPTIMIZERS says', () => {
    for (const a of PC_ARCHITECTURES) {
      for (const o of PC_OPTIMIZERS) {
        const points = STANDARD_LR_SWEEP.filter((p) => p.architecture === a && p.optimizer === o);
        assert.ok(points.length >= 3, `${a} ${o}: ${points.length} sweep points`);
        const best = points.reduce((x, y) => (y.bestValAccuracy > x.bestValAccuracy ? y : x));
        assert.equal(TUNED_OPTIMIZERS[a][o].lr, best.lr, `${a} ${o}`);
      }
    }
  });

  it("a cell without a recipe has the same canonical JSON as before the field existed (quick caches stay valid)", () => {
    const c = cellOf(parameterChangeConfig('quick'), { architecture: 'lenet5', init: 'kaiming-uniform', optimizer: 'sgd', dataset: 'mnist', seed: 0 });
    assert.ok(!canonicalJson(c).includes('recipe'));
    assert.throws(() => cellOf(parameterChangeConfig('standard'), { architecture: 'lenet5', init: 'kaiming-uniform', optimizer: 'adam', dataset: 'mnist', seed: 0, recipe: 'seed' }), /the seed trained lenet5 with sgd, not adam/);
  });
  it('the cosine schedule starts at the peak lr, halves it mid-way and ends near 0; constant stays at the peak', () => {
    assert.equal(scheduledLr('cosine', 0.03, 0, 8), 0.03);
    assert.ok(Math.abs(scheduledLr('cosine', 0.03, 4, 8) - 0.015) < 1e-15);
    // (1 + cos(7π/8)) / 2 = 0.0380602…
    assert.ok(Math.abs(scheduledLr('cosine', 1, 7, 8) - 0.03806023374435663) < 1e-12);
    assert.equal(scheduledLr('constant', 0.03, 7, 8), 0.03);
  });

  it('standard cells train under the cosine schedule with their dataset\'s size and epochs; the ResNet without BN gets its own lr; quick cells keep their keys', () => {
    const config = parameterChangeConfig('standard');
    const planned = plannedCells(config);
    const expected = { mnist: [10000, 5], 'fashion-mnist': [20000, 6], cifar10: [10000, 8] } as const;
    for (const { cell } of planned) {
      assert.equal(cell.lrSchedule, 'cosine');
      assert.deepEqual([cell.trainExamples, cell.epochs], expected[cell.dataset], cell.dataset);
      if (cell.architecture === 'resnet18' && !cell.batchNorm) assert.deepEqual(cell.optimizer, NO_BN_OPTIMIZERS[cell.optimizerName]);
      else if (cell.recipe === undefined) assert.deepEqual(cell.optimizer, TUNED_OPTIMIZERS[cell.architecture][cell.optimizerName]);
    }
    assert.equal(planned.filter((p) => p.cell.architecture === 'resnet18' && !p.cell.batchNorm).length, 5);
    assert.throws(() => parameterChangeConfig('standard', { perDataset: { mnist: { trainExamples: 10, epochs: 0 } } }), /perDataset\.mnist\.epochs must be a positive integer; got 0/);
    const train = parameterChangeTrainConfig(planned[0]!.cell);
    assert.ok(train.lrSchedule !== undefined);
    assert.equal(train.lrSchedule(0), planned[0]!.cell.optimizer.lr);
    const last = planned[0]!.cell.epochs - 1;
    assert.ok(Math.abs(train.lrSchedule(last) - scheduledLr('cosine', planned[0]!.cell.optimizer.lr, last, planned[0]!.cell.epochs)) < 1e-15);
    assert.ok(train.lrSchedule(last) < 0.1 * planned[0]!.cell.optimizer.lr);
    for (const scale of ['tiny', 'quick'] as const) {
      for (const cell of parameterChangeCells(parameterChangeConfig(scale))) {
        assert.ok(!canonicalJson(cell).includes('lrSchedule'), `${scale}: a constant-lr cell has no lrSchedule field`);
        assert.equal(parameterChangeTrainConfig(cell).lrSchedule, undefined);
      }
    }
    assert.throws(() => parameterChangeConfig('standard', { training: { lrSchedule: 'step' as 'cosine' } }), /training\.lrSchedule must be 'constant' or 'cosine'; got 'step'/);
  });

  it("the no-BN ResNet's lr is the best of its own sweep", () => {
    for (const o of PC_OPTIMIZERS) {
      const points = NO_BN_LR_SWEEP.filter((p) => p.optimizer === o);
      assert.ok(points.length >= 3, `${o}: ${points.length} sweep points`);
      const best = points.reduce((x, y) => (y.bestValAccuracy > x.bestValAccuracy ? y : x));
      assert.equal(NO_BN_OPTIMIZERS[o].lr, best.lr, o);
    }
  });
});

import { strict as assert } from 'assert';
import { parameterChangeConfig, parameterChangeCells, parameterChangeCellKey } from '../../../lib/src/experiments/parameterChange/config';

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

import { strict as assert } from 'assert';
import * as stats from '../../lib/src/stats/index';

describe('stats/index: the public API', () => {
  it('exports every required function under its exact name', () => {
    // prettier-ignore
    const required = [
      'shapiroWilk', 'welchTTest', 'ks2Samp', 'wasserstein1', 'klHistogram', 'klGaussian', 'pearson', 'spearman',
      'linearCKA', 'hungarian', 'greedyMatch', 'meanCI', 'bootstrapCI', 'linearFit', 'gaussianKDE', 'quantile',
      'mean', 'variance', 'std', 'normalCdf', 'normalSf', 'normalPpf', 'studentTCdf', 'studentTSf', 'studentTPpf',
      'regularizedIncompleteBeta', 'logGamma', 'kolmogorovSf',
    ];
    const table = stats as unknown as Record<string, unknown>;
    for (const name of required) assert.equal(typeof table[name], 'function', `${name} is not exported`);
  });
  it('returns plain objects and numbers for number[] and typed-array input alike', () => {
    const a = [0.1, 0.5, 0.9, 1.3, 2.2, 2.4, 3.1];
    const b = new Float64Array([0.3, 0.2, 1.4, 1.1, 1.9, 2.9, 3.3]);
    const c = new Float32Array(a);
    assert.deepEqual(Object.keys(stats.shapiroWilk(a)), ['w', 'p']);
    assert.deepEqual(Object.keys(stats.welchTTest(a, b)), ['t', 'df', 'p']);
    assert.deepEqual(Object.keys(stats.ks2Samp(c, b)), ['d', 'p']);
    assert.deepEqual(Object.keys(stats.pearson(a, b)), ['r', 'p']);
    assert.deepEqual(Object.keys(stats.spearman(a, c)), ['rho', 'p']);
    assert.deepEqual(Object.keys(stats.linearFit(a, b)), ['a', 'b', 'r2']);
    assert.deepEqual(Object.keys(stats.meanCI(b, 0.9)), ['mean', 'lo', 'hi']);
    assert.equal(typeof stats.wasserstein1(a, b), 'number');
    assert.ok(Array.isArray(stats.gaussianKDE(a, [0, 1])));
  });
});

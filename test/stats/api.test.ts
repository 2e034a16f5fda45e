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
    // moving every value by 1 moves the distribution by exactly 1 in the W1 metric
    assert.ok(Math.abs(stats.wasserstein1(a, a.map((v) => v + 1)) - 1) < 1e-12);
    const density = stats.gaussianKDE(a, [0, 1]);
    assert.ok(Array.isArray(density) && density.length === 2 && density.every((v) => Number.isFinite(v) && v > 0), String(density));
  });
});

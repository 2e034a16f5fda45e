import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { klGaussian, klHistogram } from '../../lib/src/stats/divergence';

interface DivergenceFixture {
  histogram: { name: string; p: number[]; q: number[]; bins: number; eps: number; range?: [number, number]; kl: number }[];
  gaussian: { mu1: number; sd1: number; mu2: number; sd2: number; kl: number }[];
}
const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/stats/divergence.json'), 'utf8'),
) as DivergenceFixture;

function assertClose(actual: number, expected: number, rtol: number, what: string, atol = 0): void {
  const ok = actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected) + atol;
  assert.ok(ok, `${what}: got ${actual}, expected ${expected}`);
}

describe('stats/divergence: klHistogram vs numpy.histogram + scipy.stats.entropy', () => {
  for (const c of fixture.histogram) {
    it(c.name, () => {
      const opts = c.range ? { bins: c.bins, eps: c.eps, range: c.range } : { bins: c.bins, eps: c.eps };
      assertClose(klHistogram(c.p, c.q, opts), c.kl, 1e-6, 'KL', 1e-15);
    });
  }
  it('is 0 for identical samples, positive otherwise, and uses 1e-10 smoothing by default', () => {
    const c = fixture.histogram.find((h) => h.eps === 1e-10 && !h.range && h.kl > 0);
    assert.ok(c);
    assert.equal(klHistogram(c.p, c.p, { bins: 10 }), 0);
    assert.equal(klHistogram(c.p, c.q, { bins: c.bins }), klHistogram(c.p, c.q, { bins: c.bins, eps: 1e-10 }));
    assert.ok(klHistogram([0, 0.1, 0.2], [5, 6], { bins: 4, eps: 0 }) === Infinity);
  });
  it('rejects empty/NaN samples, bad bins, range and eps, and a sample with nothing in range', () => {
    assert.throws(() => klHistogram([], [1], { bins: 3 }), /klHistogram: p must have at least 1 value, got 0/);
    assert.throws(() => klHistogram([1], [Number.NaN], { bins: 3 }), /klHistogram: q\[0\] is NaN/);
    assert.throws(() => klHistogram([1], [2], { bins: 0 }), /klHistogram: options.bins must be an integer >= 1/);
    assert.throws(() => klHistogram([1], [2], { bins: 2, range: [3, 3] }), /options.range must have lo < hi/);
    assert.throws(() => klHistogram([1], [2], { bins: 2, eps: -1 }), /options.eps must be >= 0/);
    assert.throws(() => klHistogram([1], [5], { bins: 2, range: [0, 2] }), /no value of q lies in the range/);
  });
});

describe('stats/divergence: klGaussian vs high-precision closed form (mpmath, checked by quadrature)', () => {
  for (const c of fixture.gaussian) {
    it(`N(${c.mu1}, ${c.sd1}^2) || N(${c.mu2}, ${c.sd2}^2)`, () => {
      assertClose(klGaussian(c.mu1, c.sd1, c.mu2, c.sd2), c.kl, 1e-9, 'KL', 1e-300);
    });
  }
  it('rejects non-positive or non-finite standard deviations and non-finite means', () => {
    assert.throws(() => klGaussian(0, 0, 0, 1), /klGaussian: sd1 must be a finite number > 0, got 0/);
    assert.throws(() => klGaussian(0, 1, 0, -2), /klGaussian: sd2 must be a finite number > 0/);
    assert.throws(() => klGaussian(Number.NaN, 1, 0, 1), /klGaussian: mu1 must be a finite number/);
  });
});

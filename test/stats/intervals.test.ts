import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { bootstrapCI, meanCI, meanInterval } from '../../lib/src/stats/intervals';
import { medianOf, meanOf } from '../../lib/src/stats/descriptive';

interface IntervalsFixture {
  meanCI: { name: string; x: number[]; level: number; mean: number; lo: number; hi: number }[];
  bootstrap: { name: string; stat: 'mean' | 'median'; x: number[]; level: number; lo: number; hi: number }[];
}
const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/stats/intervals.json'), 'utf8'),
) as IntervalsFixture;

function assertClose(actual: number, expected: number, rtol: number, what: string, atol = 0): void {
  const ok = actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected) + atol;
  assert.ok(ok, `${what}: got ${actual}, expected ${expected}`);
}

describe('stats/intervals: meanCI vs scipy.stats.t.interval', () => {
  for (const c of fixture.meanCI) {
    it(`${c.name}, level ${c.level}`, () => {
      const r = meanCI(c.x, c.level);
      const width = c.hi - c.lo;
      assertClose(r.mean, c.mean, 1e-12, 'mean', 1e-15);
      assertClose(r.lo, c.lo, 1e-6, 'lo', 1e-9 * width);
      assertClose(r.hi, c.hi, 1e-6, 'hi', 1e-9 * width);
    });
  }
  it('rejects n < 2, NaN and levels outside (0, 1)', () => {
    assert.throws(() => meanCI([1]), /meanCI: x must have at least 2 values, got 1/);
    assert.throws(() => meanCI([1, Number.NaN]), /meanCI: x\[1\] is NaN/);
    assert.throws(() => meanCI([1, 2], 1), /meanCI: level must be a number strictly between 0 and 1, got 1/);
    assert.throws(() => meanCI([1, 2], 95), /meanCI: level must be/);
  });
});

describe('stats/intervals: bootstrapCI (seeded percentile bootstrap)', () => {
  const stats = { mean: meanOf, median: medianOf };
  for (const c of fixture.bootstrap) {
    it(`agrees with scipy.stats.bootstrap(method='percentile') within Monte Carlo error: ${c.name}`, () => {
      const r = bootstrapCI(c.x, stats[c.stat], { n: 20000, level: c.level, seed: 1 });
      const width = c.hi - c.lo;
      // Both are Monte Carlo estimates of the same percentile interval (different generators): allow 5% of its width.
      assert.ok(Math.abs(r.lo - c.lo) < 0.05 * width, `lo ${r.lo} vs scipy ${c.lo}`);
      assert.ok(Math.abs(r.hi - c.hi) < 0.05 * width, `hi ${r.hi} vs scipy ${c.hi}`);
    });
  }
  it('is reproducible per seed and varies with the seed', () => {
    const x = fixture.bootstrap[0]?.x ?? [];
    const a = bootstrapCI(x, meanOf, { seed: 42, n: 500 });
    const b = bootstrapCI(new Float64Array(x), meanOf, { seed: 42, n: 500 });
    const c = bootstrapCI(x, meanOf, { seed: 43, n: 500 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(a.lo < meanOf(Float64Array.from(x)) && meanOf(Float64Array.from(x)) < a.hi);
  });
  it('collapses to the value for a constant sample', () => {
    assert.deepEqual(bootstrapCI([3, 3, 3, 3], meanOf, { seed: 1, n: 50 }), { lo: 3, hi: 3 });
  });
  it('rejects bad input, bad options and a statistic that returns NaN', () => {
    assert.throws(() => bootstrapCI([], meanOf, { seed: 1 }), /bootstrapCI: x must have at least 1 value, got 0/);
    assert.throws(() => bootstrapCI([1, 2], meanOf, { seed: Number.NaN }), /bootstrapCI: options.seed must be a finite number/);
    assert.throws(() => bootstrapCI([1, 2], meanOf, { seed: 1, n: 0 }), /bootstrapCI: options.n must be an integer >= 1/);
    assert.throws(() => bootstrapCI([1, 2], meanOf, { seed: 1, level: 1.5 }), /bootstrapCI: options.level must be/);
    assert.throws(() => bootstrapCI([1, 2], () => Number.NaN, { seed: 1, n: 3 }), /bootstrapCI: stat returned NaN on resample 0/);
  });
});

// SciPy 1.x references: st.t.interval(level, n - 1, loc=x.mean(), scale=st.sem(x)) and
// st.bootstrap((x,), np.mean, method='percentile', n_resamples=200000, random_state=1).confidence_interval.
describe('stats/intervals: meanInterval (the one mean ± CI rule of the library)', () => {
  const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

  it('is the Student-t interval from tFrom values on (default 5), at any level', () => {
    const a = meanInterval([0.61, 0.64, 0.58, 0.66, 0.63, 0.6]);
    close(a.mean, 0.62);
    close(a.lo, 0.5895844655312009);
    close(a.hi, 0.6504155344687991);
    assert.equal(a.n, 6);
    assert.equal(a.method, 't 95%');
    const b = meanInterval([3.1, 2.7, 3.4, 2.9, 3.0], { level: 0.9 });
    close(b.lo, 2.7732208935751284);
    close(b.hi, 3.266779106424872);
    assert.equal(b.method, 't 90%');
    // tFrom 2: the t-interval of two values (1 degree of freedom), no seed needed.
    const c = meanInterval([0.9, 0.95], { tFrom: 2 });
    close(c.lo, 0.6073448815891982);
    close(c.hi, 1.242655118410802);
  });

  it('is a seeded percentile bootstrap of the mean below tFrom, as SciPy computes it within Monte Carlo error', () => {
    const x = [0.2, 0.5, 0.9, 0.4];
    const r = meanInterval(x, { seed: 3, resamples: 20000 });
    assert.equal(r.method, 'bootstrap 95%');
    const [lo, hi] = [0.27499999999999997, 0.775];
    assert.ok(Math.abs(r.lo - lo) < 0.05 * (hi - lo) && Math.abs(r.hi - hi) < 0.05 * (hi - lo), JSON.stringify(r));
    assert.deepEqual(meanInterval(x, { seed: 3 }), meanInterval(x, { seed: 3 }));
    assert.throws(() => meanInterval(x), /4 values need a bootstrap \(tFrom 5\), so options.seed is required/);
  });

  it('clips to bounds and says so; leaves out non-finite values; no interval from one value', () => {
    // t 95% of (0.9, 0.95) is [0.607, 1.243]: an accuracy cannot pass 1.
    const c = meanInterval([0.9, NaN, 0.95], { tFrom: 2, bounds: [0, 1] });
    close(c.lo, 0.6073448815891982);
    assert.equal(c.hi, 1);
    assert.equal(c.n, 2);
    assert.equal(c.method, 't 95%, clipped to [0, 1]');
    const one = meanInterval([0.4, Infinity]);
    assert.deepEqual([one.mean, one.n, one.method], [0.4, 1, 'one value']);
    assert.ok(Number.isNaN(one.lo) && Number.isNaN(one.hi));
    const none = meanInterval([NaN]);
    assert.ok(Number.isNaN(none.mean));
    assert.equal(none.n, 0);
  });

  it('gives identical values a zero-width interval, or none when asked', () => {
    assert.deepEqual(meanInterval([0.5, 0.5, 0.5]), { mean: 0.5, lo: 0.5, hi: 0.5, n: 3, method: 'all equal' });
    const none = meanInterval([0.5, 0.5, 0.5], { identical: 'none' });
    assert.ok(Number.isNaN(none.lo) && Number.isNaN(none.hi));
    assert.equal(none.method, 'all equal, no interval');
  });

  it('rejects bad options with the parameter named', () => {
    assert.throws(() => meanInterval([1, 2], { level: 1, tFrom: 2 }), /meanInterval: options.level must be a number strictly between 0 and 1/);
    assert.throws(() => meanInterval([1, 2], { tFrom: 1 }), /meanInterval: options.tFrom/);
    assert.throws(() => meanInterval([1, 2], { tFrom: 2, bounds: [1, 0] }), /options.bounds must be \[lower, upper\]/);
  });
});

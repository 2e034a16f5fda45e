import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { bootstrapCI, meanCI } from '../../lib/src/stats/intervals';
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

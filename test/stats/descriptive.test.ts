import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { mean, median, quantile, rankData, std, variance } from '../../lib/src/stats/descriptive';

interface DescriptiveCase {
  name: string;
  x: number[];
  mean: number;
  var0: number;
  std0: number;
  var1?: number;
  std1?: number;
  median: number;
  quantiles: { q: number; value: number }[];
  ranks: number[];
}
const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/stats/descriptive.json'), 'utf8'),
) as { cases: DescriptiveCase[] };

function assertClose(actual: number, expected: number, rtol: number, what: string, atol = 0): void {
  const ok = actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected) + atol;
  assert.ok(ok, `${what}: got ${actual}, expected ${expected}`);
}

describe('stats/descriptive (vs numpy)', () => {
  for (const c of fixture.cases) {
    it(`matches numpy on ${c.name}`, () => {
      assertClose(mean(c.x), c.mean, 1e-12, 'mean');
      // Variances of a constant sample are exactly 0 in both; large offsets need an absolute floor.
      const scale = c.mean * c.mean * 1e-15;
      assertClose(variance(c.x), c.var0, 1e-9, 'var ddof=0', scale);
      assertClose(std(c.x), c.std0, 1e-9, 'std ddof=0', Math.sqrt(scale));
      if (c.var1 !== undefined && c.std1 !== undefined) {
        assertClose(variance(c.x, { ddof: 1 }), c.var1, 1e-9, 'var ddof=1', scale);
        assertClose(std(new Float64Array(c.x), { ddof: 1 }), c.std1, 1e-9, 'std ddof=1', Math.sqrt(scale));
      }
      assertClose(median(c.x), c.median, 1e-15, 'median');
      for (const { q, value } of c.quantiles) assertClose(quantile(c.x, q), value, 1e-14, `quantile q=${q}`);
      assert.deepEqual(Array.from(rankData(c.x)), c.ranks);
    });
  }
  it('accepts Float32Array input', () => {
    assert.equal(mean(new Float32Array([1, 2, 3, 4])), 2.5);
    assert.equal(quantile(new Float32Array([4, 1, 3, 2]), 0.5), 2.5);
  });
  it('rejects bad input with the function and parameter named', () => {
    assert.throws(() => mean([]), /mean: x must have at least 1 value, got 0/);
    assert.throws(() => mean([1, Number.NaN]), /mean: x\[1\] is NaN; expected a finite number/);
    assert.throws(() => variance([1], { ddof: 1 }), /variance: x must have at least 2 values, got 1/);
    assert.throws(() => std([1, 2], { ddof: 0.5 }), /std: options.ddof must be an integer/);
    assert.throws(() => quantile([1, 2], 1.5), /quantile: q must be in \[0, 1\]/);
    assert.throws(() => quantile([1, 2], Number.NaN), /quantile: q must be a finite number/);
    assert.throws(() => rankData([1, Infinity]), /rankData: x\[1\] is Infinity/);
  });
});

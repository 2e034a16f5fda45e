import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { linearFit, pearson, spearman } from '../../lib/src/stats/correlation';

interface Pair {
  name: string;
  a: number[];
  b: number[];
}
interface CorrelationFixture {
  pearson: (Pair & { r: number; p: number })[];
  spearman: (Pair & { rho: number; p: number })[];
  linearFit: (Pair & { intercept: number; slope: number; r2: number })[];
}
const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/stats/correlation.json'), 'utf8'),
) as CorrelationFixture;

function assertClose(actual: number, expected: number, rtol: number, what: string, atol = 0): void {
  const ok = actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected) + atol;
  assert.ok(ok, `${what}: got ${actual}, expected ${expected} (rel err ${Math.abs(actual - expected) / Math.abs(expected)})`);
}

describe('stats/correlation: pearson vs scipy.stats.pearsonr', () => {
  for (const c of fixture.pearson) {
    it(c.name, () => {
      const r = pearson(c.a, c.b);
      assertClose(r.r, c.r, 1e-6, 'r', 1e-14);
      assertClose(r.p, c.p, 1e-5, 'p', 1e-300);
    });
  }
  it('rejects mismatched lengths, n < 2, NaN and constant input', () => {
    assert.throws(() => pearson([1, 2, 3], [1, 2]), /pearson: a and b must have the same length, got 3 and 2/);
    assert.throws(() => pearson([1], [2]), /pearson: a must have at least 2 values, got 1/);
    assert.throws(() => pearson([1, 2, Number.NaN], [1, 2, 3]), /pearson: a\[2\] is NaN/);
    assert.throws(() => pearson([1, 2, 3], [5, 5, 5]), /pearson: b is constant/);
  });
});

describe('stats/correlation: spearman vs scipy.stats.spearmanr', () => {
  for (const c of fixture.spearman) {
    it(c.name, () => {
      const r = spearman(new Float64Array(c.a), c.b);
      assertClose(r.rho, c.rho, 1e-6, 'rho', 1e-14);
      assertClose(r.p, c.p, 1e-5, 'p', 1e-300);
    });
  }
  it('rejects mismatched lengths, n < 3, NaN and constant input', () => {
    assert.throws(() => spearman([1, 2, 3], [1, 2, 3, 4]), /spearman: a and b must have the same length/);
    assert.throws(() => spearman([1, 2], [2, 1]), /spearman: a must have at least 3 values, got 2/);
    assert.throws(() => spearman([1, 2, 3], [1, Number.NaN, 3]), /spearman: b\[1\] is NaN/);
    assert.throws(() => spearman([2, 2, 2], [1, 2, 3]), /spearman: a is constant/);
  });
});

describe('stats/correlation: linearFit vs scipy.stats.linregress', () => {
  for (const c of fixture.linearFit) {
    it(c.name, () => {
      const r = linearFit(c.a, c.b);
      assertClose(r.a, c.intercept, 1e-6, 'intercept', 1e-12);
      assertClose(r.b, c.slope, 1e-6, 'slope', 1e-12);
      assertClose(r.r2, c.r2, 1e-6, 'r2', 1e-14);
    });
  }
  it('rejects constant x, mismatched lengths and NaN', () => {
    assert.throws(() => linearFit([1, 1, 1], [1, 2, 3]), /linearFit: x is constant/);
    assert.throws(() => linearFit([1, 2], [1, 2, 3]), /linearFit: x and y must have the same length, got 2 and 3/);
    assert.throws(() => linearFit([1, 2], [1, Number.NaN]), /linearFit: y\[1\] is NaN/);
  });
});

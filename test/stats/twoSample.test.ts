import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { kolmogorovSf, smirnovSf } from '../../lib/src/stats/kolmogorov';
import { ks2Samp, wasserstein1, welchTTest } from '../../lib/src/stats/twoSample';
import { createRng } from '../../lib/src/util/random';

interface Pair {
  name: string;
  a: number[];
  b: number[];
}
type Progression = { start: number; step: number; n: number };
interface TwoSampleFixture {
  welch: (Pair & { t: number; df: number; p: number })[];
  ks: (Pair & { d: number; p: number })[];
  ksAsymp: { name: string; a: number[] | Progression; b: number[] | Progression; d: number; p: number }[];
  wasserstein: (Pair & { w1: number })[];
  kstwo: { n: number; x: number; sf: number }[];
  smirnov: { n: number; x: number; sf: number }[];
}
const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/stats/twoSample.json'), 'utf8'),
) as TwoSampleFixture;

function assertClose(actual: number, expected: number, rtol: number, what: string, atol = 0): void {
  const ok = actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected) + atol;
  assert.ok(ok, `${what}: got ${actual}, expected ${expected} (rel err ${Math.abs(actual - expected) / Math.abs(expected)})`);
}

function materialise(s: number[] | Progression): Float64Array {
  if (Array.isArray(s)) return Float64Array.from(s);
  return Float64Array.from({ length: s.n }, (_, i) => s.start + s.step * i);
}

function normalSample(seed: number, n: number, shift = 0): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => rng.normal() + shift);
}

describe('stats/twoSample: welchTTest vs scipy.stats.ttest_ind(equal_var=False)', () => {
  for (const c of fixture.welch) {
    it(c.name, () => {
      const r = welchTTest(c.a, c.b);
      assertClose(r.t, c.t, 1e-6, 't', 1e-12);
      assertClose(r.df, c.df, 1e-6, 'df');
      assertClose(r.p, c.p, 1e-5, 'p', 1e-300);
    });
  }
  it('rejects too-small, non-finite and doubly constant samples', () => {
    assert.throws(() => welchTTest([1], [1, 2, 3]), /welchTTest: a must have at least 2 values, got 1/);
    assert.throws(() => welchTTest([1, 2], []), /welchTTest: b must have at least 2 values, got 0/);
    assert.throws(() => welchTTest([1, Number.NaN], [1, 2]), /welchTTest: a\[1\] is NaN/);
    assert.throws(() => welchTTest([3, 3, 3], [5, 5]), /welchTTest: both a and b are constant/);
  });
});

describe('stats/twoSample: ks2Samp vs scipy.stats.ks_2samp (method=auto)', () => {
  for (const c of fixture.ks) {
    it(`exact: ${c.name}`, () => {
      const r = ks2Samp(c.a, c.b);
      assertClose(r.d, c.d, 1e-6, 'D');
      assertClose(r.p, c.p, 1e-5, 'p', 1e-300);
    });
  }
  for (const c of fixture.ksAsymp) {
    it(`asymptotic (n > 10000): ${c.name}`, () => {
      const r = ks2Samp(materialise(c.a), materialise(c.b));
      assertClose(r.d, c.d, 1e-6, 'D');
      assertClose(r.p, c.p, 1e-5, 'p', 1e-300);
    });
  }
  it('kolmogorovSf equals scipy.stats.kstwo.sf on a grid covering all of its branches', () => {
    for (const c of fixture.kstwo) assertClose(kolmogorovSf(c.n, c.x), c.sf, 1e-5, `kstwo.sf(${c.x}, ${c.n})`, 1e-300);
  });
  it('smirnovSf equals scipy.special.smirnov', () => {
    for (const c of fixture.smirnov) assertClose(smirnovSf(c.n, c.x), c.sf, 1e-8, `smirnov(${c.n}, ${c.x})`, 1e-300);
  });
  it('is symmetric in its two samples (exactly)', () => {
    for (const [n1, n2] of [[30, 30], [40, 55], [7, 300]] as const) {
      const a = normalSample(n1, n1);
      const b = normalSample(1000 + n2, n2, 0.3);
      assert.deepEqual(ks2Samp(a, b), ks2Samp(b, a));
    }
  });
  it('gives D = 0, p = 1 for identical samples and D = 1 for disjoint ones', () => {
    const a = normalSample(5, 40);
    assert.deepEqual(ks2Samp(a, a), { d: 0, p: 1 });
    const r = ks2Samp([1, 2, 3], [10, 11, 12, 13]);
    assert.equal(r.d, 1);
  });
  it('rejects empty and non-finite samples', () => {
    assert.throws(() => ks2Samp([], [1]), /ks2Samp: a must have at least 1 value, got 0/);
    assert.throws(() => ks2Samp([1], [Number.NaN]), /ks2Samp: b\[0\] is NaN/);
  });
});

describe('stats/twoSample: wasserstein1 vs scipy.stats.wasserstein_distance', () => {
  for (const c of fixture.wasserstein) {
    it(c.name, () => assertClose(wasserstein1(c.a, c.b), c.w1, 1e-6, 'W1'));
  }
  it('is symmetric (exactly) and W1(x, x + c) = |c|', () => {
    const x = normalSample(11, 257);
    const y = normalSample(12, 100, 1);
    assert.equal(wasserstein1(x, y), wasserstein1(y, x));
    for (const c of [0, 0.37, -2.5, 1e3]) {
      const shifted = x.map((v) => v + c);
      assertClose(wasserstein1(x, shifted), Math.abs(c), 1e-9, `shift ${c}`, 1e-12);
      assertClose(wasserstein1(shifted, x), Math.abs(c), 1e-9, `shift ${c} (swapped)`, 1e-12);
    }
  });
  it('rejects empty and non-finite samples', () => {
    assert.throws(() => wasserstein1([1, 2], []), /wasserstein1: b must have at least 1 value, got 0/);
    assert.throws(() => wasserstein1([Infinity], [1]), /wasserstein1: a\[0\] is Infinity/);
  });
});

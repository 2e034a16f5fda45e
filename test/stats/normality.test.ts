import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { shapiroWilk } from '../../lib/src/stats/normality';

interface ShapiroCase {
  name: string;
  x: number[];
  w: number;
  p: number;
}
const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/stats/normality.json'), 'utf8'),
) as { shapiro: ShapiroCase[] };

function assertClose(actual: number, expected: number, rtol: number, what: string): void {
  const ok = actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected);
  assert.ok(ok, `${what}: got ${actual}, expected ${expected} (rel err ${Math.abs(actual - expected) / Math.abs(expected)})`);
}

describe('stats/normality: shapiroWilk vs scipy.stats.shapiro', () => {
  for (const c of fixture.shapiro) {
    it(`${c.name}`, () => {
      const { w, p } = shapiroWilk(c.x);
      assertClose(w, c.w, 1e-6, 'W');
      assertClose(p, c.p, 1e-5, 'p');
    });
  }
  it('clamps p to [0, 1] at n = 3 with ties (W = 0.75, where float32 rounding gives a negative p)', () => {
    // SciPy 1.10.1 (Debian's python3-scipy): scipy.stats.shapiro([1, 1, 2]) ->
    // statistic 0.7500000596046448, pvalue -9.106917104872991e-07 (swilk.f's unclamped 6/pi*(asin(sqrt W) - asin(sqrt 0.75))).
    // A probability cannot be negative: the exact p at the minimum W is 0, which is what we return.
    const scipyW = 0.7500000596046448;
    const scipyP = -9.106917104872991e-7;
    for (const x of [[1, 1, 2], [5, 3, 3], [-2, -2, 7.5]]) {
      const { w, p } = shapiroWilk(x);
      assertClose(w, scipyW, 1e-6, `W of [${x.join(', ')}]`);
      assert.ok(p >= 0 && p <= 1, `p of [${x.join(', ')}] is ${p}, outside [0, 1]`);
      assert.ok(Math.abs(p - Math.max(0, scipyP)) < 1e-6, `p of [${x.join(', ')}] is ${p}, SciPy's clamped to [0, 1] is 0`);
    }
  });
  it('accepts Float64Array and Float32Array and does not depend on input order', () => {
    const c = fixture.shapiro.find((k) => k.x.length === 50);
    assert.ok(c);
    const reversed = [...c.x].reverse();
    assert.deepEqual(shapiroWilk(new Float64Array(reversed)), shapiroWilk(c.x));
    const f32 = shapiroWilk(new Float32Array(c.x));
    assertClose(f32.w, c.w, 1e-5, 'W of float32 input');
  });
  it('is invariant to location and positive scale (up to float32 rounding)', () => {
    const c = fixture.shapiro.find((k) => k.x.length === 100);
    assert.ok(c);
    const base = shapiroWilk(c.x);
    const moved = shapiroWilk(c.x.map((v) => 3 * v - 7));
    assertClose(moved.w, base.w, 1e-5, 'W');
    assertClose(moved.p, base.p, 1e-3, 'p');
  });
  it('rejects n outside [3, 5000], non-finite values and constant samples', () => {
    assert.throws(() => shapiroWilk([]), /shapiroWilk: x must have at least 3 values, got 0/);
    assert.throws(() => shapiroWilk([1, 2]), /shapiroWilk: x must have at least 3 values, got 2/);
    assert.throws(() => shapiroWilk(new Float64Array(5001).map((_, i) => Math.sin(i))), /at most 5000 values.*got 5001/);
    assert.throws(() => shapiroWilk([1, Number.NaN, 3]), /shapiroWilk: x\[1\] is NaN/);
    assert.throws(() => shapiroWilk([1, 2, Infinity]), /shapiroWilk: x\[2\] is Infinity/);
    assert.throws(() => shapiroWilk([4, 4, 4, 4]), /shapiroWilk: x is constant/);
  });
});

import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { gaussianKDE, type KdeBandwidth } from '../../lib/src/stats/kde';

interface KdeCase {
  name: string;
  x: number[];
  grid: number[];
  bw: KdeBandwidth;
  density: number[];
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/stats/kde.json'), 'utf8')) as {
  cases: KdeCase[];
};

describe('stats/kde: gaussianKDE vs scipy.stats.gaussian_kde', () => {
  for (const c of fixture.cases) {
    it(`${c.name}, bw=${c.bw}`, () => {
      const got = gaussianKDE(c.x, c.grid, c.bw);
      assert.equal(got.length, c.grid.length);
      const peak = Math.max(...c.density);
      got.forEach((v, i) => {
        const e = c.density[i] as number;
        // Relative 1e-6, with a floor far below the peak for the underflowing tails.
        assert.ok(Math.abs(v - e) <= 1e-6 * Math.abs(e) + 1e-12 * peak, `grid[${i}]: got ${v}, expected ${e}`);
      });
    });
  }
  it('integrates to 1 (Scott bandwidth)', () => {
    const c = fixture.cases[3];
    assert.ok(c);
    const lo = Math.min(...c.x) - 10;
    const hi = Math.max(...c.x) + 10;
    const grid = Array.from({ length: 4001 }, (_, i) => lo + ((hi - lo) * i) / 4000);
    const d = gaussianKDE(c.x, grid);
    const integral = d.reduce((s, v) => s + v, 0) * ((hi - lo) / 4000);
    assert.ok(Math.abs(integral - 1) < 1e-6, `integral ${integral}`);
  });
  it('rejects constant data, too few points, NaN and bad bandwidths', () => {
    assert.throws(() => gaussianKDE([2, 2, 2], [0]), /gaussianKDE: x is constant/);
    assert.throws(() => gaussianKDE([2], [0]), /gaussianKDE: x must have at least 2 values, got 1/);
    assert.throws(() => gaussianKDE([1, 2], [Number.NaN]), /gaussianKDE: grid\[0\] is NaN/);
    assert.throws(() => gaussianKDE([1, 2], [0], -1), /gaussianKDE: bw must be a finite number > 0, got -1/);
  });
});

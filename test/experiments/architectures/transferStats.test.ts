import { strict as assert } from 'assert';
import {
  bonferroniLevel,
  FINE_TUNE_PLATEAU,
  leastSquaresSlope,
  lossPlateaued,
  pairedBySeed,
  TRANSFER_INTERVAL,
} from '../../../lib/src/experiments/architectures/transferStats';
import { bootstrapCI, meanInterval as sharedMeanInterval, type MeanCI, type MeanIntervalOptions } from '../../../lib/src/stats/intervals';

/** The transfer verdicts' interval: the shared rule with the transfer options. */
const meanInterval = (values: readonly number[], options: MeanIntervalOptions): MeanCI => sharedMeanInterval(values, { ...TRANSFER_INTERVAL, ...options });

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

// SciPy references (scipy 1.x): st.t.interval(level, n - 1, loc=mean(v), scale=st.sem(v)), st.linregress(x, y).slope.
describe('experiments/architectures: transfer statistics', () => {
  it('meanInterval: a t-interval at any level from n = 5 on, as SciPy computes it', () => {
    const a = meanInterval([0.02, -0.01, 0.03, 0.0, 0.01], { level: 0.9, seed: 1 });
    close(a.mean, 0.01);
    close(a.lo, -0.005074433155336063);
    close(a.hi, 0.025074433155336053);
    assert.equal(a.n, 5);
    assert.equal(a.method, 't 90%');
    // The Bonferroni level of an equivalence family of 6 cells at α = 0.05: 1 − 2·0.05/6.
    const level = bonferroniLevel(0.05, 6, 'equivalence');
    close(level, 0.9833333333333333);
    const b = meanInterval([0.012, -0.004, 0.021, 0.007, -0.01, 0.015], { level, seed: 1 });
    close(b.lo, -0.010174925032555283);
    close(b.hi, 0.023841591699221978);
    close(bonferroniLevel(0.05, 4), 0.9875);
    assert.throws(() => bonferroniLevel(0.05, 0), /m must be a positive integer/);
  });

  it('meanInterval: clipped to the possible range, bootstrap for 2–4 values, no interval from one or identical values', () => {
    // t 95% of (0.98, 0.99, 1, 0.97, 1) is [0.97181, 1.00419]: an accuracy cannot exceed 1.
    const c = meanInterval([0.98, 0.99, 1.0, 0.97, 1.0], { level: 0.95, seed: 1, bounds: [0, 1] });
    close(c.lo, 0.9718106821529128);
    assert.equal(c.hi, 1);
    assert.match(c.method, /clipped to \[0, 1\]/);
    const three = [0.6, 0.7, 0.65];
    const d = meanInterval(three, { level: 0.95, seed: 7 });
    const ref = bootstrapCI(three, (s) => s.reduce((x, y) => x + y, 0) / s.length, { seed: 7, n: 4000, level: 0.95 });
    assert.equal(d.method, 'bootstrap 95%');
    assert.equal(d.lo, ref.lo);
    assert.equal(d.hi, ref.hi);
    const same = meanInterval([0.5, 0.5, 0.5, 0.5, 0.5], { level: 0.95, seed: 1 });
    assert.equal(same.mean, 0.5);
    assert.ok(Number.isNaN(same.lo) && Number.isNaN(same.hi), 'identical values must not give a zero-width interval');
    assert.equal(same.method, 'all equal, no interval');
    const one = meanInterval([0.4, NaN], { level: 0.95, seed: 1 });
    assert.equal(one.n, 1);
    assert.ok(Number.isNaN(one.lo));
    assert.throws(() => meanInterval([1, 2], { level: 1, seed: 1 }), /options.level must be a number strictly between 0 and 1/);
  });

  it('leastSquaresSlope and pairedBySeed, hand-computed', () => {
    close(leastSquaresSlope([0, 1, 2, 3, 4], [0.9, 0.88, 0.85, 0.8, 0.7]), -0.048000000000000015, 1e-12);
    // Exact line: slope 0.25.
    close(leastSquaresSlope([0, 2, 4], [1, 1.5, 2]), 0.25, 1e-15);
    assert.ok(Number.isNaN(leastSquaresSlope([1, 1], [0, 1])));
    const p = pairedBySeed(new Map([[3, 0.5], [1, 0.7], [2, NaN], [9, 0.1]]), new Map([[1, 0.6], [2, 0.1], [3, 0.2]]));
    assert.deepEqual(p.seeds, [1, 3]);
    close(p.differences[0] as number, 0.1, 1e-12);
    close(p.differences[1] as number, 0.3, 1e-12);
  });

  it('lossPlateaued: the fixed plateau rule on per-epoch training losses', () => {
    assert.deepEqual(FINE_TUNE_PLATEAU, { window: 0.1, relative: 0.1, absolute: 0.05 });
    // 20 epochs → windows of 2: last (0.50, 0.50) vs before (0.52, 0.52): fell by 3.8% < 10% → plateau.
    assert.equal(lossPlateaued([...Array(16).fill(1), 0.52, 0.52, 0.5, 0.5]), true);
    // Last (0.40, 0.40) vs (0.52, 0.52): fell by 23% → still falling.
    assert.equal(lossPlateaued([...Array(16).fill(1), 0.52, 0.52, 0.4, 0.4]), false);
    // Still falling fast but already tiny (< 0.05): nothing left to learn.
    assert.equal(lossPlateaued([1, 0.5, 0.1, 0.04]), true);
    // Rising loss passes the relative rule (no improvement left); one epoch cannot show a plateau.
    assert.equal(lossPlateaued([0.3, 0.35]), true);
    assert.equal(lossPlateaued([0.3]), false);
    assert.equal(lossPlateaued([0.3, NaN]), false);
  });
});

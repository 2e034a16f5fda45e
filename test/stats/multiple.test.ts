import { strict as assert } from 'assert';
import { holmAdjust, holmVerdicts, oneSampleTTest, verdictAll } from '../../lib/src/stats/multiple';

const close = (a: number, b: number, tol = 1e-10): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('oneSampleTTest', () => {
  it('equals scipy.stats.ttest_1samp', () => {
    // scipy.stats.ttest_1samp([0.61, 0.65, 0.7, 0.58, 0.66], 0.6)
    const a = oneSampleTTest([0.61, 0.65, 0.7, 0.58, 0.66], 0.6);
    close(a.t, 1.92897128868165);
    close(a.p, 0.1259643487311427);
    assert.equal(a.df, 4);
    // scipy.stats.ttest_1samp([1.2, 0.4, 2.2, -0.3, 0.9, 1.1], 0.5)
    const b = oneSampleTTest([1.2, 0.4, 2.2, -0.3, 0.9, 1.1], 0.5);
    close(b.t, 1.2184254470714482);
    close(b.p, 0.2774113363768558);
  });
  it('gives p = 0 for a constant sample away from the value and 1 at it', () => {
    assert.equal(oneSampleTTest([0.3, 0.3, 0.3], 0.6).p, 0);
    assert.equal(oneSampleTTest([0.3, 0.3, 0.3], 0.6).t, -Infinity);
    assert.equal(oneSampleTTest([0.6, 0.6], 0.6).p, 1);
  });
  it('names the bad input', () => {
    assert.throws(() => oneSampleTTest([1], 0), /oneSampleTTest: x must have at least 2/);
    assert.throws(() => oneSampleTTest([1, NaN], 0), /x\[1\]/);
  });
});

describe('holmAdjust', () => {
  it('matches the step-down adjustment computed by hand', () => {
    // sorted 0.005, 0.01, 0.03, 0.04 → 4·0.005 = 0.02, max(0.02, 3·0.01) = 0.03, max(0.03, 2·0.03) = 0.06, max(0.06, 0.04) = 0.06
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((v, i) => close(adj[i] as number, v));
  });
  it('caps at 1 and leaves NaN out of the family', () => {
    const adj = holmAdjust([0.4, NaN, 0.3]);
    close(adj[0] as number, 0.6);
    assert.ok(Number.isNaN(adj[1]));
    close(adj[2] as number, 0.6);
    // sorted 0.8 → min(1, 2·0.8) = 1; 0.9 → max(1, 0.9) = 1
    assert.deepEqual(holmAdjust([0.9, 0.8]), [1, 1]);
  });
  it('rejects p outside [0, 1]', () => {
    assert.throws(() => holmAdjust([0.1, 1.5]), /p-values must be in \[0, 1\]/);
  });
});

describe('holmVerdicts', () => {
  it('holds, fails and stays inconclusive per cell after the correction', () => {
    const cells = [
      [0.8, 0.82, 0.79, 0.81, 0.83], // far above 0.6
      [0.2, 0.22, 0.19, 0.21, 0.18], // far below
      [0.55, 0.7, 0.6, 0.5, 0.68], // straddles
      [0.9, 0.95, 0.9], // too few models
    ];
    const v = holmVerdicts(cells, 0.6, 'above');
    assert.deepEqual(v.map((c) => c.status), ['holds', 'fails', 'inconclusive', 'inconclusive']);
    assert.ok(Number.isNaN(v[3]?.p));
    // k = 3 tested cells: the smallest p is multiplied by 3.
    const ps = cells.slice(0, 3).map((c) => oneSampleTTest(c, 0.6).p);
    const order = [...ps].sort((a, b) => a - b);
    close(v.find((c) => c.p === order[0])?.pHolm as number, Math.min(1, 3 * (order[0] as number)));
  });
  it("a cell significant alone becomes inconclusive once corrected for the family", () => {
    // ttest_1samp([0.62, 0.64, 0.61, 0.66, 0.63], 0.6): p = 0.0205 < 0.05; Holm over 6 cells of which the others are
    // null: 6 · 0.0205 > 0.05.
    const lone = [0.62, 0.64, 0.61, 0.66, 0.63];
    assert.ok(oneSampleTTest(lone, 0.6).p < 0.05);
    const nulls = Array.from({ length: 5 }, () => [0.55, 0.65, 0.6, 0.58, 0.62]);
    assert.equal(holmVerdicts([lone, ...nulls], 0.6, 'above')[0]?.status, 'inconclusive');
    assert.equal(holmVerdicts([lone], 0.6, 'above')[0]?.status, 'holds');
    assert.equal(holmVerdicts([lone], 0.6, 'below')[0]?.status, 'fails');
  });
});

describe('verdictAll', () => {
  it('needs every cell to hold; one failure fails', () => {
    assert.equal(verdictAll(['holds', 'holds']), 'holds');
    assert.equal(verdictAll(['holds', 'inconclusive']), 'inconclusive');
    assert.equal(verdictAll(['holds', 'fails', 'inconclusive']), 'fails');
    assert.equal(verdictAll([]), 'inconclusive');
  });
});

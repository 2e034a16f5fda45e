import { strict as assert } from 'assert';
import { verdictAgainstThreshold, verdictBoth, verdictWithinBand, type IntervalEstimate } from '../../lib/src/stats/verdict';
import { meanInterval } from '../../lib/src/stats/intervals';
import { verdictMarkdown } from '../../lib/src/report/verdict';

const at = (lo: number, hi: number): IntervalEstimate => ({ estimate: (lo + hi) / 2, lo, hi, n: 5, method: 't 95%' });

describe('stats/verdict', () => {
  it('decides against a threshold: the whole interval on one side, or inconclusive', () => {
    assert.equal(verdictAgainstThreshold(at(0.1, 0.3), 0, 'above'), 'holds');
    assert.equal(verdictAgainstThreshold(at(-0.3, -0.1), 0, 'above'), 'fails');
    assert.equal(verdictAgainstThreshold(at(-0.1, 0.3), 0, 'above'), 'inconclusive');
    assert.equal(verdictAgainstThreshold(at(-0.3, -0.1), 0, 'below'), 'holds');
    assert.equal(verdictAgainstThreshold({ lo: NaN, hi: NaN }, 0, 'above'), 'inconclusive');
  });

  it('decides within a band, and combines two parts', () => {
    assert.equal(verdictWithinBand(at(-0.4, 0.2), -0.5, 0.5), 'holds');
    assert.equal(verdictWithinBand(at(0.6, 1.5), -0.5, 0.5), 'fails');
    assert.equal(verdictWithinBand(at(0, 1), -0.5, 0.5), 'inconclusive');
    assert.throws(() => verdictWithinBand(at(0, 1), 1, 0), /lower <= upper/);
    assert.equal(verdictBoth('holds', 'holds'), 'holds');
    assert.equal(verdictBoth('holds', 'fails'), 'fails');
    assert.equal(verdictBoth('inconclusive', 'holds'), 'inconclusive');
  });

  it('mean intervals: Student-t from 5 values (SciPy), a bootstrap for 2-4, none for 1', () => {
    // scipy.stats.t.interval(0.95, 4, loc=3, scale=sem([1,2,3,4,5])) = (1.0367568385224428, 4.963243161477557)
    const t = meanInterval([1, 2, 3, 4, 5], { seed: 1 });
    assert.equal(t.method, 't 95%');
    assert.ok(Math.abs(t.lo - 1.0367568385224428) < 1e-9 && Math.abs(t.hi - 4.963243161477557) < 1e-9, JSON.stringify(t));
    const b = meanInterval([1, 2, 4], { seed: 1 });
    assert.equal(b.method, 'bootstrap 95%');
    assert.ok(b.lo >= 1 && b.hi <= 4 && b.lo < b.mean && b.mean < b.hi, JSON.stringify(b));
    assert.equal(meanInterval([2, NaN], { seed: 1 }).n, 1);
    assert.ok(Number.isNaN(meanInterval([2], { seed: 1 }).lo));
  });

  it('prints no verdict at tiny scale and marks quick ones as illustrative', () => {
    const line = { claim: 'W peaks at the plateau', status: 'holds' as const, evidence: 'd = 0.1 [0, 0.2] (n = 5)', control: '±0.5 octave' };
    assert.equal(verdictMarkdown({ ...line, scale: 'tiny' }), '- “W peaks at the plateau”: tiny: no verdict.');
    assert.match(verdictMarkdown({ ...line, scale: 'quick' }), /\*\*holds\*\* \(quick scale: illustrative only\)/);
    const standard = verdictMarkdown({ ...line, scale: 'standard', excludedModels: 2 });
    assert.match(standard, /\*\*holds\*\*\. d = 0\.1 \[0, 0\.2\] \(n = 5\); control: ±0\.5 octave; scale standard\. Models excluded .*: 2\./);
  });
});

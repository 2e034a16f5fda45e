import { strict as assert } from 'assert';
import {
  asNumber, clockDuration, compact, duration, factor, fixed, interval, megabytes, multiplyAdds, percent, percentWithCI, pValue, scientific,
  signedFixed, signedPoints, significant,
} from '../../lib/src/util/format';
import { escapeHtml } from '../../lib/src/util/html';

describe('util/format', () => {
  it('formats fractions, fixed and scientific numbers, and writes n/a for anything not finite', () => {
    assert.equal(percent(0.1234), '12.3%');
    assert.equal(percent(0.1234, 2), '12.34%');
    assert.equal(fixed(1.2345), '1.23');
    assert.equal(fixed(-0.5, 0), '-1');
    assert.equal(scientific(0.000123), '1.2e-4');
    assert.equal(signedPoints(0.031), '+3.1');
    assert.equal(signedPoints(-0.2), '-20.0');
    assert.equal(signedPoints(0), '+0.0');
    for (const bad of [NaN, Infinity, null, undefined, '0.5']) {
      assert.equal(percent(bad), 'n/a');
      assert.equal(fixed(bad), 'n/a');
      assert.equal(scientific(bad), 'n/a');
      assert.equal(signedPoints(bad), 'n/a');
    }
    assert.ok(Number.isNaN(asNumber('1')));
    assert.equal(asNumber(2), 2);
  });

  it('formats significant digits, signs, factors and magnitudes of unknown scale', () => {
    assert.equal(significant(0.012345), '0.0123');
    assert.equal(significant(1234.5), '1.23e+3');
    assert.equal(signedFixed(0.1234, 3), '+0.123');
    assert.equal(signedFixed(-2, 3), '-2.000');
    assert.equal(factor(0.5), '×0.500');
    assert.equal(factor(Math.exp(Math.log(2))), '×2.00');
    // compact: significant digits inside [0.01, 1000), scientific outside, '0' for zero
    assert.equal(compact(0), '0');
    assert.equal(compact(0.5), '0.500');
    assert.equal(compact(999.4), '999');
    assert.equal(compact(12345), '1.23e+4');
    assert.equal(compact(-0.001234), '-1.23e-3');
    assert.equal(compact(0.0456, 2), '0.046');
    for (const bad of [NaN, -Infinity, null]) {
      for (const f of [significant, signedFixed, factor, compact, pValue, duration, multiplyAdds, megabytes]) assert.equal(f(bad), 'n/a');
    }
  });

  it('formats p-values with a floor, durations, multiply-add counts and bytes', () => {
    assert.equal(pValue(0.0312), '0.031');
    assert.equal(pValue(0.5), '0.50');
    assert.equal(pValue(3e-7), '< 1e-4');
    assert.equal(pValue(0.0004, 1e-3), '< 0.001');
    assert.equal(pValue(0.001, 1e-3), '0.0010');
    assert.equal(duration(4500), '4.5 s');
    assert.equal(duration(119999), '120.0 s');
    assert.equal(duration(150000), '2.5 min');
    assert.equal(clockDuration(42000), '42s');
    assert.equal(clockDuration(125000), '2m05s');
    assert.equal(clockDuration(7.2e6), '2h00m');
    assert.equal(clockDuration(-1), '--');
    assert.equal(clockDuration(NaN), '--');
    assert.equal(multiplyAdds(3.2e9), '3.20 GMAC');
    assert.equal(multiplyAdds(1.5e15), '1.50 PMAC');
    assert.equal(multiplyAdds(512), '512 MAC');
    assert.equal(megabytes(12345678), '12.3 MB');
  });

  it('writes interval bounds only when both are finite', () => {
    assert.equal(interval(0.012, 0.034, signedPoints), '[+1.2, +3.4]');
    assert.equal(interval(-0.5, 2), '[-0.50, 2.00]');
    assert.equal(interval(NaN, 2), '[n/a]');
    assert.equal(interval(1, null), '[n/a]');
  });

  it('writes a CI only when there is one', () => {
    assert.equal(percentWithCI(0.612, 0.58, 0.644), '61.2% [95% CI 58.0%, 64.4%]');
    assert.equal(percentWithCI(0.612, null, null), '61.2%');
  });
});

describe('util/html', () => {
  it('escapes the characters that break HTML content and attributes', () => {
    assert.equal(escapeHtml('<a href="x">&</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});

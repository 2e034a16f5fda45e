import { strict as assert } from 'assert';
import { asNumber, fixed, percent, percentWithCI, scientific, signedPoints } from '../../lib/src/util/format';
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

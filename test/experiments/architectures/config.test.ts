import { strict as assert } from 'assert';
import { runLinearCollapse, transferConfig } from '../../../lib/src/experiments/architectures/index';
import { BLOCK_FAMILIES } from '../../../lib/src/experiments/architectures/blocks';
import { architecturesConfig } from '../../../lib/src/experiments/architectures/config';

describe('experiments/architectures: config and section runner', () => {
  it('scales validate and runLinearCollapse covers every case', () => {
    for (const s of ['tiny', 'quick', 'full'] as const) {
      const c = architecturesConfig(s);
      assert.equal(c.scale, s);
      assert.ok(c.budget.families.length === BLOCK_FAMILIES.length);
      const t = transferConfig(s);
      assert.ok(t.freezeLevels.includes(0) && t.freezeLevels.includes(4));
    }
    assert.throws(() => architecturesConfig('tiny', { gradients: { depth: 1 } }), /depth must be ≥ 2/);
    const r = runLinearCollapse(architecturesConfig('tiny').linear);
    assert.equal(r.collapse.length, architecturesConfig('tiny').linear.cases.length);
  });
});

import { strict as assert } from 'assert';
import { runLinearCollapse, transferConfig } from '../../../lib/src/experiments/architectures/index';
import { BLOCK_FAMILIES } from '../../../lib/src/experiments/architectures/blocks';
import { architecturesConfig } from '../../../lib/src/experiments/architectures/config';

describe('experiments/architectures: config and section runner', () => {
  it('scales validate and runLinearCollapse covers every case', () => {
    for (const s of ['tiny', 'quick', 'standard', 'full'] as const) {
      const c = architecturesConfig(s);
      assert.equal(c.scale, s);
      assert.ok(c.budget.families.length === BLOCK_FAMILIES.length);
      const t = transferConfig(s);
      assert.ok(t.freezeLevels.includes(0) && t.freezeLevels.includes(4));
    }
    // The standard scale's rule: at least 5 independently trained seeds in every compared group.
    const std = architecturesConfig('standard');
    assert.ok(std.gradients.trainSeeds.length >= 5 && std.budget.seeds.length >= 5 && std.augmentation.seeds.length >= 5);
    // The augmentation study trains the 4c network at the 4c budget, on little data, for every scale.
    for (const s of ['tiny', 'quick', 'standard', 'full'] as const) {
      const a = architecturesConfig(s).augmentation;
      assert.ok(a.trainPerClass <= 100 && a.padding > 0 && a.seeds.length >= 2, s);
    }
    assert.throws(() => architecturesConfig('tiny', { augmentation: { seeds: [] } }), /augmentation.seeds is empty/);
    const t = transferConfig('standard');
    assert.ok(t.seeds.length >= 5);
    assert.deepEqual(t.target.sizes, [10, 50, 250]);
    assert.deepEqual(t.pairs, ['mnist-5to0', 'mnist-5to-fashion-0']);
    assert.throws(() => architecturesConfig('tiny', { gradients: { depth: 1 } }), /depth must be ≥ 2/);
    const r = runLinearCollapse(architecturesConfig('tiny').linear);
    assert.equal(r.collapse.length, architecturesConfig('tiny').linear.cases.length);
  });
});

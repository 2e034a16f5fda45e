import { strict as assert } from 'assert';
import type { ParameterKind } from '../../../lib/src/models/parameters';
import { changedFraction } from '../../../lib/src/probe/distance';
import type { ParameterSnapshot, SnapshotEntry } from '../../../lib/src/probe/snapshot';
import type { Row } from '../../../lib/src/report/table';
import { meanCIByGroup } from '../../../lib/src/report/groups';
import { changedFractionCurve, toleranceForUnchangedShare, toleranceForChangedShare, changedValueSample, snapshotPathDistances } from '../../../lib/src/experiments/parameterChange/metrics';

function entry(name: string, kind: ParameterKind, values: number[], trainable = true): SnapshotEntry {
  return { name, layer: name.split('/')[0] as string, kind, shape: [values.length], size: values.length, trainable, values: Float32Array.from(values) };
}

// Hand-made case. conv weights start at 1 and move by ≈5e-4, ≈2e-2, 0.5 and 0; dense biases start at 0 and move by
// 0, 1e-9 and 2e-3; a BN moving variance (not trainable) moves a lot but is not counted.
const s0: ParameterSnapshot = {
  label: 'init',
  entries: [
    entry('conv1/kernel', 'conv-weight', [1, 1, 1, 1]),
    entry('fc/bias', 'dense-bias', [0, 0, 0]),
    entry('bn/moving_variance', 'bn-moving-variance', [1], false),
  ],
};
const s1: ParameterSnapshot = {
  label: 'best',
  entries: [
    entry('conv1/kernel', 'conv-weight', [1.0005, 1.02, 0.5, 1]),
    entry('fc/bias', 'dense-bias', [0, 1e-9, 2e-3]),
    entry('bn/moving_variance', 'bn-moving-variance', [7], false),
  ],
};

describe('parameterChange metrics (hand-made cases)', () => {
  it('changed fraction over a relative tolerance grid matches the hand count, per kind and overall', () => {
    const taus = [1e-3, 1e-2, 1e-1, 1];
    const curve = changedFractionCurve(s0, s1, { mode: 'relative', taus, fixedAtol: 1e-8 });
    const all = curve.filter((p) => p.group === 'all');
    // changed at τ: conv {1.02, 0.5} | {1.02, 0.5} | {0.5} | {}; bias 2e-3 (θ₀ = 0) changed at every τ; 1e-9 ≤ atol.
    assert.deepEqual(all.map((p) => p.changed), [3, 3, 2, 1]);
    assert.deepEqual(all.map((p) => p.total), [7, 7, 7, 7]);
    assert.deepEqual(curve.filter((p) => p.group === 'conv-weight').map((p) => p.changed), [2, 2, 1, 0]);
    assert.deepEqual(curve.filter((p) => p.group === 'dense-bias').map((p) => p.changed), [1, 1, 1, 1]);
    assert.equal(curve.filter((p) => p.group === 'bn-moving-variance').length, 0);
    // The same numbers as the probe's direct evaluation at each grid point.
    for (const p of all) assert.equal(p.fraction, changedFraction(s0, s1, { atol: 1e-8, rtol: p.tau }));
  });

  it('changed fraction over an absolute tolerance grid matches the hand count', () => {
    const curve = changedFractionCurve(s0, s1, { mode: 'absolute', taus: [1e-4, 1e-3, 1e-2, 1] });
    // |Δ| = 5e-4, 2e-2, 0.5, 0, 0, 1e-9, 2e-3
    assert.deepEqual(curve.filter((p) => p.group === 'all').map((p) => p.changed), [4, 3, 2, 0]);
    assert.deepEqual(curve.filter((p) => p.group === 'all').map((p) => p.rtol), [0, 0, 0, 0]);
    // 'all' includes the moving variance when asked.
    const withStats = changedFractionCurve(s0, s1, { mode: 'absolute', taus: [1], include: 'all' });
    assert.deepEqual(withStats.filter((p) => p.group === 'all').map((p) => [p.changed, p.total]), [[1, 8]]);
  });

  it('rejects an unsorted grid and mismatched snapshots with a clear message', () => {
    assert.throws(() => changedFractionCurve(s0, s1, { mode: 'relative', taus: [1e-2, 1e-3] }), /strictly increasing/);
    const short: ParameterSnapshot = { label: 'x', entries: [entry('conv1/kernel', 'conv-weight', [1, 1])] };
    assert.throws(() => changedFractionCurve(s0, short, { mode: 'relative', taus: [1] }), /conv1\/kernel.*4 values.*2/);
  });

  it('tolerance for a share unchanged / changed interpolates in log τ', () => {
    const curve = [
      { tau: 1e-3, fraction: 0.9 },
      { tau: 1e-2, fraction: 0.5 },
      { tau: 1e-1, fraction: 0.2 },
    ];
    // unchanged 0.1, 0.5, 0.8: 60% lies a third of the way from 1e-2 to 1e-1 in log10.
    assert.ok(Math.abs((toleranceForUnchangedShare(curve, 0.6) as number) - 1e-2 * 10 ** (1 / 3)) < 1e-12);
    assert.equal(toleranceForUnchangedShare(curve, 0.05), 1e-3);
    assert.equal(toleranceForUnchangedShare(curve, 0.9), null);
    // changed ≥ 70% up to half way from 1e-3 to 1e-2.
    assert.ok(Math.abs((toleranceForChangedShare(curve, 0.7) as number) - 10 ** -2.5) < 1e-12);
    assert.equal(toleranceForChangedShare(curve, 0.9), 1e-3);
    assert.equal(toleranceForChangedShare(curve, 0.95), null);
    assert.equal(toleranceForChangedShare(curve, 0.1), 1e-1);
  });

  it('value samples split into changed and unchanged like the hand count', () => {
    const all = changedValueSample(s0, s1, { atol: 1e-8, rtol: 1e-2 }, { samples: 100, seed: 1, include: 'trainable' });
    assert.equal(all.population, 7);
    assert.equal(all.populationChanged, 3);
    assert.deepEqual([...all.initialChanged].sort(), [0, 1, 1]);
    assert.deepEqual(all.finalChanged.map((v) => Math.fround(v)).sort(), [Math.fround(0.002), 0.5, Math.fround(1.02)].sort());
    assert.equal(all.initialUnchanged.length, 4);
    const some = changedValueSample(s0, s1, { atol: 1e-8, rtol: 1e-2 }, { samples: 5, seed: 3, include: 'trainable' });
    assert.equal(some.initialChanged.length + some.initialUnchanged.length, 5);
    assert.equal(some.finalChanged.length, some.initialChanged.length);
  });

  it('snapshot path distances: steps and distance from init', () => {
    const s = (label: string, v: number[]): ParameterSnapshot => ({ label, entries: [entry('fc/kernel', 'dense-weight', v)] });
    const steps = snapshotPathDistances([
      { label: 'init', epoch: 0, snapshot: s('init', [3, 4]) },
      { label: 'epoch-0', epoch: 1, snapshot: s('epoch-0', [3, 5]) },
      { label: 'last', epoch: 2, snapshot: s('last', [6, 8]) },
    ]);
    assert.equal(steps.length, 2);
    assert.equal(steps[0]?.stepDistance, 1);
    assert.equal(steps[0]?.relativeDistanceFromInit, 0.2);
    assert.ok(Math.abs((steps[1]?.stepDistance as number) - Math.sqrt(18)) < 1e-12);
    assert.equal(steps[1]?.distanceFromInit, 5);
    assert.equal(steps[1]?.relativeDistanceFromInit, 1);
  });

  it('meanCIByGroup gives the Student-t interval (scipy: t.ppf(0.975, 2) = 4.302652729911275)', () => {
    const rows: Row[] = [{ g: 'a', v: 1 }, { g: 'a', v: 2 }, { g: 'a', v: 3 }, { g: 'b', v: 5 }, { g: 'b', v: null }];
    const agg = meanCIByGroup(rows, ['g'], 'v');
    const a = agg.find((r) => r['g'] === 'a') as Row;
    const half = 4.302652729911275 / Math.sqrt(3);
    assert.equal(a['mean'], 2);
    assert.ok(Math.abs((a['lo'] as number) - (2 - half)) < 1e-9);
    assert.ok(Math.abs((a['hi'] as number) - (2 + half)) < 1e-9);
    assert.deepEqual(agg.find((r) => r['g'] === 'b'), { g: 'b', mean: 5, lo: null, hi: null, n: 1 });
  });

});

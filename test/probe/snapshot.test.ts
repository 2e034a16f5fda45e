import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { lenet5, resnet18 } from '../../lib/src/models/index';
import {
  addRelativeNoise,
  changeRate,
  changedFraction,
  changedFractionBy,
  changedMask,
  cloneSnapshot,
  distancesBy,
  flipSigns,
  interpolateSnapshots,
  l2Distance,
  l2Norm,
  shiftConstant,
  snapshotEntry,
  takeSnapshot,
  writeSnapshot,
  type ParameterSnapshot,
  type SnapshotEntry,
} from '../../lib/src/probe/index';

/** A hand-made two-layer snapshot: conv1/kernel [3], bn1/gamma [1], bn1/moving_variance [1]. */
function toy(kernel: number[], gamma: number, movingVar: number, label = 'toy'): ParameterSnapshot {
  const e = (name: string, kind: SnapshotEntry['kind'], values: number[], trainable: boolean): SnapshotEntry => ({
    name,
    layer: name.split('/')[0] as string,
    kind,
    shape: [values.length],
    size: values.length,
    trainable,
    values: Float32Array.from(values),
  });
  return {
    label,
    entries: [e('conv1/kernel', 'conv-weight', kernel, true), e('bn1/gamma', 'bn-gamma', [gamma], true), e('bn1/moving_variance', 'bn-moving-variance', [movingVar], false)],
  };
}

describe('probe/snapshot', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('takes all weights (incl. BN statistics) and writes them back into another instance', () => {
    const a = resnet18({ seed: 1, width: 2, blocksPerStage: [1, 1] });
    const b = resnet18({ seed: 2, width: 2, blocksPerStage: [1, 1] });
    const sa = takeSnapshot(a, 'a');
    assert.equal(sa.entries.length, a.weights.length);
    assert.ok(sa.entries.some((e) => e.kind === 'bn-moving-mean' && !e.trainable));
    assert.ok(l2Distance(sa, takeSnapshot(b)) > 0);
    writeSnapshot(b, sa);
    assert.equal(l2Distance(sa, takeSnapshot(b), { include: 'all' }), 0);
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1);
    const ya = a.predict(x) as tf.Tensor;
    const yb = b.predict(x) as tf.Tensor;
    assert.deepEqual(ya.dataSync(), yb.dataSync());
    // the snapshot is a copy: changing the model later does not change it
    const before = Float32Array.from(snapshotEntry(sa, 'fc/kernel').values);
    writeSnapshot(a, shiftConstant(sa, 1));
    assert.deepEqual(snapshotEntry(sa, 'fc/kernel').values, before);
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it('refuses snapshots of another architecture with errors naming the parameter', () => {
    const m = lenet5({ seed: 1 });
    const other = lenet5({ seed: 1, channels: 1 });
    assert.throws(() => writeSnapshot(m, takeSnapshot(other)), /'conv1\/kernel' has shape \[5,5,1,6\].*\[5,5,3,6\]/);
    const partial = { label: 'p', entries: takeSnapshot(m).entries.slice(1) };
    assert.throws(() => writeSnapshot(m, partial), /no entry for model weight 'conv1\/kernel'/);
    writeSnapshot(m, partial, { only: (e) => e.name === 'fc3/bias' });
    m.dispose();
    other.dispose();
  });

  it('computes norms, distances and change rate by hand', () => {
    const a = toy([3, 0, 0], 1, 1);
    const b = toy([0, 4, 0], 1, 5);
    assert.equal(l2Norm(a), Math.sqrt(9 + 1));
    assert.equal(l2Distance(a, b), 5);
    assert.equal(l2Distance(a, b, { include: 'all' }), Math.sqrt(25 + 16));
    assert.equal(changeRate(a, b), 5 / Math.sqrt(16 + 1));
    const byLayer = distancesBy(a, b, { by: 'layer', include: 'all' });
    assert.deepEqual(byLayer.map((r) => [r.group, r.size, r.distance]), [
      ['conv1', 3, 5],
      ['bn1', 2, 4],
    ]);
    const conv = byLayer[0];
    assert.equal(conv?.relativeDistance, 5 / 3);
    assert.equal(conv?.changeRate, 5 / 4);
    const byKind = distancesBy(a, b, { by: 'kind' });
    assert.deepEqual(byKind.map((r) => r.group), ['conv-weight', 'bn-gamma']);
    assert.throws(() => l2Distance(a, { label: 'x', entries: a.entries.slice(0, 1) }), /'bn1\/gamma' is missing in 'x'/);
  });

  it('changed fraction follows |θ − θ0| ≤ atol + rtol·|θ0| (numpy.isclose)', () => {
    const before = toy([1, 1, 100], 2, 1);
    const after = toy([1, 1.05, 101], 2, 1);
    // diffs 0, 0.05, 1 and 0 (gamma)
    assert.equal(changedFraction(before, after, { atol: 0, rtol: 0 }), 2 / 4);
    assert.equal(changedFraction(before, after, { atol: 0.05, rtol: 0 }), 1 / 4);
    assert.equal(changedFraction(before, after, { atol: 0, rtol: 0.01 }), 1 / 4, '1 ≤ 0.01·100 is unchanged; 0.05 > 0.01');
    assert.equal(changedFraction(before, after, { atol: 0.04, rtol: 0.01 }), 0);
    assert.deepEqual(Array.from(changedMask(before.entries[0]?.values as Float32Array, after.entries[0]?.values as Float32Array, { atol: 0.01, rtol: 0 })), [0, 1, 1]);
    const rows = changedFractionBy(before, after, { atol: 0, rtol: 0, by: 'kind' });
    assert.deepEqual(rows.map((r) => [r.group, r.changed, r.total]), [
      ['conv-weight', 2, 3],
      ['bn-gamma', 0, 1],
    ]);
    assert.equal(changedFraction(before, toy([NaN, 1, 100], 2, 1), { atol: 1, rtol: 1 }), 1 / 4, 'NaN counts as changed');
    assert.throws(() => changedFraction(before, after, { atol: -1, rtol: 0 }), /atol ≥ 0/);
  });

  it('flips signs with or without BN statistics, shifts by a constant, adds seeded relative noise, interpolates', () => {
    const s = toy([1, -2, 0.5], 3, 4);
    const flipped = flipSigns(s, { batchNormStatistics: true });
    assert.deepEqual(flipped.entries.map((e) => Array.from(e.values)), [[-1, 2, -0.5], [-3], [-4]]);
    const keepStats = flipSigns(s, { batchNormStatistics: false });
    assert.deepEqual(keepStats.entries.map((e) => Array.from(e.values)), [[-1, 2, -0.5], [-3], [4]]);
    const shifted = shiftConstant(s, 1e-6);
    assert.deepEqual(Array.from(shifted.entries[2]?.values ?? []), [Math.fround(4 + 1e-6)], 'default: every entry, as the original distortion');
    const n1 = addRelativeNoise(s, 0.1, 7);
    const n2 = addRelativeNoise(s, 0.1, 7);
    assert.deepEqual(n1, n2);
    assert.notDeepEqual(n1.entries[0]?.values, addRelativeNoise(s, 0.1, 8).entries[0]?.values);
    assert.equal(n1.entries[2]?.values[0], 4, 'BN statistics untouched by default');
    const zero = toy([0, 0, 0], 0, 1);
    assert.deepEqual(addRelativeNoise(zero, 0.5, 1).entries[0]?.values, zero.entries[0]?.values, 'relative noise keeps zeros at zero');
    // relative scale: (noisy − θ)/|θ| has sd σ over many elements
    const big: ParameterSnapshot = { label: 'big', entries: [{ ...(s.entries[0] as SnapshotEntry), size: 20000, shape: [20000], values: new Float32Array(20000).fill(-2) }] };
    const noisy = addRelativeNoise(big, 0.3, 3).entries[0]?.values as Float32Array;
    let ss = 0;
    for (const v of noisy) ss += ((v + 2) / 2) ** 2;
    assert.ok(Math.abs(Math.sqrt(ss / noisy.length) - 0.3) < 0.01);
    const mid = interpolateSnapshots(s, flipped, 0.25);
    assert.deepEqual(Array.from(mid.entries[0]?.values ?? []), [0.5, -1, 0.25]);
    assert.equal(l2Distance(interpolateSnapshots(s, flipped, 0), s, { include: 'all' }), 0);
    const c = cloneSnapshot(s, 'copy');
    c.entries[0]?.values.fill(9);
    assert.equal(s.entries[0]?.values[0], 1);
  });
});

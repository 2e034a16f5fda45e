import { strict as assert } from 'assert';
import { perturbationLabel } from '../../../lib/src/experiments/signFlip/index';
import type { ParameterKind } from '../../../lib/src/models/parameters';
import { type ParameterSnapshot, type SnapshotEntry } from '../../../lib/src/probe/snapshot';
import { createRng } from '../../../lib/src/util/random';
import { signFlipConfig } from '../../../lib/src/experiments/signFlip/config';
import { applyPerturbation, negativeRunningVariances, checkPerturbation, hasBatchNormStatistics } from '../../../lib/src/experiments/signFlip/perturb';

function entry(name: string, kind: ParameterKind, values: number[], trainable = true): SnapshotEntry {
  return { name, layer: name.split('/')[0] as string, kind, shape: [values.length], size: values.length, trainable, values: Float32Array.from(values) };
}

const snap: ParameterSnapshot = {
  label: 'best',
  entries: [
    entry('conv1/kernel', 'conv-weight', [0.5, -0.25, 0, 2]),
    entry('bn1/gamma', 'bn-gamma', [1.5, 0.75]),
    entry('bn1/beta', 'bn-beta', [0.1, -0.2]),
    entry('bn1/moving_mean', 'bn-moving-mean', [0.3, -0.4], false),
    entry('bn1/moving_variance', 'bn-moving-variance', [2, 0.5], false),
  ],
};

const values = (s: ParameterSnapshot, name: string): number[] => Array.from(s.entries.find((e) => e.name === name)?.values ?? []);

describe('signFlip: perturbations', () => {
  it('flip-all negates every entry including BN running statistics; twice is the identity', () => {
    const f = applyPerturbation(snap, { kind: 'flip-all' }, 0);
    assert.deepEqual(values(f, 'conv1/kernel'), [-0.5, 0.25, -0, -2]);
    assert.deepEqual(values(f, 'bn1/moving_variance'), [-2, -0.5]);
    assert.deepEqual(values(f, 'bn1/moving_mean'), [-0.3, 0.4].map(Math.fround));
    assert.equal(negativeRunningVariances(f), 2);
    assert.equal(negativeRunningVariances(snap), 0);
    const twice = applyPerturbation(f, { kind: 'flip-all' }, 0);
    for (const e of snap.entries) assert.deepEqual(values(twice, e.name), Array.from(e.values), e.name);
  });

  it('flip-weights negates learned parameters and keeps BN running statistics; twice is the identity', () => {
    const f = applyPerturbation(snap, { kind: 'flip-weights' }, 0);
    assert.deepEqual(values(f, 'bn1/gamma'), [-1.5, -0.75]);
    assert.deepEqual(values(f, 'bn1/beta'), [-0.1, 0.2].map(Math.fround));
    assert.deepEqual(values(f, 'bn1/moving_variance'), [2, 0.5]);
    assert.deepEqual(values(f, 'bn1/moving_mean'), [0.3, -0.4].map(Math.fround));
    const twice = applyPerturbation(f, { kind: 'flip-weights' }, 0);
    for (const e of snap.entries) assert.deepEqual(values(twice, e.name), Array.from(e.values), e.name);
  });

  it('shift adds the constant to every entry (running statistics too); none copies', () => {
    const s = applyPerturbation(snap, { kind: 'shift', delta: 1e-6 }, 0);
    for (const e of snap.entries) assert.deepEqual(values(s, e.name), Array.from(e.values, (v) => Math.fround(v + 1e-6)), e.name);
    const n = applyPerturbation(snap, { kind: 'none' }, 0);
    for (const e of snap.entries) {
      assert.deepEqual(values(n, e.name), Array.from(e.values));
      assert.notEqual(n.entries.find((x) => x.name === e.name)?.values, e.values, 'a copy, not the same array');
    }
  });

  it('relative noise has standard deviation σ·|θ|, leaves zeros and BN statistics alone, and is seeded', () => {
    const rng = createRng(3);
    const big: ParameterSnapshot = {
      label: 'big',
      entries: [entry('fc/kernel', 'dense-weight', Array.from({ length: 20000 }, () => rng.normal())), ...snap.entries],
    };
    const sigma = 0.1;
    const a = applyPerturbation(big, { kind: 'noise', sigma }, 11);
    const b = applyPerturbation(big, { kind: 'noise', sigma }, 11);
    const c = applyPerturbation(big, { kind: 'noise', sigma }, 12);
    const theta = values(big, 'fc/kernel');
    const z = values(a, 'fc/kernel').map((v, i) => (v - (theta[i] as number)) / Math.abs(theta[i] as number));
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const sd = Math.sqrt(z.reduce((s, v) => s + (v - mean) ** 2, 0) / (z.length - 1));
    assert.ok(Math.abs(sd - sigma) < 0.005, `relative noise sd ${sd}`);
    assert.ok(Math.abs(mean) < 0.005, `relative noise mean ${mean}`);
    assert.deepEqual(values(a, 'fc/kernel'), values(b, 'fc/kernel'));
    assert.notDeepEqual(values(a, 'fc/kernel'), values(c, 'fc/kernel'));
    assert.equal(values(a, 'conv1/kernel')[2], 0);
    assert.deepEqual(values(a, 'bn1/moving_variance'), [2, 0.5]);
    const zero = applyPerturbation(big, { kind: 'noise', sigma: 0 }, 11);
    assert.deepEqual(values(zero, 'fc/kernel'), theta.map(Math.fround));
  });

  it('labels and checks perturbations', () => {
    assert.deepEqual(
      [{ kind: 'none' }, { kind: 'repeat' }, { kind: 'flip-all' }, { kind: 'flip-weights' }, { kind: 'shift', delta: 1e-6 }, { kind: 'noise', sigma: 0.01 }].map((p) => perturbationLabel(p as never)),
      ['none', 'none-repeat', 'flip-all', 'flip-weights', 'shift-1e-6', 'noise-0.01'],
    );
    assert.throws(() => checkPerturbation({ kind: 'noise', sigma: -1 }, 'here'), /here: noise needs a finite sigma ≥ 0, got -1/);
    assert.throws(() => checkPerturbation({ kind: 'shift', delta: NaN }, 'here'), /finite delta/);
    assert.throws(() => checkPerturbation({ kind: 'rotate' } as never, 'here'), /unknown perturbation/);
    assert.ok(hasBatchNormStatistics(snap));
    assert.ok(!hasBatchNormStatistics({ label: 'x', entries: [snap.entries[0] as SnapshotEntry] }));
  });

  it('rejects bad configs with the parameter named', () => {
    assert.throws(() => signFlipConfig('tiny', { datasets: [] }), /datasets must be a non-empty list/);
    assert.throws(() => signFlipConfig('tiny', { interpolation: { alphas: [0, 0.5] } }), /alphas must be finite and include 0 and 1/);
    assert.throws(() => signFlipConfig('tiny', { perturb: { perturbations: [{ kind: 'flip-all' }] } }), /must include \{ kind: 'none' \}/);
    assert.throws(() => signFlipConfig('huge' as never), /scale must be tiny, quick, standard or full/);
  });
});

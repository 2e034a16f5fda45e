import { strict as assert } from 'assert';
import { signFlipConfig } from '../../../lib/src/experiments/signFlip/config';
import { signFlipClaims, signFlipClaimsMarkdown, signFlipProtocolTable, type ClaimsModel, type ClaimsPair, type ClaimsRetrain } from '../../../lib/src/experiments/signFlip/claims';
import { applyPerturbation, perturbationLabel, reorderedDataSeed } from '../../../lib/src/experiments/signFlip/perturb';
import type { ParameterSnapshot } from '../../../lib/src/probe/snapshot';

const config = signFlipConfig('standard');
const seeds = [0, 1, 2, 3, 4];
const archs = ['lenet5', 'resnet18'] as const;

interface Design {
  /** Relative distance of each retrain to its original, per seed. */
  shift: (s: number) => number;
  reorder: (s: number) => number;
  flip: (s: number) => number;
  /** Distance between two seeds' solutions. */
  seedDistance: number;
  /** Hungarian |r| of a seed pair per optimiser. */
  r: (optimizer: string, a: number, b: number) => number;
  accuracy?: (arch: string, optimizer: string, s: number) => number;
}

/** Hand-made records with only the fields the claims read. */
function rows(d: Design): { models: ClaimsModel[]; retrains: ClaimsRetrain[]; pairs: ClaimsPair[] } {
  const models: ClaimsModel[] = [];
  const retrains: ClaimsRetrain[] = [];
  const pairs: ClaimsPair[] = [];
  const init = 'kaiming-uniform' as const;
  for (const architecture of archs) {
    for (const optimizer of ['sgd', 'adam'] as const) {
      for (const seed of seeds) {
        models.push({ architecture, dataset: 'mnist', optimizer, init, seed, diverged: false, testAccuracy: d.accuracy?.(architecture, optimizer, seed) ?? 0.98 });
        for (let b = seed + 1; b < 5; b++) {
          pairs.push({ pairType: 'seed', architecture, dataset: 'mnist', optimizer, initA: init, initB: init, seedA: seed, seedB: b,
            relativeParameterDistance: d.seedDistance, hungarianMeanAbsR: d.r(optimizer, seed, b), ckaDebiased: d.r(optimizer, seed, b) });
        }
      }
    }
    for (const seed of seeds) {
      const base = { architecture, dataset: 'mnist', optimizer: 'adam', init, seed, skipped: null } as const;
      const kept = (relativeDistanceToOriginal: number, testLossBarrier: number): ClaimsRetrain['kept'] => ({ relativeDistanceToOriginal, testLossBarrier });
      retrains.push({ ...base, perturbation: 'none', kept: kept(0.1, 0) });
      retrains.push({ ...base, perturbation: 'none-reorder', kept: kept(d.reorder(seed), 0.01) });
      retrains.push({ ...base, perturbation: 'shift-1e-6', kept: kept(d.shift(seed), 0) });
      retrains.push({ ...base, perturbation: 'flip-all', kept: kept(d.flip(seed), 2 + 0.1 * seed) });
    }
  }
  return { models, retrains, pairs };
}

const jitter = (s: number): number => 1 + 0.05 * (s - 2);

describe('signFlip claims (hand-made records)', () => {
  it('holds: the distortion ends nearer than another seed, the flip farther than the noise floor, Adam features more alike', () => {
    const r = rows({ shift: (s) => 0.1 * jitter(s), reorder: (s) => 0.5 * jitter(s), flip: (s) => 1.5 * jitter(s), seedDistance: 1,
      r: (o, a, b) => (o === 'adam' ? 0.8 : 0.5) + 0.01 * ((a + b) % 3) });
    const c = signFlipClaims(r.models, r.retrains, r.pairs, config);
    assert.equal(c.distortion.status, 'holds');
    assert.equal(c.flip.status, 'holds');
    assert.equal(c.featuresStatus, 'holds');
    // One group per architecture, the original is the unit: n = 5 per interval.
    assert.equal(c.groups.length, 2);
    for (const g of c.groups) {
      assert.equal(g.flipVsFloor.n, 5);
      assert.ok(Math.abs(g.flipVsFloor.mean - Math.log(3)) < 1e-12);
      assert.ok(Math.abs(g.shiftVsSeed.mean - seeds.reduce((a, s) => a + Math.log(0.1 * jitter(s)), 0) / 5) < 1e-12);
    }
    // Features: one value per model (its mean over its 4 seed pairs), 5 per optimiser — not 10 pairs.
    assert.deepEqual(c.features.map((f) => f.models), [{ adam: 5, sgd: 5 }, { adam: 5, sgd: 5 }]);
    const text = signFlipClaimsMarkdown(c);
    assert.match(text, /\*\*holds\*\*/);
    assert.match(text, /n = 5 \(t 95%\)/);
    assert.match(text, /scale standard/);
  });

  it('fails: the distortion ends as far as another seed and the flip no farther than the floor', () => {
    const r = rows({ shift: (s) => 2 * jitter(s), reorder: (s) => 1.5 * jitter(s), flip: (s) => 0.5 * jitter(s), seedDistance: 1,
      r: (o, a, b) => (o === 'adam' ? 0.5 : 0.8) + 0.01 * ((a + b) % 3) });
    const c = signFlipClaims(r.models, r.retrains, r.pairs, config);
    assert.equal(c.distortion.status, 'fails');
    assert.equal(c.flip.status, 'fails');
    assert.equal(c.featuresStatus, 'fails');
  });

  it('inconclusive: ratios that straddle 1, and too few converged originals', () => {
    const r = rows({ shift: (s) => [0.8, 1.2, 0.9, 1.1, 1.0][s] as number, reorder: () => 1, flip: (s) => [0.8, 1.2, 0.9, 1.1, 1.0][s] as number, seedDistance: 1,
      r: (_o, a, b) => 0.6 + 0.05 * ((a * b) % 3) });
    const c = signFlipClaims(r.models, r.retrains, r.pairs, config);
    assert.equal(c.distortion.status, 'inconclusive');
    assert.equal(c.flip.status, 'inconclusive');
    assert.equal(c.featuresStatus, 'inconclusive');
    // An Adam original below MNIST's 95% bar leaves every interval of its net with n = 4: inconclusive, and counted.
    const r2 = rows({ shift: (s) => 0.1 * jitter(s), reorder: (s) => 0.5 * jitter(s), flip: (s) => 1.5 * jitter(s), seedDistance: 1,
      r: (o) => (o === 'adam' ? 0.8 : 0.5), accuracy: (a, o, s) => (a === 'lenet5' && o === 'adam' && s === 3 ? 0.9 : 0.98) });
    const c2 = signFlipClaims(r2.models, r2.retrains, r2.pairs, config);
    const lenet = c2.groups.find((g) => g.architecture === 'lenet5');
    assert.equal(lenet?.originals, 4);
    assert.equal(lenet?.excludedOriginals, 1);
    assert.equal(c2.distortion.statuses[0], 'inconclusive');
    assert.equal(c2.excludedModels, 1);
    assert.match(signFlipClaimsMarkdown(c2), /Models excluded \(below their convergence criterion\): 1\./);
  });

  it('the protocol table and the standard design: ≥ 5 originals per net, the reorder control', () => {
    assert.ok(config.perturb.seeds.length >= 5 && config.seeds.length >= 5);
    assert.ok(config.perturb.perturbations.some((p) => p.kind === 'reorder'));
    assert.ok(config.perturb.perturbations.filter((p) => p.kind === 'noise').length >= 2);
    assert.equal(signFlipProtocolTable(config).length, 6);
  });
});

describe("the 'reorder' control", () => {
  it('changes no weight, has its own label, and a data-order seed unlike the original run', () => {
    const snap: ParameterSnapshot = { label: 'best', entries: [{ name: 'w', layer: 'l', kind: 'dense-weight', shape: [3], size: 3, trainable: true, values: Float32Array.from([1, -2, 3]) }] };
    const p = applyPerturbation(snap, { kind: 'reorder' }, 1);
    assert.deepEqual([...(p.entries[0]?.values ?? [])], [1, -2, 3]);
    assert.notEqual(p.entries[0]?.values, snap.entries[0]?.values);
    assert.equal(perturbationLabel({ kind: 'reorder' }), 'none-reorder');
    assert.notEqual(reorderedDataSeed(1_000_003), 1_000_003);
  });
});

/**
 * The seed's claims of notebook 04 decided by the project's rules: the unit is the original (independently trained)
 * model; perturbations of one original are paired with its own controls; "returns" and "far" are judged against
 * measured controls (the same start retrained with another data order — the noise floor — and another seed's
 * solution), never against a constant; one group per architecture (optimiser fixed), Holm over the architectures;
 * feature similarity aggregated per model before models are compared; converged originals only.
 */
import { verdictMarkdown } from '../../report/verdict';
import { factor, pValue, significant } from '../../util/format';
import { holmVerdicts, holmAdjust, verdictAll } from '../../stats/multiple';
import type { VerdictStatus } from '../../stats/verdict';
import { meanInterval, type MeanCI } from '../../stats/intervals';
import type { Scale } from '../../util/scale';
import { criterionOf, type PcArchitecture, type PcDataset, type PcOptimizer } from '../parameterChange/config';
import { intervalText } from '../parameterChange/text';
import { welchInteraction, type PcInteraction } from '../parameterChange/verdict';
import type { SignFlipConfig } from './config';
import type { SfFeaturePair, SfKeptMeasures, SfOriginalModel, SfRetrainIdentity } from './records';

const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** What the claims read of an original model, a retrain and a compared pair (the records of `runSignFlip` have more). */
export type ClaimsModel = Pick<SfOriginalModel, 'architecture' | 'dataset' | 'optimizer' | 'init' | 'seed' | 'diverged' | 'testAccuracy'>;
export type ClaimsRetrain = Pick<SfRetrainIdentity, 'architecture' | 'dataset' | 'optimizer' | 'init' | 'seed' | 'perturbation'> & {
  /** Why the retrain did not run (null: it ran). */
  skipped: string | null;
  /** null when no model was kept. */
  kept: Pick<SfKeptMeasures, 'relativeDistanceToOriginal' | 'testLossBarrier'> | null;
};
export type ClaimsPair = Pick<SfFeaturePair, 'pairType' | 'architecture' | 'dataset' | 'optimizer' | 'initA' | 'initB' | 'seedA' | 'seedB' | 'relativeParameterDistance' | 'hungarianMeanAbsR' | 'ckaDebiased'>;

/** One quantity per original model of a group, summarised with its interval. */
export interface SfMeasure {
  label: string;
  value: MeanCI;
}

export interface SfGroupClaims {
  architecture: PcArchitecture;
  dataset: PcDataset;
  optimizer: PcOptimizer;
  /** Originals that met their criterion (the units) and those left out. */
  originals: number;
  excludedOriginals: number;
  /** Per original: relative distance to the original of each retrain, and of another seed's solution (mean over the other converged seeds). */
  distances: SfMeasure[];
  seedDistance: MeanCI;
  /** Per original: log(d(shift retrain) / d(another seed)) — < 0: nearer than another seed's solution. */
  shiftVsSeed: MeanCI;
  /** The per-original values behind `shiftVsSeed` and `flipVsFloor` (what the tests of the claims use). */
  shiftVsSeedValues: number[];
  flipVsFloorValues: number[];
  /** Per original: log(d(shift retrain) / d(reorder retrain)) — the distortion against the noise floor. */
  shiftVsFloor: MeanCI;
  /** Per original: log(d(flip-all retrain) / d(reorder retrain)) — > 0: farther than the noise floor. */
  flipVsFloor: MeanCI;
  flipVsSeed: MeanCI;
  /** Test-loss barrier on the line back to the original, per perturbation. */
  barriers: SfMeasure[];
}

export interface SignFlipClaims {
  scale: Scale;
  groups: SfGroupClaims[];
  distortion: { statuses: VerdictStatus[]; pHolm: number[]; status: VerdictStatus };
  flip: { statuses: VerdictStatus[]; pHolm: number[]; status: VerdictStatus };
  /** Adam − SGD in the per-model mean Hungarian |r| (and debiased CKA) to the other seeds, per architecture × dataset. */
  features: { architecture: PcArchitecture; dataset: PcDataset; hungarian: PcInteraction; cka: PcInteraction; status: VerdictStatus; models: { adam: number; sgd: number } }[];
  featuresStatus: VerdictStatus;
  excludedModels: number;
}

export const SIGN_FLIP_CLAIMS = {
  distortion: 'a constant distortion (+1e-6 on every entry), retrained, converges back to nearly the same weights',
  flip: 'the sign-flipped model, retrained, ends far from its start',
  features: 'Adam-trained features correlate strongly (more than SGD-trained ones)',
};

function seedOf(...parts: (string | number)[]): number {
  let h = 2166136261;
  for (const c of parts.join('|')) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

/** The claims from the typed records of `runSignFlip` (original models, retrains, compared pairs). */
export function signFlipClaims(models: readonly ClaimsModel[], retrains: readonly ClaimsRetrain[], pairs: readonly ClaimsPair[], config: SignFlipConfig): SignFlipClaims {
  const converged = (m: ClaimsModel): boolean => {
    const acc = finite(m.testAccuracy);
    if (m.diverged || acc === null) return false;
    const c = criterionOf(config.recipe, { architecture: m.architecture, dataset: m.dataset });
    return c === null || acc >= c;
  };
  const okModel = new Set(models.filter(converged).map((m) => `${m.architecture}|${m.dataset}|${m.optimizer}|${m.init}|${m.seed}`));
  const isOk = (a: string, d: string, o: string, i: string | undefined, s: number): boolean => okModel.has(`${a}|${d}|${o}|${i}|${s}`);
  const groups: SfGroupClaims[] = [];
  const features: SignFlipClaims['features'] = [];
  for (const architecture of config.architectures) {
    for (const dataset of config.datasets) {
      for (const optimizer of config.perturb.optimizers) {
        const init = config.perturb.inits[0];
        const originals = config.perturb.seeds.filter((s) => isOk(architecture, dataset, optimizer, init, s));
        const rs = retrains.filter((r) => r.architecture === architecture && r.dataset === dataset && r.optimizer === optimizer && r.init === init);
        const retrainOf = (seed: number, label: string): ClaimsRetrain | undefined => rs.find((x) => x.seed === seed && x.perturbation === label);
        const dist = (seed: number, label: string): number | null => finite(retrainOf(seed, label)?.kept?.relativeDistanceToOriginal);
        const seedPairs = pairs.filter((p) => p.pairType === 'seed' && p.architecture === architecture && p.dataset === dataset && p.optimizer === optimizer &&
          isOk(architecture, dataset, optimizer, p.initA, p.seedA) && isOk(architecture, dataset, optimizer, p.initB, p.seedB));
        const seedDistanceOf = (seed: number): number | null => {
          const ds = seedPairs.filter((p) => p.seedA === seed || p.seedB === seed).map((p) => finite(p.relativeParameterDistance)).filter((v): v is number => v !== null);
          return ds.length === 0 ? null : ds.reduce((a, b) => a + b, 0) / ds.length;
        };
        const logRatios = (num: (s: number) => number | null, den: (s: number) => number | null): number[] =>
          originals.map((s) => {
            const a = num(s);
            const b = den(s);
            return a !== null && b !== null && a > 0 && b > 0 ? Math.log(a / b) : NaN;
          }).filter(Number.isFinite);
        const key = (what: string): number => seedOf(architecture, dataset, optimizer, what);
        const shiftVsSeedValues = logRatios((s) => dist(s, 'shift-1e-6'), seedDistanceOf);
        const flipVsFloorValues = logRatios((s) => dist(s, 'flip-all'), (s) => dist(s, 'none-reorder'));
        const labels = [...new Set(rs.map((r) => r.perturbation))].filter((l) => rs.some((r) => r.perturbation === l && r.skipped === null));
        groups.push({
          architecture, dataset, optimizer,
          originals: originals.length,
          excludedOriginals: config.perturb.seeds.length - originals.length,
          distances: labels.map((label) => ({ label, value: meanInterval(originals.map((s) => dist(s, label) ?? NaN), { seed: key(`d-${label}`) }) })),
          seedDistance: meanInterval(originals.map((s) => seedDistanceOf(s) ?? NaN), { seed: key('seed') }),
          shiftVsSeed: meanInterval(shiftVsSeedValues, { seed: key('shift-seed') }),
          shiftVsSeedValues,
          flipVsFloorValues,
          shiftVsFloor: meanInterval(logRatios((s) => dist(s, 'shift-1e-6'), (s) => dist(s, 'none-reorder')), { seed: key('shift-floor') }),
          flipVsFloor: meanInterval(flipVsFloorValues, { seed: key('flip-floor') }),
          flipVsSeed: meanInterval(logRatios((s) => dist(s, 'flip-all'), seedDistanceOf), { seed: key('flip-seed') }),
          barriers: labels.map((label) => ({
            label,
            value: meanInterval(originals.map((s) => finite(retrainOf(s, label)?.kept?.testLossBarrier) ?? NaN), { seed: key(`barrier-${label}`) }),
          })),
        });
      }
      // Features: per converged base model, its mean similarity to the other seeds' models of the same optimiser.
      const perModel = (optimizer: PcOptimizer, measure: 'hungarianMeanAbsR' | 'ckaDebiased'): number[] => {
        const ps = pairs.filter((p) => p.pairType === 'seed' && p.architecture === architecture && p.dataset === dataset && p.optimizer === optimizer);
        const seeds = config.seeds.filter((s) => config.inits.some((i) => isOk(architecture, dataset, optimizer, i, s)));
        return seeds.map((s) => {
          const vs = ps.filter((p) => (p.seedA === s || p.seedB === s) && isOk(architecture, dataset, optimizer, p.initA, p.seedA) && isOk(architecture, dataset, optimizer, p.initB, p.seedB))
            .map((p) => finite(p[measure])).filter((v): v is number => v !== null);
          return vs.length === 0 ? NaN : vs.reduce((a, b) => a + b, 0) / vs.length;
        }).filter(Number.isFinite);
      };
      if (config.optimizers.includes('adam') && config.optimizers.includes('sgd')) {
        const adam = perModel('adam', 'hungarianMeanAbsR');
        const sgd = perModel('sgd', 'hungarianMeanAbsR');
        features.push({
          architecture, dataset,
          hungarian: welchInteraction('Adam − SGD, mean Hungarian |r| per model', adam, sgd),
          cka: welchInteraction('Adam − SGD, mean debiased CKA per model', perModel('adam', 'ckaDebiased'), perModel('sgd', 'ckaDebiased')),
          status: 'inconclusive',
          models: { adam: adam.length, sgd: sgd.length },
        });
      }
    }
  }
  // Holm over the groups (k = architectures × datasets) for each claim.
  const distortion = holmVerdicts(groups.map((g) => g.shiftVsSeedValues), 0, 'below');
  const flip = holmVerdicts(groups.map((g) => g.flipVsFloorValues), 0, 'above');
  const featureP = holmAdjust(features.map((f) => f.hungarian.p));
  features.forEach((f, i) => {
    const p = featureP[i] as number;
    const enough = f.models.adam >= 5 && f.models.sgd >= 5;
    f.hungarian = { ...f.hungarian, pHolm: p };
    f.status = !enough || !(p < 0.05) ? 'inconclusive' : f.hungarian.difference.mean > 0 ? 'holds' : 'fails';
  });
  const baseModels = models.length;
  return {
    scale: config.scale,
    groups,
    distortion: { statuses: distortion.map((d) => d.status), pHolm: distortion.map((d) => d.pHolm), status: verdictAll(distortion.map((d) => d.status)) },
    flip: { statuses: flip.map((d) => d.status), pHolm: flip.map((d) => d.pHolm), status: verdictAll(flip.map((d) => d.status)) },
    features,
    featuresStatus: verdictAll(features.map((f) => f.status)),
    excludedModels: baseModels - models.filter(converged).length,
  };
}

const ARCH: Record<PcArchitecture, string> = { lenet5: 'LeNet-5', vgg: 'VGG', resnet18: 'ResNet' };
/** A mean log ratio as the factor it stands for (×0.5 = half as far). */
const ratio = (logRatio: number): string => factor(Math.exp(logRatio));

/** The verdict lines of notebook 04 (ratios printed as factors: ×0.5 = half as far). */
export function signFlipClaimsMarkdown(c: SignFlipClaims): string {
  const lines: string[] = [];
  lines.push(`Units: the independently trained originals that met their convergence criterion (${c.excludedModels} base model(s) below it left out). ` +
    'Distances are ‖θ − θ_orig‖/‖θ_orig‖ of the retrained (best-validation) model; the noise floor is the same original retrained with another data ' +
    "order ('none-reorder'); another seed's solution is the mean distance from the original to the other converged seeds of its recipe. " +
    'Ratios are geometric means over originals with their 95% interval.');
  lines.push('');
  const g = c.groups;
  lines.push(verdictMarkdown({
    claim: SIGN_FLIP_CLAIMS.distortion, status: c.distortion.status,
    evidence: g.map((x, i) => `${ARCH[x.architecture]} ${x.dataset} ${x.optimizer}: shift retrain / another seed ${intervalText(x.shiftVsSeed, ratio)} → ${c.distortion.statuses[i]} (Holm p ${pValue(c.distortion.pHolm[i] as number)}); ` +
      `shift retrain / noise floor ${intervalText(x.shiftVsFloor, ratio)}`).join('; '),
    control: "another seed's solution (holds below ×1); the noise floor shown beside it", scale: c.scale, excludedModels: c.excludedModels,
  }));
  lines.push(verdictMarkdown({
    claim: SIGN_FLIP_CLAIMS.flip, status: c.flip.status,
    evidence: g.map((x, i) => `${ARCH[x.architecture]} ${x.dataset} ${x.optimizer}: flip retrain / noise floor ${intervalText(x.flipVsFloor, ratio)} → ${c.flip.statuses[i]} (Holm p ${pValue(c.flip.pHolm[i] as number)}); ` +
      `flip retrain / another seed ${intervalText(x.flipVsSeed, ratio)}`).join('; '),
    control: 'the noise floor: the same original retrained with another data order (holds above ×1)', scale: c.scale, excludedModels: c.excludedModels,
  }));
  lines.push(verdictMarkdown({
    claim: SIGN_FLIP_CLAIMS.features, status: c.featuresStatus,
    evidence: c.features.map((f) => `${ARCH[f.architecture]} ${f.dataset}: ${f.hungarian.label} ${intervalText(f.hungarian.difference, significant)} (Holm p ${pValue(f.hungarian.pHolm)}) → ${f.status}; ` +
      `${f.cka.label} ${intervalText(f.cka.difference, significant)} (Welch p ${pValue(f.cka.p)}); models Adam ${f.models.adam}, SGD ${f.models.sgd}`).join('; '),
    control: 'SGD-trained models of the same net, data and seeds; one value per model (its mean over its seed pairs), Welch test', scale: c.scale, excludedModels: c.excludedModels,
  }));
  for (const x of g) {
    lines.push(`- Loss barrier on the line back to the original, ${ARCH[x.architecture]} ${x.dataset} ${x.optimizer}: ` +
      x.barriers.map((b) => `${b.label} ${intervalText(b.value, significant)}`).join('; ') + '.');
  }
  return lines.join('\n');
}

/** One row per way the `standard` protocol of notebook 04 differs from the seed's, with the reason. */
export function signFlipProtocolTable(config: SignFlipConfig): { aspect: string; seed: string; standard: string; why: string }[] {
  const p = config.perturb;
  return [
    { aspect: 'base models', seed: 'LeNet, VGG-19, ResNet-18 on MNIST, Fashion-MNIST, CIFAR-10; one model per setting', standard: `${config.architectures.join(', ')} on ${config.datasets.join(', ')}; ${config.optimizers.join(' and ')} × ${config.seeds.length} seeds (notebook 02's ${config.recipe.scale} recipe and cache entries)`, why: 'every perturbation needs ≥ 5 originals of each net: two nets on one dataset is what fits the hour; the BN net (ResNet) is kept because the flip of BN statistics is part of the claim' },
    { aspect: 'perturbed', seed: 'one model per setting', standard: `${p.seeds.length} originals per net (${p.optimizers.join(', ')}, ${p.inits.join(', ')})`, why: 'the original is the unit: intervals over originals, n ≥ 5' },
    { aspect: 'perturbations', seed: 'flip every entry; +1e-6', standard: p.perturbations.map((x) => x.kind === 'noise' ? `noise σ=${x.sigma}` : x.kind === 'shift' ? `shift ${x.delta.toExponential()}` : x.kind).join(', '), why: "the seed's two, the flip without BN statistics, relative noise at several σ, and the controls" },
    { aspect: 'controls', seed: 'none', standard: "'none' (same start, same data order) and 'reorder' (same start, another data order: the noise floor); another seed's solution", why: '"returns" and "far" are judged against measured controls, not a constant' },
    { aspect: 'retraining', seed: '20 epochs', standard: `${config.recipe.training.epochs} epochs over ${config.recipe.data.trainExamples ?? 'all'} images, the recipe of the originals`, why: 'the same budget as the originals (notebook 02 standard)' },
    { aspect: 'features', seed: 'greedy Pearson pairing on one pair', standard: `Hungarian |r| and debiased CKA on ${config.features.examples ?? 'all'} test images, per-model means compared by Welch`, why: 'pairs that share a model are not independent: aggregate per model first' },
  ];
}

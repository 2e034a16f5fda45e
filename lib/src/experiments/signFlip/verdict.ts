/**
 * The verdict of notebook 04, by the numbers (computed from the typed records of `runSignFlip`):
 * - does the distortion (+1e-6) converge back to the same weights and features — and does it differ at all from
 *   retraining without any perturbation?
 * - does the sign flip end far away, and what does the flipped BatchNorm running variance do?
 * - are Adam-trained features more correlated across seeds than SGD-trained ones?
 * The yardstick for "near" and "far" is the distance between two independently trained models (same recipe, other
 * seed): "back to the same weights" = less than half of it; "far away" = at least as far as another seed's solution.
 */
import { welchTTest } from '../../stats/twoSample';
import { PcArchitecture, PcOptimizer } from '../parameterChange/config';
import { meanInterval, type MeanCI } from '../../stats/intervals';
import { fixed, percent, pValue } from '../../util/format';
import { SignFlipConfig } from './config';
import { isRetrained, type SfFeaturePair, type SfRetrain, type SfRetrainRecord } from './records';

/** The finite values one accessor reads from the records (null: not measured). */
function nums<T>(records: readonly T[], get: (r: T) => number | null | undefined): number[] {
  return records.map(get).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/**
 * Mean ± 95% Student-t interval from two values on: this summary is descriptive (the claims in claims.ts use the
 * verdict rule, a bootstrap below 5 units), and shows the t-interval of every group it has.
 */
const meanWithCI = (values: readonly number[]): MeanCI => meanInterval(values, { tFrom: 2 });
const ci = <T>(records: readonly T[], get: (r: T) => number | null | undefined): MeanCI => meanWithCI(nums(records, get));
/** The mean when there is one (null: nothing measured). */
const meanOrNull = (m: MeanCI | undefined): number | null => (m !== undefined && Number.isFinite(m.mean) ? m.mean : null);

export interface SfPerturbationSummary {
  perturbation: string;
  runs: number;
  diverged: number;
  startTestAccuracy: MeanCI;
  retrainedTestAccuracy: MeanCI;
  relativeStartDistance: MeanCI;
  relativeDistanceToOriginal: MeanCI;
  relativeDistanceToControl: MeanCI;
  gapClosed: MeanCI;
  changedFraction: MeanCI;
  testLossBarrier: MeanCI;
  testAccuracyDrop: MeanCI;
  /** Features of the retrained model vs the original's. */
  hungarianMeanAbsR: MeanCI;
  greedyMeanAbsR: MeanCI;
  ckaDebiased: MeanCI;
}

/** One architecture × optimiser (SGD and Adam move a trained model very differently: never pooled). */
export interface SfGroupVerdict {
  architecture: PcArchitecture;
  optimizer: PcOptimizer;
  originalTestAccuracy: MeanCI;
  /** Yardstick: independently trained models of the same recipe and optimiser (seed pairs). */
  seedRelativeDistance: MeanCI;
  seedHungarianMeanAbsR: MeanCI;
  seedCkaDebiased: MeanCI;
  perturbations: SfPerturbationSummary[];
  /** +1e-6 retrain ends closer to the original than half the seed distance (null: not measured). */
  distortionReturns: boolean | null;
  /** Same for the unperturbed retrain (the control). */
  controlReturns: boolean | null;
  /**
   * Distance (relative) of the +1e-6 retrain from the control retrain, and of the repeated control from the control:
   * the second is the floor set by the backend's non-determinism amplified by training.
   */
  shiftVsControl: number | null;
  repeatVsControl: number | null;
  /** flip-all retrain ends at least as far from the original as another seed's solution. */
  flipFarAway: boolean | null;
  /** BN nets only: what the flipped running variance does. */
  flipBatchNorm: {
    negativeVariancesAtStart: number;
    negativeVariancesAtEnd: number;
    startNonFiniteShare: number;
    startAccuracyFlipAll: number | null;
    startAccuracyFlipWeights: number | null;
    /** ‖θ_last(flip-all) − θ_last(flip-weights)‖ / ‖θ_orig‖ (learned parameters, mean over runs). */
    lastRelativeDistanceBetweenFlips: number | null;
    relativeDistanceFlipAll: number | null;
    relativeDistanceFlipWeights: number | null;
  } | null;
}

export interface SfOptimizerComparison {
  architecture: PcArchitecture;
  /** Feature similarity of seed pairs trained with one optimiser. */
  byOptimizer: { optimizer: PcOptimizer; hungarianMeanAbsR: MeanCI; greedyMeanAbsR: MeanCI; ckaDebiased: MeanCI }[];
  /** Adam minus SGD (mean Hungarian |r| of seed pairs), Welch p (null when n < 2 on a side). */
  difference: number | null;
  ckaDifference: number | null;
  welchP: number | null;
  ckaWelchP: number | null;
  /** Adam higher on both measures, with p < 0.05 on the Hungarian |r| (null: not measured). */
  adamMoreCorrelated: boolean | null;
}

export interface SignFlipVerdict {
  groups: SfGroupVerdict[];
  optimizers: SfOptimizerComparison[];
  /** Thresholds of the yes/no answers (relative to the seed distance). */
  nearFactor: number;
  farFactor: number;
}

const NEAR = 0.5;
const FAR = 1;

/** The feature measures a verdict compares (of one pair of models). */
type PairMeasure = 'hungarianMeanAbsR' | 'greedyMeanAbsR' | 'ckaDebiased';
/** What the verdict reads of a compared pair. */
export type VerdictPair = Pick<SfFeaturePair, 'architecture' | 'pairType' | 'optimizer' | 'perturbation' | 'relativeParameterDistance' | PairMeasure>;

function perturbationSummary(perturbation: string, x: readonly SfRetrain[], fp: readonly VerdictPair[]): SfPerturbationSummary {
  return {
    perturbation,
    runs: x.length,
    diverged: x.filter((r) => r.diverged).length,
    startTestAccuracy: ci(x, (r) => r.startTestAccuracy),
    retrainedTestAccuracy: ci(x, (r) => r.retrainedTestAccuracy),
    relativeStartDistance: ci(x, (r) => r.relativeStartDistance),
    relativeDistanceToOriginal: ci(x, (r) => r.kept?.relativeDistanceToOriginal),
    relativeDistanceToControl: ci(x, (r) => r.kept?.relativeDistanceToControl),
    gapClosed: ci(x, (r) => r.kept?.gapClosed),
    changedFraction: ci(x, (r) => r.kept?.changedFraction),
    testLossBarrier: ci(x, (r) => r.kept?.testLossBarrier),
    testAccuracyDrop: ci(x, (r) => r.kept?.testAccuracyDrop),
    hungarianMeanAbsR: ci(fp, (p) => p.hungarianMeanAbsR),
    greedyMeanAbsR: ci(fp, (p) => p.greedyMeanAbsR),
    ckaDebiased: ci(fp, (p) => p.ckaDebiased),
  };
}

/** What the flip of a BatchNorm net does to its running variances and outputs (null for nets without BN). */
function flipBatchNormOf(rs: readonly SfRetrain[]): SfGroupVerdict['flipBatchNorm'] {
  const fa = rs.filter((r) => r.perturbation === 'flip-all');
  const fw = rs.filter((r) => r.perturbation === 'flip-weights');
  if (!fa.some((r) => r.negativeVariancesAtStart > 0)) return null;
  const between = fa.map((r) => {
    const d = r.lastDistanceBetweenFlips;
    const n = r.originalNorm;
    return d === null || n === null || n === 0 ? null : d / n;
  }).filter((v): v is number => v !== null);
  return {
    negativeVariancesAtStart: Math.max(...nums(fa, (r) => r.negativeVariancesAtStart)),
    negativeVariancesAtEnd: Math.max(0, ...nums(fa, (r) => r.negativeVariancesAtEnd)),
    startNonFiniteShare: ci(fa, (r) => r.startNonFiniteShare).mean,
    startAccuracyFlipAll: meanOrNull(ci(fa, (r) => r.startTestAccuracy)),
    startAccuracyFlipWeights: meanOrNull(ci(fw, (r) => r.startTestAccuracy)),
    lastRelativeDistanceBetweenFlips: meanOrNull(meanWithCI(between)),
    relativeDistanceFlipAll: meanOrNull(ci(fa, (r) => r.kept?.relativeDistanceToOriginal)),
    relativeDistanceFlipWeights: meanOrNull(ci(fw, (r) => r.kept?.relativeDistanceToOriginal)),
  };
}

/** Adam against SGD in the feature similarity of seed pairs of one architecture. */
function optimizerComparison(architecture: PcArchitecture, seedPairs: readonly VerdictPair[], optimizers: readonly PcOptimizer[]): SfOptimizerComparison {
  const byOptimizer = optimizers.map((optimizer) => {
    const x = seedPairs.filter((p) => p.optimizer === optimizer);
    return { optimizer, hungarianMeanAbsR: ci(x, (p) => p.hungarianMeanAbsR), greedyMeanAbsR: ci(x, (p) => p.greedyMeanAbsR), ckaDebiased: ci(x, (p) => p.ckaDebiased) };
  });
  const sgd = seedPairs.filter((p) => p.optimizer === 'sgd');
  const adam = seedPairs.filter((p) => p.optimizer === 'adam');
  const diff = (key: PairMeasure): number | null => {
    const a = meanOrNull(meanWithCI(nums(adam, (p) => p[key])));
    const s = meanOrNull(meanWithCI(nums(sgd, (p) => p[key])));
    return a === null || s === null ? null : a - s;
  };
  const welch = (key: PairMeasure): number | null => {
    const a = nums(adam, (p) => p[key]);
    const s = nums(sgd, (p) => p[key]);
    if (a.length < 2 || s.length < 2) return null;
    try {
      const p = welchTTest(a, s).p;
      return Number.isFinite(p) ? p : null;
    } catch {
      return null; // both samples constant: t undefined
    }
  };
  const difference = diff('hungarianMeanAbsR');
  const ckaDifference = diff('ckaDebiased');
  const welchP = welch('hungarianMeanAbsR');
  return {
    architecture,
    byOptimizer,
    difference,
    ckaDifference,
    welchP,
    ckaWelchP: welch('ckaDebiased'),
    adamMoreCorrelated: difference === null || ckaDifference === null || welchP === null ? null : difference > 0 && ckaDifference > 0 && welchP < 0.05,
  };
}

/** The descriptive verdict from the retrain records and the compared pairs of `runSignFlip`. */
export function signFlipVerdict(retrains: readonly SfRetrainRecord[], pairs: readonly VerdictPair[], config: SignFlipConfig): SignFlipVerdict {
  const groups: SfGroupVerdict[] = [];
  const optimizers: SfOptimizerComparison[] = [];
  for (const architecture of config.architectures) {
    const archPairs = pairs.filter((p) => p.architecture === architecture);
    const seedPairsAll = archPairs.filter((p) => p.pairType === 'seed');
    for (const optimizer of config.perturb.optimizers) {
      const rs = retrains.filter(isRetrained).filter((r) => r.architecture === architecture && r.optimizer === optimizer);
      if (rs.length === 0) continue;
      const ps = archPairs.filter((p) => p.optimizer === optimizer);
      const seedPairs = seedPairsAll.filter((p) => p.optimizer === optimizer);
      const seedDistance = ci(seedPairs, (p) => p.relativeParameterDistance);
      const labels = [...new Set(rs.map((r) => r.perturbation))];
      const perturbations = labels.map((perturbation) => perturbationSummary(
        perturbation,
        rs.filter((r) => r.perturbation === perturbation),
        ps.filter((p) => p.pairType === 'original-vs-retrained' && p.perturbation === perturbation),
      ));
      const of = (label: string): SfPerturbationSummary | undefined => perturbations.find((p) => p.perturbation === label);
      const near = (label: string): boolean | null => {
        const d = meanOrNull(of(label)?.relativeDistanceToOriginal);
        const seed = meanOrNull(seedDistance);
        return d === null || seed === null ? null : d < NEAR * seed;
      };
      const flipAll = meanOrNull(of('flip-all')?.relativeDistanceToOriginal);
      const seedMean = meanOrNull(seedDistance);
      groups.push({
        architecture,
        optimizer,
        originalTestAccuracy: ci(rs.filter((r) => r.perturbation === 'none'), (r) => r.originalTestAccuracy),
        seedRelativeDistance: seedDistance,
        seedHungarianMeanAbsR: ci(seedPairs, (p) => p.hungarianMeanAbsR),
        seedCkaDebiased: ci(seedPairs, (p) => p.ckaDebiased),
        perturbations,
        distortionReturns: near('shift-1e-6'),
        controlReturns: near('none'),
        shiftVsControl: meanOrNull(of('shift-1e-6')?.relativeDistanceToControl),
        repeatVsControl: meanOrNull(of('none-repeat')?.relativeDistanceToControl),
        flipFarAway: flipAll === null || seedMean === null ? null : flipAll >= FAR * seedMean,
        flipBatchNorm: flipBatchNormOf(rs),
      });
    }
    optimizers.push(optimizerComparison(architecture, seedPairsAll, config.optimizers));
  }
  return { groups, optimizers, nearFactor: NEAR, farFactor: FAR };
}

const withCI = (m: MeanCI, fmt: (x: number) => string = (x) => fixed(x, 3)): string =>
  !Number.isFinite(m.mean) ? 'n/a' : !Number.isFinite(m.lo) || !Number.isFinite(m.hi) ? `${fmt(m.mean)} (n = ${m.n})` : `${fmt(m.mean)} [${fmt(m.lo)}, ${fmt(m.hi)}] (n = ${m.n})`;
const yesNo = (b: boolean | null): string => (b === null ? 'not measured' : b ? 'yes (descriptive)' : 'no (descriptive)');

/** Markdown verdict quoting the numbers. */
export function signFlipVerdictText(v: SignFlipVerdict): string {
  const lines: string[] = ['## Verdict', ''];
  lines.push(`Distances are ‖θ − θ_orig‖ / ‖θ_orig‖ over learned parameters; "near" = less than ${v.nearFactor}× and "far" = at least ${v.farFactor}× the distance between two independently trained seeds of the same recipe. Means with 95% CIs.`, '');
  for (const a of v.groups) {
    const p = (label: string): SfPerturbationSummary | undefined => a.perturbations.find((x) => x.perturbation === label);
    lines.push(`**${a.architecture}, ${a.optimizer}** (original test accuracy ${withCI(a.originalTestAccuracy, percent)}; another seed's solution lies at ${withCI(a.seedRelativeDistance)}, its features match at Hungarian |r| ${withCI(a.seedHungarianMeanAbsR)}, debiased CKA ${withCI(a.seedCkaDebiased)}):`);
    const none = p('none');
    const shift = p('shift-1e-6');
    const flip = p('flip-all');
    if (none) lines.push(`- Retraining with no perturbation (control) ends at ${withCI(none.relativeDistanceToOriginal)} from the original (debiased CKA to it ${withCI(none.ckaDebiased)}); the same retrain repeated ends ${fixed(a.repeatVsControl, 3)} from it (the noise floor of this backend: rounding differences amplified by training).`);
    if (shift) {
      lines.push(`- Distortion +1e-6: ends at ${withCI(shift.relativeDistanceToOriginal)} from the original and ${fixed(a.shiftVsControl, 3)} from the control retrain; features: Hungarian |r| ${withCI(shift.hungarianMeanAbsR)}, debiased CKA ${withCI(shift.ckaDebiased)}; test accuracy ${withCI(shift.retrainedTestAccuracy, percent)}. Converges back to the same weights: ${yesNo(a.distortionReturns)}${a.controlReturns !== null ? ` (the unperturbed control: ${yesNo(a.controlReturns)})` : ''}.`);
    }
    if (flip) {
      lines.push(`- Sign flip (every entry): starts at ${withCI(flip.relativeStartDistance)} (test accuracy right after the flip ${withCI(flip.startTestAccuracy, percent)}), ends at ${withCI(flip.relativeDistanceToOriginal)} (gap closed ${withCI(flip.gapClosed, percent)}), test accuracy ${withCI(flip.retrainedTestAccuracy, percent)}; features vs the original: Hungarian |r| ${withCI(flip.hungarianMeanAbsR)}, debiased CKA ${withCI(flip.ckaDebiased)}. Ends far away: ${yesNo(a.flipFarAway)}.`);
    }
    const bn = a.flipBatchNorm;
    if (bn) {
      lines.push(`- BatchNorm: the flip makes ${bn.negativeVariancesAtStart} running variances negative; right after it ${percent(bn.startNonFiniteShare)} of the test outputs are NaN (accuracy ${percent(bn.startAccuracyFlipAll)}; flipping only the learned parameters: ${percent(bn.startAccuracyFlipWeights)}). After retraining ${bn.negativeVariancesAtEnd} remain negative. The two flip retrains end ${fixed(bn.lastRelativeDistanceBetweenFlips, 3)} apart (relative, last epoch; compare the repeat floor ${fixed(a.repeatVsControl, 3)}): training-mode BN uses batch statistics and never reads the running ones. Kept models at ${fixed(bn.relativeDistanceFlipAll, 3)} and ${fixed(bn.relativeDistanceFlipWeights, 3)} from the original.`);
    }
    const noise = a.perturbations.filter((x) => x.perturbation.startsWith('noise-'));
    if (noise.length > 0) {
      lines.push(`- Relative noise σ·|θ|: ${noise.map((x) => `σ = ${x.perturbation.slice(6)} → distance ${fixed(x.relativeDistanceToOriginal.mean, 3)} (start ${fixed(x.relativeStartDistance.mean, 3)}, from the control ${fixed(x.relativeDistanceToControl.mean, 3)}), CKA ${fixed(x.ckaDebiased.mean, 3)}, accuracy ${percent(x.retrainedTestAccuracy.mean)}`).join('; ')}.`);
    }
    const barriers = a.perturbations.map((x) => `${x.perturbation} ${fixed(x.testLossBarrier.mean, 3)}`).join(', ');
    lines.push(`- Test-loss barrier on the straight line to the original (max bump over the chord, BN statistics recomputed at every point): ${barriers}.`);
    lines.push('');
  }
  lines.push('**Are Adam-trained features more correlated than SGD-trained ones?** (seed pairs, same init)');
  for (const o of v.optimizers) {
    const parts = o.byOptimizer.map((b) => `${b.optimizer}: Hungarian |r| ${withCI(b.hungarianMeanAbsR)}, greedy ${fixed(b.greedyMeanAbsR.mean, 3)}, debiased CKA ${withCI(b.ckaDebiased)}`);
    lines.push(`- ${o.architecture}: ${parts.join('; ')}. Adam − SGD: ${fixed(o.difference, 3)} (Welch p ${pValue(o.welchP, 1e-3)}), CKA ${fixed(o.ckaDifference, 3)} (p ${pValue(o.ckaWelchP, 1e-3)}) → ${yesNo(o.adamMoreCorrelated)}.`);
  }
  return lines.join('\n');
}

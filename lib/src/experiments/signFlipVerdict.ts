/**
 * The verdict of issue 9, by the numbers (computed from the tidy rows of `runSignFlip`):
 * - does the distortion (+1e-6) converge back to the same weights and features — and does it differ at all from
 *   retraining without any perturbation?
 * - does the sign flip end far away, and what does the flipped BatchNorm running variance do?
 * - are Adam-trained features more correlated across seeds than SGD-trained ones?
 * The yardstick for "near" and "far" is the distance between two independently trained models (same recipe, other
 * seed): "back to the same weights" = less than half of it; "far away" = at least as far as another seed's solution.
 */
import type { Cell, Row } from '../report/table';
import { welchTTest } from '../stats/twoSample';
import type { PcArchitecture, PcOptimizer } from './parameterChange';
import { meanWithCI, type MeanWithCI } from './parameterChangeVerdict';
import type { SignFlipConfig } from './signFlip';

function num(row: Row, key: string): number | null {
  const v: Cell | undefined = row[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function nums(rows: readonly Row[], key: string): number[] {
  return rows.map((r) => num(r, key)).filter((v): v is number => v !== null);
}

const ci = (rows: readonly Row[], key: string): MeanWithCI => meanWithCI(nums(rows, key));

export interface SfPerturbationSummary {
  perturbation: string;
  runs: number;
  diverged: number;
  startTestAccuracy: MeanWithCI;
  retrainedTestAccuracy: MeanWithCI;
  relativeStartDistance: MeanWithCI;
  relativeDistanceToOriginal: MeanWithCI;
  relativeDistanceToControl: MeanWithCI;
  gapClosed: MeanWithCI;
  changedFraction: MeanWithCI;
  testLossBarrier: MeanWithCI;
  testAccuracyDrop: MeanWithCI;
  /** Features of the retrained model vs the original's. */
  hungarianMeanAbsR: MeanWithCI;
  greedyMeanAbsR: MeanWithCI;
  ckaDebiased: MeanWithCI;
}

export interface SfArchitectureVerdict {
  architecture: PcArchitecture;
  originalTestAccuracy: MeanWithCI;
  /** Yardstick: independently trained models of the same recipe (seed pairs). */
  seedRelativeDistance: MeanWithCI;
  seedHungarianMeanAbsR: MeanWithCI;
  seedCkaDebiased: MeanWithCI;
  perturbations: SfPerturbationSummary[];
  /** +1e-6 retrain ends closer to the original than half the seed distance (null: not measured). */
  distortionReturns: boolean | null;
  /** Same for the unperturbed retrain (the control). */
  controlReturns: boolean | null;
  /** flip-all retrain ends at least as far from the original as another seed's solution. */
  flipFarAway: boolean | null;
  /** BN nets only: what the flipped running variance does. */
  flipBatchNorm: {
    negativeVariancesAtStart: number;
    negativeVariancesAtEnd: number;
    startNonFiniteShare: number;
    startAccuracyFlipAll: number | null;
    startAccuracyFlipWeights: number | null;
    /** ‖θ_last(flip-all) − θ_last(flip-weights)‖ over learned parameters, max over runs (0 = identical training). */
    maxLastDistanceBetweenFlips: number | null;
    relativeDistanceFlipAll: number | null;
    relativeDistanceFlipWeights: number | null;
  } | null;
}

export interface SfOptimizerComparison {
  architecture: PcArchitecture;
  /** Feature similarity of seed pairs trained with one optimiser. */
  byOptimizer: { optimizer: PcOptimizer; hungarianMeanAbsR: MeanWithCI; greedyMeanAbsR: MeanWithCI; ckaDebiased: MeanWithCI }[];
  /** Adam minus SGD (mean Hungarian |r| of seed pairs), Welch p (null when n < 2 on a side). */
  difference: number | null;
  ckaDifference: number | null;
  welchP: number | null;
  ckaWelchP: number | null;
  /** Adam higher on both measures, with p < 0.05 on the Hungarian |r| (null: not measured). */
  adamMoreCorrelated: boolean | null;
}

export interface SignFlipVerdict {
  architectures: SfArchitectureVerdict[];
  optimizers: SfOptimizerComparison[];
  /** Thresholds of the yes/no answers (relative to the seed distance). */
  nearFactor: number;
  farFactor: number;
}

const NEAR = 0.5;
const FAR = 1;

export function signFlipVerdict(retrains: readonly Row[], pairs: readonly Row[], config: SignFlipConfig): SignFlipVerdict {
  const architectures: SfArchitectureVerdict[] = [];
  const optimizers: SfOptimizerComparison[] = [];
  for (const architecture of config.architectures) {
    const rs = retrains.filter((r) => r['architecture'] === architecture && r['skipped'] === undefined);
    const ps = pairs.filter((p) => p['architecture'] === architecture);
    const seedPairs = ps.filter((p) => p['pairType'] === 'seed');
    const seedDistance = ci(seedPairs, 'relativeParameterDistance');
    const labels = [...new Set(rs.map((r) => r['perturbation'] as string))];
    const perturbations = labels.map((perturbation): SfPerturbationSummary => {
      const x = rs.filter((r) => r['perturbation'] === perturbation);
      const fp = ps.filter((p) => p['pairType'] === 'original-vs-retrained' && p['perturbation'] === perturbation);
      return {
        perturbation,
        runs: x.length,
        diverged: x.filter((r) => r['diverged'] === true).length,
        startTestAccuracy: ci(x, 'startTestAccuracy'),
        retrainedTestAccuracy: ci(x, 'retrainedTestAccuracy'),
        relativeStartDistance: ci(x, 'relativeStartDistance'),
        relativeDistanceToOriginal: ci(x, 'relativeDistanceToOriginal'),
        relativeDistanceToControl: ci(x, 'relativeDistanceToControl'),
        gapClosed: ci(x, 'gapClosed'),
        changedFraction: ci(x, 'changedFraction'),
        testLossBarrier: ci(x, 'testLossBarrier'),
        testAccuracyDrop: ci(x, 'testAccuracyDrop'),
        hungarianMeanAbsR: ci(fp, 'hungarianMeanAbsR'),
        greedyMeanAbsR: ci(fp, 'greedyMeanAbsR'),
        ckaDebiased: ci(fp, 'ckaDebiased'),
      };
    });
    const of = (label: string): SfPerturbationSummary | undefined => perturbations.find((p) => p.perturbation === label);
    const near = (label: string): boolean | null => {
      const d = of(label)?.relativeDistanceToOriginal.mean ?? null;
      return d === null || seedDistance.mean === null ? null : d < NEAR * seedDistance.mean;
    };
    const flipAll = of('flip-all')?.relativeDistanceToOriginal.mean ?? null;
    const fa = rs.filter((r) => r['perturbation'] === 'flip-all');
    const fw = rs.filter((r) => r['perturbation'] === 'flip-weights');
    const between = nums(fa, 'lastDistanceBetweenFlips');
    const withBn = fa.some((r) => (num(r, 'negativeVariancesAtStart') ?? 0) > 0);
    architectures.push({
      architecture,
      originalTestAccuracy: ci(rs.filter((r) => r['perturbation'] === 'none'), 'originalTestAccuracy'),
      seedRelativeDistance: seedDistance,
      seedHungarianMeanAbsR: ci(seedPairs, 'hungarianMeanAbsR'),
      seedCkaDebiased: ci(seedPairs, 'ckaDebiased'),
      perturbations,
      distortionReturns: near('shift-1e-6'),
      controlReturns: near('none'),
      flipFarAway: flipAll === null || seedDistance.mean === null ? null : flipAll >= FAR * seedDistance.mean,
      flipBatchNorm: withBn
        ? {
            negativeVariancesAtStart: Math.max(...nums(fa, 'negativeVariancesAtStart')),
            negativeVariancesAtEnd: Math.max(0, ...nums(fa, 'negativeVariancesAtEnd')),
            startNonFiniteShare: ci(fa, 'startNonFiniteShare').mean ?? NaN,
            startAccuracyFlipAll: ci(fa, 'startTestAccuracy').mean,
            startAccuracyFlipWeights: ci(fw, 'startTestAccuracy').mean,
            maxLastDistanceBetweenFlips: between.length === 0 ? null : Math.max(...between),
            relativeDistanceFlipAll: ci(fa, 'relativeDistanceToOriginal').mean,
            relativeDistanceFlipWeights: ci(fw, 'relativeDistanceToOriginal').mean,
          }
        : null,
    });
    const byOptimizer = config.optimizers.map((optimizer) => {
      const x = seedPairs.filter((p) => p['optimizer'] === optimizer);
      return { optimizer, hungarianMeanAbsR: ci(x, 'hungarianMeanAbsR'), greedyMeanAbsR: ci(x, 'greedyMeanAbsR'), ckaDebiased: ci(x, 'ckaDebiased') };
    });
    const sgd = seedPairs.filter((p) => p['optimizer'] === 'sgd');
    const adam = seedPairs.filter((p) => p['optimizer'] === 'adam');
    const diff = (key: string): number | null => {
      const a = meanWithCI(nums(adam, key)).mean;
      const s = meanWithCI(nums(sgd, key)).mean;
      return a === null || s === null ? null : a - s;
    };
    const welch = (key: string): number | null => {
      const a = nums(adam, key);
      const s = nums(sgd, key);
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
    optimizers.push({
      architecture,
      byOptimizer,
      difference,
      ckaDifference,
      welchP,
      ckaWelchP: welch('ckaDebiased'),
      adamMoreCorrelated: difference === null || ckaDifference === null || welchP === null ? null : difference > 0 && ckaDifference > 0 && welchP < 0.05,
    });
  }
  return { architectures, optimizers, nearFactor: NEAR, farFactor: FAR };
}

const pct = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const f3 = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));
const withCI = (m: MeanWithCI, fmt: (x: number | null) => string = f3): string =>
  m.mean === null ? 'n/a' : m.lo === null || m.hi === null ? `${fmt(m.mean)} (n = ${m.n})` : `${fmt(m.mean)} [${fmt(m.lo)}, ${fmt(m.hi)}] (n = ${m.n})`;
const yesNo = (b: boolean | null): string => (b === null ? 'not measured' : b ? '**yes**' : '**no**');

/** Markdown verdict quoting the numbers. */
export function signFlipVerdictText(v: SignFlipVerdict): string {
  const lines: string[] = ['## Verdict', ''];
  lines.push(`Distances are ‖θ − θ_orig‖ / ‖θ_orig‖ over learned parameters; "near" = less than ${v.nearFactor}× and "far" = at least ${v.farFactor}× the distance between two independently trained seeds of the same recipe. Means with 95% CIs.`, '');
  for (const a of v.architectures) {
    const p = (label: string): SfPerturbationSummary | undefined => a.perturbations.find((x) => x.perturbation === label);
    lines.push(`**${a.architecture}** (original test accuracy ${withCI(a.originalTestAccuracy, pct)}; another seed's solution lies at ${withCI(a.seedRelativeDistance)}, its features match at Hungarian |r| ${withCI(a.seedHungarianMeanAbsR)}, debiased CKA ${withCI(a.seedCkaDebiased)}):`);
    const none = p('none');
    const shift = p('shift-1e-6');
    const flip = p('flip-all');
    if (none) lines.push(`- Retraining with no perturbation (control) ends at ${withCI(none.relativeDistanceToOriginal)} from the original (debiased CKA to it ${withCI(none.ckaDebiased)}).`);
    if (shift) {
      lines.push(`- Distortion +1e-6: ends at ${withCI(shift.relativeDistanceToOriginal)} from the original and ${withCI(shift.relativeDistanceToControl)} from the control retrain; features: Hungarian |r| ${withCI(shift.hungarianMeanAbsR)}, debiased CKA ${withCI(shift.ckaDebiased)}; test accuracy ${withCI(shift.retrainedTestAccuracy, pct)}. Converges back to the same weights: ${yesNo(a.distortionReturns)}${a.controlReturns !== null ? ` (the unperturbed control: ${yesNo(a.controlReturns)})` : ''}.`);
    }
    if (flip) {
      lines.push(`- Sign flip (every entry): starts at ${withCI(flip.relativeStartDistance)} (test accuracy right after the flip ${withCI(flip.startTestAccuracy, pct)}), ends at ${withCI(flip.relativeDistanceToOriginal)} (gap closed ${withCI(flip.gapClosed, pct)}), test accuracy ${withCI(flip.retrainedTestAccuracy, pct)}; features vs the original: Hungarian |r| ${withCI(flip.hungarianMeanAbsR)}, debiased CKA ${withCI(flip.ckaDebiased)}. Ends far away: ${yesNo(a.flipFarAway)}.`);
    }
    const bn = a.flipBatchNorm;
    if (bn) {
      lines.push(`- BatchNorm: the flip makes ${bn.negativeVariancesAtStart} running variances negative; right after it ${pct(bn.startNonFiniteShare)} of the test outputs are NaN (accuracy ${pct(bn.startAccuracyFlipAll)}; flipping only the learned parameters: ${pct(bn.startAccuracyFlipWeights)}). After retraining ${bn.negativeVariancesAtEnd} remain negative. The learned parameters of the two flip retrains differ by ${bn.maxLastDistanceBetweenFlips === null ? 'n/a' : bn.maxLastDistanceBetweenFlips.toExponential(2)} at the last epoch (training-mode BN uses batch statistics and never reads the running ones); the kept best-validation models lie at ${f3(bn.relativeDistanceFlipAll)} and ${f3(bn.relativeDistanceFlipWeights)}.`);
    }
    const noise = a.perturbations.filter((x) => x.perturbation.startsWith('noise-'));
    if (noise.length > 0) {
      lines.push(`- Relative noise σ·|θ|: ${noise.map((x) => `σ = ${x.perturbation.slice(6)} → distance ${f3(x.relativeDistanceToOriginal.mean)} (start ${f3(x.relativeStartDistance.mean)}), CKA ${f3(x.ckaDebiased.mean)}, accuracy ${pct(x.retrainedTestAccuracy.mean)}`).join('; ')}.`);
    }
    const barriers = a.perturbations.map((x) => `${x.perturbation} ${f3(x.testLossBarrier.mean)}`).join(', ');
    lines.push(`- Test-loss barrier on the straight line to the original (max bump over the chord, BN statistics recomputed at every point): ${barriers}.`);
    lines.push('');
  }
  lines.push('**Are Adam-trained features more correlated than SGD-trained ones?** (seed pairs, same init)');
  for (const o of v.optimizers) {
    const parts = o.byOptimizer.map((b) => `${b.optimizer}: Hungarian |r| ${withCI(b.hungarianMeanAbsR)}, greedy ${f3(b.greedyMeanAbsR.mean)}, debiased CKA ${withCI(b.ckaDebiased)}`);
    lines.push(`- ${o.architecture}: ${parts.join('; ')}. Adam − SGD: ${f3(o.difference)} (Welch p ${o.welchP === null ? 'n/a' : o.welchP.toFixed(3)}), CKA ${f3(o.ckaDifference)} (p ${o.ckaWelchP === null ? 'n/a' : o.ckaWelchP.toFixed(3)}) → ${yesNo(o.adamMoreCorrelated)}.`);
  }
  return lines.join('\n');
}

// The verdicts of notebook 03: the seed's claims, each decided from intervals over independently trained models by the
// project's three-valued rules (holds / fails / inconclusive).
import type { LinearFitResult } from '../../stats/correlation';
import {
  verdictAgainstThreshold,
  verdictBoth,
  verdictWithinBand,
  type IntervalEstimate,
  type VerdictStatus,
} from '../../stats/verdict';
import { meanInterval, type MeanCI } from '../../stats/intervals';
import { quantile } from '../../stats/descriptive';
import { criterionFor, meetsCriterion, type ActivationVarianceDataset } from './config';
import type { ActivationVarianceReplicate, ActivationVarianceResult } from './run';
import type { ActivationVarianceResizeResult } from './resize';
import { argmaxIndex, bootstrapReplicates, deriveExperimentSeed, indexShares, logAndLinearFits, plateauIndex, shapiroOfStds } from './stats';

/** One row per trained model: its accuracies and whether it met its criterion (the training record). */
// A type (not an interface) so that rows go straight into a table.
export type TrainingRecordRow = {
  dataset: ActivationVarianceDataset;
  width: number;
  replicate: number;
  trainAccuracy: number;
  testAccuracy: number;
  criterion: number;
  meetsCriterion: boolean;
};

export function trainingRecord(result: ActivationVarianceResult): TrainingRecordRow[] {
  return result.runs.flatMap((run) =>
    run.replicates.map((r) => ({
      dataset: r.dataset,
      width: r.width,
      replicate: r.replicate,
      trainAccuracy: r.trainAccuracy,
      testAccuracy: r.testAccuracy,
      criterion: criterionFor(r.dataset, r.width),
      meetsCriterion: meetsCriterion(r),
    })),
  );
}

/** "The total amount of variance follows a logarithmic trend", under one definition of "total variance". */
export interface TotalTrendClaim {
  definition: 'sum of stds' | 'sum of variances';
  /** Fits over every converged model (one point per model). */
  pooled: { log: LinearFitResult; linear: LinearFitResult };
  /** Per replicate curve (replicate r at every width, all independent models): R² of each fit. */
  curves: { replicate: number; points: number; logR2: number; linearR2: number }[];
  /** R²(a + b ln w) − R²(a + b w) over the curves: > 0 means the logarithm describes the growth better. */
  logAdvantage: MeanCI;
  status: VerdictStatus;
}

/** "W peaks where the accuracy stops improving" (181 vs 256 in the seed), with the uncertainty of both widths. */
export interface PeakClaim {
  widths: number[];
  /** The point estimates: argmax of the pooled W and the plateau of the mean test accuracy. */
  wArgmaxWidth: number;
  plateauWidth: number;
  /** Per replicate r: argmax over widths of its own W, and the plateau of its own test-accuracy curve. */
  perReplicateWArgmax: number[];
  perReplicatePlateau: number[];
  resamples: number;
  /** Share of bootstrap resamples whose pooled-W argmax / accuracy plateau falls on each width. */
  wArgmaxShares: number[];
  plateauShares: number[];
  /** log2(W argmax / plateau width) in octaves: estimate and the bootstrap's 95% percentile interval. */
  octaves: IntervalEstimate;
  /** Agreement band in octaves (half an octave = one step of the seed's grid, its 181 vs 256). */
  toleranceOctaves: number;
  status: VerdictStatus;
}

/** "The number of dead neurons increases with the network size (almost linearly after some time)". */
export interface DeadNeuronClaim {
  /** First width from which every converged model has a dead neuron (where "after some time" starts), or null. */
  fromWidth: number | null;
  widths: number[];
  /** Slope of the dead count per added neuron, per replicate curve over those widths. */
  slope: MeanCI;
  /** R²(linear in w) − R²(linear in ln w) per curve: > 0 means the straight line describes it better. */
  linearAdvantage: MeanCI;
  status: VerdictStatus;
}

export interface ActivationVarianceClaims {
  dataset: ActivationVarianceDataset;
  scale: ActivationVarianceResult['config']['scale'];
  models: number;
  excludedModels: number;
  totalStd: TotalTrendClaim;
  totalVariance: TotalTrendClaim;
  peak: PeakClaim;
  dead: DeadNeuronClaim;
}

/** The replicates of every width that met their convergence criterion, grid order. */
function convergedGroups(result: ActivationVarianceResult): { width: number; stds: number[][]; replicates: ActivationVarianceReplicate[] }[] {
  return result.runs.map((run) => {
    const keep = run.replicates.map(meetsCriterion);
    return {
      width: run.width,
      replicates: run.replicates.filter((_, i) => keep[i]),
      stds: run.stdSamples.filter((_, i) => keep[i]),
    };
  });
}

/** Curves of one replicate index over the widths where that model converged. */
function replicateCurves(
  groups: ReturnType<typeof convergedGroups>,
  value: (r: ActivationVarianceReplicate) => number,
  fromWidth = -Infinity,
): { replicate: number; widths: number[]; values: number[] }[] {
  const byReplicate = new Map<number, { widths: number[]; values: number[] }>();
  for (const g of groups) {
    if (g.width < fromWidth) continue;
    for (const r of g.replicates) {
      const c = byReplicate.get(r.replicate) ?? { widths: [], values: [] };
      c.widths.push(g.width);
      c.values.push(value(r));
      byReplicate.set(r.replicate, c);
    }
  }
  return [...byReplicate].sort((a, b) => a[0] - b[0]).map(([replicate, c]) => ({ replicate, ...c }));
}

function totalTrendClaim(groups: ReturnType<typeof convergedGroups>, definition: TotalTrendClaim['definition'], seed: number): TotalTrendClaim {
  const value = (r: ActivationVarianceReplicate): number => (definition === 'sum of stds' ? r.totalStd : r.totalVariance);
  const points = groups.flatMap((g) => g.replicates.map((r) => ({ w: g.width, y: value(r) })));
  const pooled = logAndLinearFits(points.map((p) => p.w), points.map((p) => p.y));
  const curves = replicateCurves(groups, value).map((c) => {
    const fits = logAndLinearFits(c.widths, c.values);
    return { replicate: c.replicate, points: c.widths.length, logR2: fits.log.r2, linearR2: fits.linear.r2 };
  });
  const logAdvantage = meanInterval(curves.map((c) => c.logR2 - c.linearR2), { seed });
  return { definition, pooled, curves, logAdvantage, status: verdictAgainstThreshold(logAdvantage, 0, 'above') };
}

/** Pooled Shapiro-Wilk W of some replicates' stds (the seed's statistic), subsampled to 5000 values when larger. */
function pooledW(stds: readonly (readonly number[])[], seed: number): number {
  const all = stds.flat();
  return all.length < 3 ? NaN : shapiroOfStds(all, seed).w;
}

function peakClaim(result: ActivationVarianceResult, groups: ReturnType<typeof convergedGroups>, resamples: number): PeakClaim {
  const { seed, dataset } = result.config;
  const tolerance = result.summary.plateauTolerance;
  const widths = groups.map((g) => g.width);
  const meanAccuracy = (reps: readonly ActivationVarianceReplicate[]): number =>
    reps.length === 0 ? NaN : reps.reduce((s, r) => s + r.testAccuracy, 0) / reps.length;
  const widthAt = (i: number): number => (i >= 0 ? (widths[i] as number) : NaN);
  const pointW = groups.map((g, i) => pooledW(g.stds, deriveExperimentSeed(seed, dataset, 'peak-w', widths[i] as number)));
  const wArgmaxWidth = widthAt(argmaxIndex(pointW));
  const plateauWidth = widthAt(plateauIndex(groups.map((g) => meanAccuracy(g.replicates)), tolerance));
  const replicateIds = [...new Set(groups.flatMap((g) => g.replicates.map((r) => r.replicate)))].sort((a, b) => a - b);
  const perReplicate = (f: (r: ActivationVarianceReplicate) => number, pick: (values: number[]) => number): number[] =>
    replicateIds.map((id) => widthAt(pick(groups.map((g) => {
      const r = g.replicates.find((x) => x.replicate === id);
      return r ? f(r) : NaN;
    }))));
  // Resample the models of every width (each with its stds and accuracy), then find both widths in the same resample.
  const members = groups.map((g) => g.replicates.map((r, i) => ({ r, stds: g.stds[i] as number[] })));
  const draws = bootstrapReplicates(
    members,
    (resampled) => {
      const w = resampled.map((m, i) => pooledW(m.map((x) => x.stds), deriveExperimentSeed(seed, dataset, 'peak-w', widths[i] as number)));
      const acc = resampled.map((m) => meanAccuracy(m.map((x) => x.r)));
      return { wIndex: argmaxIndex(w), plateau: plateauIndex(acc, tolerance) };
    },
    { resamples, seed: deriveExperimentSeed(seed, dataset, 'peak-bootstrap') },
  );
  const octaves = draws.filter((d) => d.wIndex >= 0 && d.plateau >= 0).map((d) => Math.log2(widthAt(d.wIndex) / widthAt(d.plateau)));
  const estimate = Math.log2(wArgmaxWidth / plateauWidth);
  const interval: IntervalEstimate =
    octaves.length === 0
      ? { estimate, lo: NaN, hi: NaN, n: 0, method: 'bootstrap' }
      : {
          estimate,
          lo: quantile(octaves, 0.025),
          hi: quantile(octaves, 0.975),
          n: Math.min(...groups.map((g) => g.replicates.length)),
          method: `bootstrap over models, ${resamples} resamples, 95% percentile`,
        };
  const toleranceOctaves = 0.5;
  return {
    widths,
    wArgmaxWidth,
    plateauWidth,
    perReplicateWArgmax: perReplicate((r) => r.shapiroW, argmaxIndex),
    perReplicatePlateau: perReplicate((r) => r.testAccuracy, (v) => plateauIndex(v, tolerance)),
    resamples,
    wArgmaxShares: indexShares(draws.map((d) => d.wIndex), widths.length),
    plateauShares: indexShares(draws.map((d) => d.plateau), widths.length),
    octaves: interval,
    toleranceOctaves,
    status: verdictWithinBand(interval, -toleranceOctaves - 1e-9, toleranceOctaves + 1e-9),
  };
}

function deadNeuronClaim(groups: ReturnType<typeof convergedGroups>, seed: number): DeadNeuronClaim {
  const from = groups.find((g) => g.replicates.length > 0 && g.replicates.every((r) => r.deadCount > 0));
  const none: MeanCI = { mean: NaN, lo: NaN, hi: NaN, n: 0, method: 'none' };
  if (!from) return { fromWidth: null, widths: [], slope: none, linearAdvantage: none, status: 'inconclusive' };
  const curves = replicateCurves(groups, (r) => r.deadCount, from.width).filter((c) => new Set(c.widths).size >= 3);
  const widths = groups.filter((g) => g.width >= from.width).map((g) => g.width);
  if (curves.length === 0) return { fromWidth: from.width, widths, slope: none, linearAdvantage: none, status: 'inconclusive' };
  const fits = curves.map((c) => logAndLinearFits(c.widths, c.values));
  const slope = meanInterval(fits.map((f) => f.linear.b), { seed });
  const linearAdvantage = meanInterval(fits.map((f) => f.linear.r2 - f.log.r2), { seed: seed + 1 });
  return {
    fromWidth: from.width,
    widths,
    slope,
    linearAdvantage,
    status: verdictBoth(verdictAgainstThreshold(slope, 0, 'above'), verdictAgainstThreshold(linearAdvantage, 0, 'above')),
  };
}

/** Every claim of the seed tested on one dataset's result (converged models only). */
export function activationVarianceClaims(result: ActivationVarianceResult, options: { resamples?: number } = {}): ActivationVarianceClaims {
  const groups = convergedGroups(result);
  const models = result.runs.reduce((s, r) => s + r.replicates.length, 0);
  const kept = groups.reduce((s, g) => s + g.replicates.length, 0);
  const seed = deriveExperimentSeed(result.config.seed, result.config.dataset, 'claims');
  return {
    dataset: result.config.dataset,
    scale: result.config.scale,
    models,
    excludedModels: models - kept,
    totalStd: totalTrendClaim(groups, 'sum of stds', seed),
    totalVariance: totalTrendClaim(groups, 'sum of variances', seed + 1),
    peak: peakClaim(result, groups, options.resamples ?? 1000),
    dead: deadNeuronClaim(groups, seed + 2),
  };
}

/** The resize rule judged against the width sweep: does it end on the plateau, at what accuracy and cost? */
export interface ResizeClaim {
  dataset: ActivationVarianceDataset;
  scale: ActivationVarianceResult['config']['scale'];
  plateauWidth: number;
  /** Best mean test accuracy of the sweep (the plateau's level) and its width. */
  bestTestAccuracy: number;
  bestWidth: number;
  /** Per resized model: test accuracy − the sweep's best mean test accuracy. */
  accuracyGap: MeanCI;
  /** Per resized model: log2(final width / plateau width). */
  octavesFromPlateau: MeanCI;
  plateauTolerance: number;
  /** Multiply-adds of one resized run (training and probes) and of training the plateau width from scratch. */
  resizedMultiplyAdds: number;
  plateauScratchMultiplyAdds: number;
  /** Holds when the resized models are within the plateau tolerance of the best accuracy. */
  status: VerdictStatus;
}

export function resizeClaim(resize: ActivationVarianceResizeResult, sweep: ActivationVarianceResult): ResizeClaim {
  const s = sweep.summary;
  const seed = deriveExperimentSeed(sweep.config.seed, sweep.config.dataset, 'resize-claim');
  const accuracyGap = meanInterval(resize.resized.map((r) => r.testAccuracy - s.bestTestAccuracy), { seed });
  const octavesFromPlateau = meanInterval(resize.resized.map((r) => Math.log2(r.finalWidth / s.plateauWidth)), { seed: seed + 1 });
  // Training the plateau width once from scratch for as many epochs as the resize rule ran, from the sweep's count.
  const row = sweep.widths.find((w) => w.width === s.plateauWidth);
  const perModelEpoch = row ? row.trainMultiplyAdds / row.replicates / sweep.config.epochs : NaN;
  return {
    dataset: resize.config.dataset,
    scale: sweep.config.scale,
    plateauWidth: s.plateauWidth,
    bestTestAccuracy: s.bestTestAccuracy,
    bestWidth: s.bestTestWidth,
    accuracyGap,
    octavesFromPlateau,
    plateauTolerance: s.plateauTolerance,
    resizedMultiplyAdds: resize.summary.resizedMultiplyAdds,
    plateauScratchMultiplyAdds: perModelEpoch * resize.config.epochs,
    status: verdictAgainstThreshold(accuracyGap, -s.plateauTolerance, 'above'),
  };
}

/**
 * The transfer verdicts of notebook 05: the notes' four claims about fine-tuning, each decided by the project's
 * three-valued rules from per-seed quantities (a seed = its own source model, target set, head and data order):
 * - "freeze the first layers, nothing much is learned there": an equivalence test (TOST: the Bonferroni-adjusted
 *   1 − 2α/m interval of frozen − fine-tuned within ±margin), never the absence of a significant difference;
 * - "training from scratch is silly": pretrained (the recipe's k) − scratch above 0;
 * - "the more the datasets differ … the more layers to retrain": an interaction, domain distance × k, as the
 *   per-seed difference of the accuracy-vs-k slopes of a near and a far pair that share their source models and
 *   class count (so source accuracy and the number of classes cannot explain it);
 * - "the smaller the target dataset, the more layers to retrain": an interaction, target size × k, the per-seed
 *   difference of the slopes at the largest and the smallest target set.
 */
import { verdictAgainstThreshold, verdictWithinBand, type VerdictStatus } from '../../stats/verdict';
import { meanInterval, type MeanCI } from '../../stats/intervals';
import { TRANSFER_PAIRS, sameSource, type TransferConfig, type TransferPairId, type TransferStart } from './config';
import type { TransferRun, TransferSourceModel } from './transferTypes';
import { bonferroniLevel, leastSquaresSlope, pairedBySeed, TRANSFER_INTERVAL } from './transferStats';

/** The lecture notes' own words (Russian, quoted verbatim), printed by the verdict lines beside each measured claim. */
export const TRANSFER_CLAIM_WORDS = {
  freezeEarly: 'Нужно заморозить весы первых слоев, потому что там выделяются low level паттерны и по-сути там ничего особо обучаться и не будет',
  pretraining: 'Обучать с нуля глупо - модель просто переобучится',
  distance: 'Чем больше различие между датасетами […] тем больше слоев надо будет дообучать',
  size: 'чем меньше размер датасета для target задачи, тем больше слоев надо будет дообучать',
} as const;

/** "Freezing conv1..conv_k costs nothing": accuracy(k) − accuracy(0) per seed, equivalent to 0 within ±margin. */
export interface FreezeEquivalenceClaim {
  pair: TransferPairId;
  perClass: number;
  k: number;
  /** Mean per-seed difference with its Bonferroni-adjusted TOST interval (level 1 − 2α/m). */
  difference: MeanCI;
  margin: number;
  /** The noise floor for scale: standard deviation over seeds of the fine-tune-all (k = 0) accuracy. */
  seedSd: number;
  status: VerdictStatus;
}

/** "Pretraining beats training from scratch": accuracy(pretrained, recipe k) − accuracy(scratch) per seed, > 0. */
export interface PretrainingClaim {
  pair: TransferPairId;
  perClass: number;
  k: number;
  difference: MeanCI;
  status: VerdictStatus;
}

/** Slope of target accuracy against the number k of frozen conv layers (accuracy per layer; < 0 = freezing hurts). */
export interface SlopeGroup {
  label: string;
  slope: MeanCI;
}

/** An interaction claim: per seed, slope(a) − slope(b) > 0 means freezing hurts b more than a. */
export interface InteractionClaim {
  factor: 'domain distance' | 'target size';
  /** The cell the interaction is tested in (the target size, or the pair). */
  cell: string;
  a: SlopeGroup;
  b: SlopeGroup;
  contrast: MeanCI;
  status: VerdictStatus;
}

export interface TransferClaims {
  scale: TransferConfig['scale'];
  /** Trained models (source and target) and those left out of every verdict (criterion missed or diverged). */
  models: number;
  excludedModels: number;
  recipeK: number;
  alpha: number;
  freezeEarly: FreezeEquivalenceClaim[];
  pretraining: PretrainingClaim[];
  distance: InteractionClaim[];
  size: InteractionClaim[];
}

/** Accuracy per seed of the converged runs of one pair × size × start × k. */
function accuracyBySeed(runs: readonly TransferRun[], pair: TransferPairId, perClass: number, start: TransferStart, k: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of runs) {
    if (r.pair === pair && r.perClass === perClass && r.start === start && r.k === k && r.converged && r.testAccuracy !== null) m.set(r.seed, r.testAccuracy);
  }
  return m;
}

/** Per seed, the least-squares slope of accuracy on k over every freeze level (seeds with all levels converged). */
export function freezeSlopes(runs: readonly TransferRun[], pair: TransferPairId, perClass: number, freezeLevels: readonly number[]): Map<number, number> {
  const byK = freezeLevels.map((k) => accuracyBySeed(runs, pair, perClass, 'pretrained', k));
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  const out = new Map<number, number>();
  for (const s of seeds) {
    const ys = byK.map((m) => m.get(s));
    if (ys.every((y): y is number => y !== undefined)) out.set(s, leastSquaresSlope(freezeLevels, ys));
  }
  return out;
}

function sampleSd(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = values.reduce((s, x) => s + x, 0) / n;
  return Math.sqrt(values.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1));
}

/** Every transfer claim of the notes, from the per-seed runs (converged models only) and the source models. */
export function transferClaims(config: TransferConfig, runs: readonly TransferRun[], sources: readonly TransferSourceModel[]): TransferClaims {
  const { recipeK, equivalenceMargin, alpha } = config.claims;
  const kMin = Math.min(...config.freezeLevels);
  const cells = config.pairs.flatMap((pair) => config.target.sizes.map((perClass) => ({ pair, perClass })));
  let seed = 1;

  const equivalenceLevel = bonferroniLevel(alpha, Math.max(1, cells.length), 'equivalence');
  const freezeEarly = cells.map(({ pair, perClass }): FreezeEquivalenceClaim => {
    const base = accuracyBySeed(runs, pair, perClass, 'pretrained', kMin);
    const { differences } = pairedBySeed(accuracyBySeed(runs, pair, perClass, 'pretrained', recipeK), base);
    const difference = meanInterval(differences, { ...TRANSFER_INTERVAL, level: equivalenceLevel, seed: seed++, bounds: [-1, 1] });
    return {
      pair, perClass, k: recipeK, difference, margin: equivalenceMargin, seedSd: sampleSd([...base.values()]),
      status: verdictWithinBand(difference, -equivalenceMargin, equivalenceMargin),
    };
  });

  const superiorityLevel = bonferroniLevel(alpha, Math.max(1, cells.length));
  const pretraining = cells.map(({ pair, perClass }): PretrainingClaim => {
    const { differences } = pairedBySeed(accuracyBySeed(runs, pair, perClass, 'pretrained', recipeK), accuracyBySeed(runs, pair, perClass, 'scratch', 0));
    const difference = meanInterval(differences, { ...TRANSFER_INTERVAL, level: superiorityLevel, seed: seed++, bounds: [-1, 1] });
    return { pair, perClass, k: recipeK, difference, status: verdictAgainstThreshold(difference, 0, 'above') };
  });

  const slopeGroup = (label: string, slopes: Map<number, number>): SlopeGroup => ({
    label, slope: meanInterval([...slopes.values()], { ...TRANSFER_INTERVAL, level: 0.95, seed: seed++ }),
  });
  const interaction = (factor: InteractionClaim['factor'], cell: string, a: SlopeGroup & { slopes: Map<number, number> }, b: SlopeGroup & { slopes: Map<number, number> }, level: number): InteractionClaim => {
    const contrast = meanInterval(pairedBySeed(a.slopes, b.slopes).differences, { ...TRANSFER_INTERVAL, level, seed: seed++ });
    return { factor, cell, a: { label: a.label, slope: a.slope }, b: { label: b.label, slope: b.slope }, contrast, status: verdictAgainstThreshold(contrast, 0, 'above') };
  };
  const withSlopes = (label: string, pair: TransferPairId, perClass: number): SlopeGroup & { slopes: Map<number, number> } => {
    const slopes = freezeSlopes(runs, pair, perClass, config.freezeLevels);
    return { ...slopeGroup(label, slopes), slopes };
  };

  // Domain distance × k: near and far pairs that share their source models (and so source accuracy and classes).
  const matched = config.pairs.flatMap((n) => config.pairs.filter((f) => {
    const near = TRANSFER_PAIRS[n];
    const far = TRANSFER_PAIRS[f];
    return near.distance === 'near' && far.distance === 'far' && sameSource(near, far) && near.target.classes?.length === far.target.classes?.length;
  }).map((f) => ({ near: n, far: f })));
  const distanceCells = matched.flatMap((m) => config.target.sizes.map((perClass) => ({ ...m, perClass })));
  const distanceLevel = bonferroniLevel(alpha, Math.max(1, distanceCells.length));
  const distance = distanceCells.map(({ near, far, perClass }) =>
    interaction('domain distance', `${perClass} images per class`,
      withSlopes(`near: ${TRANSFER_PAIRS[near].label}`, near, perClass), withSlopes(`far: ${TRANSFER_PAIRS[far].label}`, far, perClass), distanceLevel));

  // Target size × k: the largest vs the smallest target set of each pair.
  const sizes = [...config.target.sizes].sort((a, b) => a - b);
  const small = sizes[0] as number;
  const large = sizes[sizes.length - 1] as number;
  const sizeLevel = bonferroniLevel(alpha, Math.max(1, config.pairs.length));
  const size = sizes.length < 2 ? [] : config.pairs.map((pair) =>
    interaction('target size', TRANSFER_PAIRS[pair].label,
      withSlopes(`${large} images per class`, pair, large), withSlopes(`${small} images per class`, pair, small), sizeLevel));

  const excludedSources = sources.filter((s) => !s.meetsCriterion).length;
  return {
    scale: config.scale,
    models: sources.length + runs.length,
    excludedModels: excludedSources + runs.filter((r) => !r.converged).length,
    recipeK,
    alpha,
    freezeEarly,
    pretraining,
    distance,
    size,
  };
}

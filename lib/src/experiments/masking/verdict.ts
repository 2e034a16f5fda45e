/**
 * Summaries and verdict of the masking study: mean test accuracy and train−validation gap with 95% intervals over
 * seeds per method, methods chosen per seed by validation accuracy (an honest "pick the best statistic / k"
 * procedure), and every method compared with plain fine-tuning and with the best freeze-k of its cell by paired
 * differences over seeds, Holm-corrected over the cells.
 */
import { quantile } from '../../stats/index';
import { meanInterval, type MeanCI } from '../../stats/intervals';
import { holmVerdicts } from '../../stats/multiple';
import { spearman } from '../../stats/correlation';
import type { VerdictStatus } from '../../stats/verdict';
import type { VerdictLine } from '../../report/verdict';
import { interval, signedPoints } from '../../util/format';
import type { Scale } from '../../util/scale';
import type { KernelSimilarity } from '../../probe/kernelSimilarity';
import type { KernelMask, MaskRule } from '../../probe/kernelMask';
import type { KernelStatistic } from '../../probe/kernelStatistics';
import type { MaskingPretrainRecord, MaskingRun } from './run';

/** The bootstrap below 5 seeds (the project's rule) is seeded so that a summary is reproducible. */
const INTERVAL_SEED = 1;

/** Mean accuracy over seeds with its 95% interval by the project's rule (t from 5 seeds, bootstrap below), in [0, 1]. */
export const accuracyInterval = (values: readonly number[]): MeanCI => meanInterval(values, { seed: INTERVAL_SEED, bounds: [0, 1] });
/** The same for a difference of two accuracies, in [−1, 1]. */
export const differenceInterval = (values: readonly number[]): MeanCI => meanInterval(values, { seed: INTERVAL_SEED, bounds: [-1, 1] });

/** Derived method ids: per seed, the masked method (or freeze-k) with the best validation accuracy. */
export const VAL_SELECTED_MASKED = 'masked (val-selected)';
export const VAL_SELECTED_FREEZE = 'freeze-k (val-selected)';

/** One (protocol, pair, n): the unit the seeds are replicated in. */
export type MaskingCellId = { protocol: 'A' | 'B'; pair: string; n: number };

const cellKey = (r: MaskingCellId): string => `${r.protocol}|${r.pair}|${r.n}`;

export function maskingCellLabel(c: MaskingCellId): string {
  return `${c.protocol} ${c.pair} n=${c.n}`;
}

/** Better validation result: higher accuracy, then lower loss, then the earlier method in the list. */
function betterOnValidation(a: MaskingRun, b: MaskingRun): boolean {
  if (a.bestValAccuracy !== b.bestValAccuracy) return a.bestValAccuracy > b.bestValAccuracy;
  return a.bestValLoss < b.bestValLoss;
}

/**
 * Adds one run per (protocol, pair, n, seed) for each derived method: among the runs of `kind` ('masked' or 'freeze')
 * the one with the best validation accuracy (ties: lower validation loss, then list order), with its test accuracy.
 */
export function maskingValSelectedRuns(runs: readonly MaskingRun[]): MaskingRun[] {
  const out: MaskingRun[] = [];
  for (const [kind, id] of [
    ['masked', VAL_SELECTED_MASKED],
    ['freeze', VAL_SELECTED_FREEZE],
  ] as const) {
    const best = new Map<string, MaskingRun>();
    for (const r of runs) {
      if (r.kind !== kind) continue;
      const key = `${cellKey(r)}|${r.seed}`;
      const current = best.get(key);
      if (!current || betterOnValidation(r, current)) best.set(key, r);
    }
    for (const r of best.values()) out.push({ ...r, method: id, methodLabel: `${id}: ${r.method}`, kind: `${kind}-selected` });
  }
  return out;
}

/** Items grouped by a string key, in first-seen order. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const meanOf = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

/** One method in one cell, over its seeds. */
export type MaskingSummary = MaskingCellId & {
  method: string;
  kind: string;
  accuracy: MeanCI;
  /** Train − validation accuracy at the best checkpoint (what "less overfitting" would lower). */
  trainValGap: MeanCI;
  /** Train − test accuracy at the same checkpoint (the same gap measured on the large test set). */
  trainTestGap: MeanCI;
  meanTrainAccuracy: number;
  meanValAccuracy: number;
  meanMaskedFraction: number;
  meanEpochs: number;
  /** Labelled images per run (train + validation); equal to n. */
  labelledImages: number;
};

/** Mean ± CI over seeds for every method, including the validation-selected ones. */
export function summarizeMasking(runs: readonly MaskingRun[]): MaskingSummary[] {
  const all = [...runs, ...maskingValSelectedRuns(runs)];
  return [...groupBy(all, (r) => `${cellKey(r)}|${r.method}`).values()].map((g) => {
    const first = g[0] as MaskingRun;
    return {
      protocol: first.protocol,
      pair: first.pair,
      n: first.n,
      method: first.method,
      kind: first.kind,
      accuracy: accuracyInterval(g.map((r) => r.testAccuracy)),
      trainValGap: differenceInterval(g.map((r) => r.trainAccuracy - r.bestValAccuracy)),
      trainTestGap: differenceInterval(g.map((r) => r.trainAccuracy - r.testAccuracy)),
      meanTrainAccuracy: meanOf(g.map((r) => r.trainAccuracy)),
      meanValAccuracy: meanOf(g.map((r) => r.bestValAccuracy)),
      meanMaskedFraction: meanOf(g.map((r) => r.maskedFraction)),
      meanEpochs: meanOf(g.map((r) => r.epochsRun)),
      labelledImages: Math.max(...g.map((r) => r.trainImages + r.validationImages)),
    };
  });
}

/** Paired difference (method − baseline) of test accuracy over the seeds both have, in one cell. */
export type MaskingDifference = MaskingCellId & {
  method: string;
  baseline: string;
  /** The per-seed differences (method − baseline), in seed order. */
  diffs: number[];
  diff: MeanCI;
  /** Seeds where the method is strictly better. */
  wins: number;
};

/** Paired differences of `method` against `baseline` per cell; `baseline` may name a method per cell. */
export function maskingPairedDifferences(runs: readonly MaskingRun[], method: string, baseline: string | ((cell: MaskingCellId) => string | null)): MaskingDifference[] {
  const all = [...runs, ...maskingValSelectedRuns(runs)];
  const byKey = new Map<string, MaskingRun>();
  for (const r of all) byKey.set(`${cellKey(r)}|${r.seed}|${r.method}`, r);
  const out: MaskingDifference[] = [];
  for (const g of groupBy(all.filter((r) => r.method === method), cellKey).values()) {
    const first = g[0] as MaskingRun;
    const base = typeof baseline === 'string' ? baseline : baseline(first);
    if (base === null || base === method) continue;
    const diffs: number[] = [];
    for (const r of [...g].sort((a, b) => a.seed - b.seed)) {
      const b = byKey.get(`${cellKey(r)}|${r.seed}|${base}`);
      if (b) diffs.push(r.testAccuracy - b.testAccuracy);
    }
    if (diffs.length === 0) continue;
    out.push({ protocol: first.protocol, pair: first.pair, n: first.n, method, baseline: base, diffs, diff: differenceInterval(diffs), wins: diffs.filter((d) => d > 0).length });
  }
  return out.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.pair.localeCompare(b.pair) || a.n - b.n);
}

/**
 * The freeze-k of each cell with the highest mean test accuracy: the strongest fixed-depth baseline. Picking it on the
 * test set favours the baseline, so a method that beats it has beaten the best the freeze family could do.
 */
export function maskingBestFreeze(runs: readonly MaskingRun[]): Map<string, string> {
  const best = new Map<string, { method: string; mean: number }>();
  for (const s of summarizeMasking(runs.filter((r) => r.kind === 'freeze'))) {
    const current = best.get(cellKey(s));
    if (!current || s.accuracy.mean > current.mean) best.set(cellKey(s), { method: s.method, mean: s.accuracy.mean });
  }
  return new Map([...best].map(([k, v]) => [k, v.method]));
}

/** The two baselines every method is compared with. */
export type MaskingBaseline = 'fine-tune all' | 'best freeze-k';

/** One method against one baseline in one cell, tested within the family of that method's cells. */
export type MaskingComparison = MaskingDifference & {
  against: MaskingBaseline;
  /** Two-sided one-sample t-test of the paired differences against 0 (NaN below 5 seeds). */
  p: number;
  /** Holm-adjusted over the cells where this method meets this baseline. */
  pHolm: number;
  /** Cells in the Holm family (those with at least 5 seeds). */
  family: number;
  /** "The method beats the baseline": holds (adjusted p < 0.05, mean above 0), fails (below 0), else inconclusive. */
  status: VerdictStatus;
};

/**
 * Every method against fine-tune all and against the best freeze-k of its cell. Per (method, baseline) the cells
 * form one family: a cell's paired differences are t-tested against 0 and the p-values Holm-adjusted over the cells
 * (those with fewer than 5 seeds are inconclusive and not counted). Freeze methods are not compared with the best
 * freeze-k (it is one of them).
 */
export function maskingComparisons(runs: readonly MaskingRun[], options: { alpha?: number } = {}): MaskingComparison[] {
  const bestFreeze = maskingBestFreeze(runs);
  const methods = [...new Set([...runs, ...maskingValSelectedRuns(runs)].map((r) => r.method))];
  const out: MaskingComparison[] = [];
  const baselines: [MaskingBaseline, (cell: MaskingCellId) => string | null][] = [
    ['fine-tune all', () => 'finetune'],
    ['best freeze-k', (cell) => bestFreeze.get(cellKey(cell)) ?? null],
  ];
  for (const [against, baseline] of baselines) {
    for (const method of methods) {
      if (against === 'best freeze-k' && (method.startsWith('freeze-') || method === VAL_SELECTED_FREEZE)) continue;
      const diffs = maskingPairedDifferences(runs, method, baseline);
      if (diffs.length === 0) continue;
      const verdicts = holmVerdicts(diffs.map((d) => d.diffs), 0, 'above', { alpha: options.alpha ?? 0.05, minN: 5 });
      const family = diffs.filter((d) => d.diffs.length >= 5).length;
      diffs.forEach((d, i) => {
        const v = verdicts[i];
        if (!v) return;
        out.push({ ...d, against, p: v.p, pHolm: v.pHolm, family, status: v.status });
      });
    }
  }
  return out;
}

/** The numbers of one cell: the baselines and the masked methods that the verdict names. */
export type MaskingVerdictCell = MaskingCellId & {
  scratch: MeanCI | null;
  finetune: MeanCI | null;
  linearProbe: MeanCI | null;
  bestFreezeMethod: string | null;
  bestFreeze: MeanCI | null;
  seedMethod: MeanCI | null;
  maskedValSelected: MeanCI | null;
  /** Best masked configuration by mean test accuracy (optimistic: chosen on the test set). */
  bestMaskedMethod: string | null;
  bestMasked: MeanCI | null;
};

/** How often each method beats / loses to a baseline over the cells (after the Holm correction). */
export type MaskingTally = { method: string; against: MaskingBaseline; cells: number; holds: number; fails: number; inconclusive: number };

/** Runs a verdict leaves out, per cell, and why (the training standard: only models that met their criterion count). */
export type MaskingExclusion = MaskingCellId & { runs: number; excluded: number; reason: string };

export interface MaskingVerdict {
  scale: Scale;
  /** Per cell: how many runs there were and how many were left out (stopped by the budget, or a source network below its criterion). */
  exclusions: MaskingExclusion[];
  /** Id of the original study's headline configuration in these results. */
  seedMethod: string;
  cells: MaskingVerdictCell[];
  comparisons: MaskingComparison[];
  tally: MaskingTally[];
  /** The verdict lines: the seed's configuration and the validation-selected masked method, per cell and baseline. */
  lines: VerdictLine[];
}

function exclusionText(e: MaskingExclusion | undefined): string {
  if (!e) return '';
  return e.excluded === 0 ? `; all ${e.runs} runs of the cell met their criterion` : `; ${e.excluded} of ${e.runs} runs of the cell excluded (${e.reason})`;
}

function comparisonLine(c: MaskingComparison, scale: Scale, label: string, exclusion: MaskingExclusion | undefined): VerdictLine {
  const n = c.diff.n;
  const p = Number.isFinite(c.pHolm) ? `, Holm-adjusted p = ${c.pHolm.toPrecision(2)} over ${c.family} cells` : `, no test (fewer than 5 seeds)`;
  return {
    claim: `masking beats plain fine-tuning: ${label} vs ${c.against}, ${maskingCellLabel(c)}`,
    status: c.status,
    evidence: `Δ test accuracy ${signedPoints(c.diff.mean)} points ${interval(c.diff.lo, c.diff.hi, signedPoints)} (${c.diff.method}, n = ${n} seeds, paired)${p}${exclusionText(exclusion)}`,
    control: c.against === 'fine-tune all' ? 'fine-tune all on the same images, head init and data order' : `${c.baseline} (the best freeze depth of the cell by mean test accuracy)`,
    scale,
  };
}

/**
 * The runs a verdict may count: those that met their convergence criterion (stopped by early stopping, not by the
 * step budget) and whose pretrained source network met its own (protocol A; `pretrain` lists them). The others are
 * counted per cell with the reason.
 */
export function maskingCountedRuns(runs: readonly MaskingRun[], pretrain: readonly MaskingPretrainRecord[] = []): { counted: MaskingRun[]; exclusions: MaskingExclusion[] } {
  const sourceMissed = new Set<string>(pretrain.filter((p) => !p.meetsCriterion).map((p) => p.pair));
  const exclusions: MaskingExclusion[] = [];
  const counted: MaskingRun[] = [];
  for (const g of groupBy(runs, cellKey).values()) {
    const first = g[0] as MaskingRun;
    const missed = first.protocol === 'A' && sourceMissed.has(first.pair);
    const kept = missed ? [] : g.filter((r) => r.stoppedEarly);
    counted.push(...kept);
    const reason = missed ? 'the pretrained source network missed its accuracy criterion' : 'stopped by the step budget, not by early stopping';
    exclusions.push({ protocol: first.protocol, pair: first.pair, n: first.n, runs: g.length, excluded: g.length - kept.length, reason });
  }
  return { counted, exclusions };
}

/**
 * Builds the verdict from the runs that met their criteria (maskingCountedRuns); `seedMethod` is the id of the
 * original study's headline configuration, `pretrain` the protocol-A source networks with their criterion.
 */
export function maskingVerdict(allRuns: readonly MaskingRun[], seedMethod: string, scale: Scale, pretrain: readonly MaskingPretrainRecord[] = []): MaskingVerdict {
  const { counted: runs, exclusions } = maskingCountedRuns(allRuns, pretrain);
  const summary = summarizeMasking(runs);
  const bestFreeze = maskingBestFreeze(runs);
  const ci = (key: string, method: string | null): MeanCI | null =>
    method === null ? null : (summary.find((s) => cellKey(s) === key && s.method === method)?.accuracy ?? null);
  const cells: MaskingVerdictCell[] = [...groupBy(runs, cellKey).entries()].map(([key, g]) => {
    const first = g[0] as MaskingRun;
    const masked = summary.filter((s) => cellKey(s) === key && s.kind === 'masked').sort((a, b) => b.accuracy.mean - a.accuracy.mean)[0];
    const freeze = bestFreeze.get(key) ?? null;
    return {
      protocol: first.protocol,
      pair: first.pair,
      n: first.n,
      scratch: ci(key, 'scratch'),
      finetune: ci(key, 'finetune'),
      linearProbe: ci(key, 'linear-probe'),
      bestFreezeMethod: freeze,
      bestFreeze: ci(key, freeze),
      seedMethod: ci(key, seedMethod),
      maskedValSelected: ci(key, VAL_SELECTED_MASKED),
      bestMaskedMethod: masked?.method ?? null,
      bestMasked: masked?.accuracy ?? null,
    };
  });
  const comparisons = maskingComparisons(runs);
  const tally: MaskingTally[] = [...groupBy(comparisons, (c) => `${c.method}|${c.against}`).values()].map((g) => {
    const first = g[0] as MaskingComparison;
    const count = (s: VerdictStatus): number => g.filter((c) => c.status === s).length;
    return { method: first.method, against: first.against, cells: g.length, holds: count('holds'), fails: count('fails'), inconclusive: count('inconclusive') };
  });
  const lines = comparisons
    .filter((c) => c.method === seedMethod || c.method === VAL_SELECTED_MASKED)
    .map((c) => comparisonLine(c, scale, c.method === seedMethod ? `the seed's configuration (${seedMethod})` : 'masked, statistic chosen on validation',
      exclusions.find((e) => cellKey(e) === cellKey(c))));
  // A cell none of whose runs counted still gets its line: the verdict cannot decide there, and says why.
  for (const e of exclusions.filter((x) => x.excluded === x.runs)) {
    lines.push({
      claim: `masking beats plain fine-tuning, ${maskingCellLabel(e)}`,
      status: 'inconclusive',
      evidence: `no run of the cell met its criterion${exclusionText(e)}`,
      control: 'fine-tune all and the best freeze-k of the cell',
      scale,
    });
  }
  return { scale, exclusions, seedMethod, cells, comparisons, tally, lines };
}

/** Per layer and statistic: median and quartiles of the per-kernel distances (which layers look alike on D and D2). */
export type MaskingLayerDistance = { statistic: KernelStatistic; layer: string; depth: number; kernels: number; medianDistance: number; q25: number; q75: number };

export function maskingLayerDistances(similarity: KernelSimilarity, statistics: readonly KernelStatistic[]): MaskingLayerDistance[] {
  const rows: MaskingLayerDistance[] = [];
  for (const statistic of statistics) {
    similarity.distances(statistic).forEach((l, depth) => {
      const finite = Array.from(l.distance).filter(Number.isFinite);
      rows.push({
        statistic,
        layer: l.layer,
        depth,
        kernels: l.distance.length,
        medianDistance: finite.length > 0 ? quantile(finite, 0.5) : NaN,
        q25: finite.length > 0 ? quantile(finite, 0.25) : NaN,
        q75: finite.length > 0 ? quantile(finite, 0.75) : NaN,
      });
    });
  }
  return rows;
}

/** How two statistics agree: overlap of the kernels they select, and rank correlation of their per-kernel distances. */
export type MaskingStatisticAgreement = {
  a: KernelStatistic;
  b: KernelStatistic;
  /** Jaccard index of the selected kernels under the same rule (1 = the same kernels). */
  jaccard: number;
  /** Mean over layers of Spearman's ρ between the two per-kernel distances (NaN where a layer's distances are constant). */
  spearman: number;
};

function layerSpearman(x: Float64Array, y: Float64Array): number {
  const keep = Array.from(x, (_, i) => i).filter((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]));
  if (keep.length < 3) return NaN;
  try {
    return spearman(keep.map((i) => x[i] as number), keep.map((i) => y[i] as number)).rho;
  } catch {
    return NaN; // a constant layer has no ranking to compare
  }
}

/** Agreement of every pair of statistics on one similarity: Jaccard overlap of the masks under `rule`, and Spearman ρ. */
export function maskingStatisticAgreement(similarity: KernelSimilarity, statistics: readonly KernelStatistic[], rule: MaskRule): MaskingStatisticAgreement[] {
  const masks: KernelMask[] = statistics.map((statistic) => similarity.mask({ ...rule, statistic }));
  const out: MaskingStatisticAgreement[] = [];
  for (let i = 0; i < masks.length; i++) {
    for (let j = i + 1; j < masks.length; j++) {
      const mi = masks[i] as KernelMask;
      const mj = masks[j] as KernelMask;
      let both = 0;
      let either = 0;
      const rhos: number[] = [];
      mi.layers.forEach((l, li) => {
        const other = mj.layers[li];
        if (!other) throw new Error(`maskingStatisticAgreement: layer ${l.layer} is missing from the ${mj.statistic} mask`);
        l.selected.forEach((s, k) => {
          const t = other.selected[k] ?? 0;
          if (s && t) both++;
          if (s || t) either++;
        });
        rhos.push(layerSpearman(l.distance, other.distance));
      });
      const finite = rhos.filter(Number.isFinite);
      out.push({ a: mi.statistic, b: mj.statistic, jaccard: either === 0 ? 1 : both / either, spearman: finite.length > 0 ? meanOf(finite) : NaN });
    }
  }
  return out;
}

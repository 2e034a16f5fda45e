/**
 * The edge of the masking study: its typed results turned into tables (CSV and display) and Markdown text, and the
 * table of how each scale differs from the original study's protocol.
 */
import type { Row } from '../../report/table';
import { verdictMarkdown } from '../../report/verdict';
import type { MeanCI } from '../../stats/intervals';
import { interval, percent, signedPoints } from '../../util/format';
import type { MaskingConfig } from './config';
import type { MaskingRun } from './run';
import { maskingMethodId } from './config';
import { groupBy, maskingCellLabel, type MaskingComparison, type MaskingSummary, type MaskingVerdict, type MaskingVerdictCell } from './verdict';

const round = (x: number, digits = 4): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

/** The mean, bounds and n of an interval as columns prefixed by `name`. */
function ciColumns(name: string, ci: MeanCI | null): Row {
  return { [name]: round(ci?.mean ?? NaN), [`${name}Lo`]: round(ci?.lo ?? NaN), [`${name}Hi`]: round(ci?.hi ?? NaN), [`${name}N`]: ci?.n ?? 0 };
}

/** One row per (cell, method): test accuracy and train−validation gap with their intervals. */
export function maskingSummaryTable(summary: readonly MaskingSummary[]): Row[] {
  return summary.map((s) => ({
    protocol: s.protocol,
    pair: s.pair,
    n: s.n,
    method: s.method,
    kind: s.kind,
    labelledImages: s.labelledImages,
    ...ciColumns('testAccuracy', s.accuracy),
    interval: s.accuracy.method,
    ...ciColumns('trainValGap', s.trainValGap),
    ...ciColumns('trainTestGap', s.trainTestGap),
    meanTrainAccuracy: round(s.meanTrainAccuracy),
    meanValAccuracy: round(s.meanValAccuracy),
    meanMaskedFraction: round(s.meanMaskedFraction),
    meanEpochs: round(s.meanEpochs, 1),
  }));
}

/**
 * The training record: per (cell, method) how many runs met the convergence criterion (early stopping before the
 * step budget), their epochs against the budget's, and mean train and test accuracy. runs.csv has the same per run.
 */
export function maskingTrainingRecordTable(runs: readonly MaskingRun[]): Row[] {
  const groups = groupBy(runs, (r) => `${r.protocol}|${r.pair}|${r.n}|${r.method}`);
  const mean = (g: readonly MaskingRun[], f: (r: MaskingRun) => number): number => round(g.reduce((s, r) => s + f(r), 0) / g.length);
  return [...groups.values()].map((g) => {
    const first = g[0] as MaskingRun;
    return {
      protocol: first.protocol, pair: first.pair, n: first.n, method: first.method, runs: g.length,
      metCriterion: g.filter((r) => r.stoppedEarly).length,
      meanEpochs: mean(g, (r) => r.epochsRun), budgetEpochs: first.scheduledEpochs,
      meanTrainAccuracy: mean(g, (r) => r.trainAccuracy), meanTestAccuracy: mean(g, (r) => r.testAccuracy),
    };
  });
}

/** One row per (method, baseline, cell): the paired difference, its interval, p, Holm-adjusted p and status. */
export function maskingComparisonTable(comparisons: readonly MaskingComparison[]): Row[] {
  return comparisons.map((c) => ({
    protocol: c.protocol,
    pair: c.pair,
    n: c.n,
    method: c.method,
    against: c.against,
    baseline: c.baseline,
    ...ciColumns('diff', c.diff),
    interval: c.diff.method,
    wins: c.wins,
    p: Number.isFinite(c.p) ? Number(c.p.toPrecision(3)) : NaN,
    pHolm: Number.isFinite(c.pHolm) ? Number(c.pHolm.toPrecision(3)) : NaN,
    family: c.family,
    status: c.status,
  }));
}

/** One row per cell: the baselines and the masked methods the verdict names (mean test accuracy and interval). */
export function maskingVerdictCellTable(cells: readonly MaskingVerdictCell[]): Row[] {
  return cells.map((c) => ({
    protocol: c.protocol,
    pair: c.pair,
    n: c.n,
    ...ciColumns('scratch', c.scratch),
    ...ciColumns('finetune', c.finetune),
    ...ciColumns('linearProbe', c.linearProbe),
    bestFreezeMethod: c.bestFreezeMethod,
    ...ciColumns('bestFreeze', c.bestFreeze),
    ...ciColumns('seedMethod', c.seedMethod),
    ...ciColumns('maskedValSelected', c.maskedValSelected),
    bestMaskedMethod: c.bestMaskedMethod,
    ...ciColumns('bestMasked', c.bestMasked),
  }));
}

const pct = (ci: MeanCI | null): string => (ci === null ? '–' : `${percent(ci.mean)} ${interval(ci.lo, ci.hi, percent)}`);

/** Markdown: the per-cell table, the verdict lines and, per method, how many cells hold / fail after Holm. */
export function maskingVerdictText(v: MaskingVerdict): string {
  const lines: string[] = [];
  lines.push('| cell | scratch | fine-tune all | best freeze-k | linear probe | seed config | masked (val-sel.) |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const c of v.cells) {
    lines.push(
      `| ${maskingCellLabel(c)} | ${pct(c.scratch)} | ${pct(c.finetune)} | ${pct(c.bestFreeze)} (${c.bestFreezeMethod ?? '–'}) | ${pct(c.linearProbe)} | ${pct(c.seedMethod)} | ${pct(c.maskedValSelected)} |`,
    );
  }
  lines.push('');
  lines.push(`Mean test accuracy [95% interval] over seeds. "seed config" = \`${v.seedMethod}\`. Verdicts (paired by seed, Holm-corrected over the cells of each method and baseline):`);
  lines.push(...v.lines.map(verdictMarkdown));
  const total = v.exclusions.reduce((s, e) => s + e.runs, 0);
  const excluded = v.exclusions.reduce((s, e) => s + e.excluded, 0);
  lines.push('');
  lines.push(`**Training record:** ${total - excluded} of ${total} runs met their criterion (early stopping ended them before the step budget; protocol A also needs its source network at or above its accuracy criterion) and count in the verdicts; ${excluded} excluded${excluded > 0 ? `: ${v.exclusions.filter((e) => e.excluded > 0).map((e) => `${maskingCellLabel(e)} ${e.excluded} of ${e.runs} (${e.reason})`).join('; ')}` : ''}.`);
  lines.push('');
  lines.push('| method | against | cells | holds | fails | inconclusive |');
  lines.push('|---|---|---|---|---|---|');
  for (const t of v.tally) lines.push(`| ${t.method} | ${t.against} | ${t.cells} | ${t.holds} | ${t.fails} | ${t.inconclusive} |`);
  return lines.join('\n');
}

/**
 * Markdown read-out of protocol B (one cell): fine-tune all, the seed's configuration and their paired difference,
 * with how many runs met their criterion; when none did, says so instead of numbers (the figure shows every run).
 */
export function maskingReadoutB(v: MaskingVerdict): string {
  const cell = v.cells.find((c) => c.protocol === 'B');
  const e = v.exclusions.find((x) => x.protocol === 'B');
  const counted = e ? `${e.runs - e.excluded} of ${e.runs} runs met their criterion${e.excluded > 0 ? ` (the others: ${e.reason})` : ''}` : 'no runs';
  if (!cell) return `**Read-out:** ${counted}, so this cell has no numbers to compare; the figure above shows every run. The seed claims 54% → 68% (+14 points) in this setting with VGG at 224×224.`;
  const seedVsFt = v.comparisons.find((c) => c.protocol === 'B' && c.method === v.seedMethod && c.against === 'fine-tune all');
  return `**Read-out** (${counted}): fine-tune all ${pct(cell.finetune)}, the seed's configuration (\`${v.seedMethod}\`) ${pct(cell.seedMethod)}, linear probe ${pct(cell.linearProbe)}: paired difference seed configuration − fine-tune all ${maskingComparisonText(seedVsFt)}. The seed claims 54% → 68% (+14 points) in this setting with VGG at 224×224.`;
}

/** Short read-out of one comparison: "+1.2 points [−0.3, +2.7], holds". */
export function maskingComparisonText(c: MaskingComparison | undefined): string {
  if (!c) return 'not run';
  return `${signedPoints(c.diff.mean)} points ${interval(c.diff.lo, c.diff.hi, signedPoints)} (n = ${c.diff.n}), ${c.status}`;
}

/** One row per way a scale's protocol differs from the original study's, with the reason. */
export type MaskingProtocolRow = { aspect: string; seed: string; thisScale: string; why: string };

export function maskingProtocolTable(config: MaskingConfig): MaskingProtocolRow[] {
  const a = config.protocolA;
  const b = config.protocolB;
  const rows: MaskingProtocolRow[] = [];
  if (a) {
    rows.push(
      { aspect: 'network (A)', seed: 'VGG pretrained on ImageNet', thisScale: `VGG-style CNN width ${a.cnn.width}, convs per stage [${a.cnn.stages}], pretrained here on the source task`, why: 'a self-pretrained small CNN makes n from 25 to 1000 and five seeds per cell affordable; protocol B keeps an ImageNet network' },
      { aspect: 'labelled images', seed: '200 (later 24); test accuracy tracked during training', thisScale: `n ∈ {${a.ns.join(', ')}}, of which ${100 * a.validationFraction}% are held out for early stopping`, why: 'n counts every label a run sees; the test set is never used for a decision' },
      { aspect: 'test set', seed: '1.6k CIFAR-10 test images', thisScale: a.testImages === null ? 'the full target test set' : `${a.testImages} target test images`, why: 'the whole test set costs little at 32×32' },
      { aspect: 'seeds', seed: '4 (later protocol), max test accuracy reported', thisScale: `${a.seeds.length} per cell, mean and 95% interval`, why: 'an interval needs n ≥ 5 independently trained models' },
      { aspect: 'statistics', seed: 'Welch t, KL of histograms, Gram, KS, Wasserstein (one at a time)', thisScale: [...new Set(a.methods.flatMap((m) => (m.kind === 'masked' ? [m.statistic] : [])))].join(', '), why: 'every statistic the seed tried, on the same runs, so that they can be compared' },
    );
  }
  if (b) {
    rows.push({
      aspect: 'protocol B',
      seed: 'VGG (ImageNet) at 224×224, 200 CIFAR-10 images',
      thisScale: `Tiny Darknet at ${b.inputSize}×${b.inputSize}, n = ${b.n} (${100 * b.validationFraction}% validation), ${b.seeds.length} seeds, ${b.testImages === null ? 'the full CIFAR-10 test set' : `${b.testImages} CIFAR-10 test images (stratified)`}, methods ${b.methods.map(maskingMethodId).join(', ')}`,
      why: b.testImages === null
        ? 'the ImageNet model available here, at the resolution it was trained at; one 224×224 image costs about 1 GFLOP (7.6 ms forward here), so the whole test set takes about 80 s per model'
        : 'the ImageNet model available here; a stratified test subset (and at quick scale a reduced input size) keeps the scale within its minutes',
    });
  }
  return rows;
}

/** Markdown read-out of the protocol-A cells: mean test accuracy of the baselines and masked methods. */
export function maskingCellReadout(cells: readonly MaskingVerdictCell[]): string {
  const m = (ci: MeanCI | null): string => (ci === null ? '–' : percent(ci.mean));
  return [
    '**Read-out (mean test accuracy over seeds):**',
    ...cells.map(
      (c) =>
        `- ${c.pair} n=${c.n}: scratch ${m(c.scratch)}, fine-tune all ${m(c.finetune)}, best freeze-k ${m(c.bestFreeze)} (${c.bestFreezeMethod ?? '–'}), linear probe ${m(c.linearProbe)}, seed config ${m(c.seedMethod)}, best masked ${m(c.bestMasked)} (${c.bestMaskedMethod ?? '–'}).`,
    ),
  ].join('\n');
}

/** Markdown read-out of the train − validation gap (points, interval) per cell for the given methods. */
export function maskingGapReadout(summary: readonly MaskingSummary[], methods: readonly string[]): string {
  const rows = summary.filter((s) => methods.includes(s.method));
  const cells = [...new Set(rows.map((s) => `${s.protocol}|${s.pair}|${s.n}`))];
  return [
    '**Overfitting (train − validation accuracy at the best checkpoint, points; 95% interval):**',
    ...cells.map((key) => {
      const inCell = rows.filter((s) => `${s.protocol}|${s.pair}|${s.n}` === key);
      const first = inCell[0] as MaskingSummary;
      const parts = methods.map((method) => {
        const s = inCell.find((x) => x.method === method);
        return `${method} ${s ? `${signedPoints(s.trainValGap.mean)} ${interval(s.trainValGap.lo, s.trainValGap.hi, signedPoints)}` : '–'}`;
      });
      return `- ${maskingCellLabel(first)}: ${parts.join(', ')}`;
    }),
  ].join('\n');
}

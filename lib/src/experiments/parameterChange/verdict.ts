/**
 * The verdict of notebook 02, by the numbers: does ResNet keep > 60% of its parameters unchanged while LeNet and VGG
 * change > 90%, and under which tolerance; is it BatchNorm (the same ResNet without BN) or width (lazy training);
 * does SGD end closer to its start than Adam. Computed from the tidy rows of `runParameterChange`.
 */
import type { Tolerance } from '../../probe/distance';
import type { Cell, Row } from '../../report/table';
import { linearFit } from '../../stats/correlation';
import { meanCI } from '../../stats/intervals';
import { PcArchitecture, ParameterChangeConfig, PcOptimizer } from './config';

/** Mean with a 95% Student-t CI (lo/hi null for n < 2; mean null for n = 0). */
export interface MeanWithCI {
  mean: number | null;
  lo: number | null;
  hi: number | null;
  n: number;
}

export function meanWithCI(values: readonly number[]): MeanWithCI {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: null, lo: null, hi: null, n };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, lo: null, hi: null, n };
  const ci = meanCI(v);
  return { mean, lo: ci.lo, hi: ci.hi, n };
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function num(row: Row, key: string): number | null {
  const v: Cell | undefined = row[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function nums(rows: readonly Row[], key: string): number[] {
  return rows.map((r) => num(r, key)).filter((v): v is number => v !== null);
}

export interface PcArchitectureSummary {
  architecture: PcArchitecture;
  runs: number;
  diverged: number;
  /** Share of trainable parameters unchanged at the headline tolerance. */
  unchanged: MeanWithCI;
  unchangedMin: number | null;
  unchangedMax: number | null;
  changeRate: MeanWithCI;
  relativeDistance: MeanWithCI;
  /** Median over runs of the smallest rtol at which ≥ 60% are unchanged (null: some run never on the grid). */
  rtolFor60UnchangedMedian: number | null;
  /** Median over runs of the largest rtol at which ≥ 90% are still changed. */
  rtolFor90ChangedMedian: number | null;
  testAccuracy: MeanWithCI;
}

export interface PcPairedComparison {
  pairs: number;
  /** Per metric: mean of each side and the paired difference (first − second) with CI. */
  metrics: Record<string, { first: MeanWithCI; second: MeanWithCI; difference: MeanWithCI }>;
}

export interface PcBatchNormTest extends PcPairedComparison {
  /** first = with BN, second = without. */
  divergedWithoutBatchNorm: number;
  divergedWithBatchNorm: number;
}

export interface PcWidthTest {
  byWidth: { width: number; relativeDistance: MeanWithCI; unchanged: MeanWithCI; changeRate: MeanWithCI }[];
  /** Least-squares slope of log relative distance on log width over all runs (lazy training: negative). */
  logLogSlope: number | null;
  r2: number | null;
}

export interface PcSgdVsAdam extends PcPairedComparison {
  architecture: PcArchitecture;
  /** Share of pairs (same init, dataset, seed) in which SGD ends closer to its init (L2 distance) than Adam. */
  sgdCloserShare: number | null;
  /** Mean of log(distance Adam / distance SGD) with CI; > 0: Adam ends farther. */
  logDistanceRatio: MeanWithCI;
}

export interface ParameterChangeVerdict {
  headline: Tolerance;
  compare: 'best' | 'last';
  architectures: PcArchitectureSummary[];
  claim: {
    /** Mean share unchanged of the ResNet runs > 0.6 at the headline tolerance (null: no ResNet runs). */
    resnetUnchangedOver60: boolean | null;
    /** Mean share changed of the LeNet and of the VGG runs > 0.9 at the headline tolerance. */
    lenetVggChangedOver90: boolean | null;
    holdsAtHeadline: boolean | null;
    /** Smallest rtol at which EVERY ResNet grid run keeps ≥ 60% unchanged (null: not reached on the grid). */
    resnetRtolNeeded: number | null;
    /** Largest rtol at which EVERY LeNet and VGG run still has ≥ 90% changed (null: not even the smallest τ). */
    lenetVggRtolAllowed: number | null;
    /** [needed, allowed] when needed ≤ allowed: the tolerances under which the whole claim holds for every run. */
    window: [number, number] | null;
  };
  batchNorm: PcBatchNormTest | null;
  width: PcWidthTest | null;
  sgdVsAdam: PcSgdVsAdam[];
}

function paired(
  rows: readonly Row[],
  pairKey: (r: Row) => string,
  side: (r: Row) => 'first' | 'second' | null,
  metrics: readonly string[],
): PcPairedComparison & { pairsList: { first: Row; second: Row }[] } {
  const byKey = new Map<string, { first?: Row; second?: Row }>();
  for (const r of rows) {
    const s = side(r);
    if (s === null) continue;
    const k = pairKey(r);
    const p = byKey.get(k) ?? {};
    p[s] = r;
    byKey.set(k, p);
  }
  const pairsList = [...byKey.values()].filter((p): p is { first: Row; second: Row } => p.first !== undefined && p.second !== undefined);
  const out: PcPairedComparison['metrics'] = {};
  for (const m of metrics) {
    const complete = pairsList.filter((p) => num(p.first, m) !== null && num(p.second, m) !== null);
    out[m] = {
      first: meanWithCI(complete.map((p) => num(p.first, m) as number)),
      second: meanWithCI(complete.map((p) => num(p.second, m) as number)),
      difference: meanWithCI(complete.map((p) => (num(p.first, m) as number) - (num(p.second, m) as number))),
    };
  }
  return { pairs: pairsList.length, metrics: out, pairsList };
}

/** The verdict numbers from the run rows (and the config that made them). */
export function parameterChangeVerdict(runs: readonly Row[], curves: readonly Row[], config: ParameterChangeConfig): ParameterChangeVerdict {
  void curves;
  const grid = runs.filter((r) => r['inGrid'] === true);
  const ok = (r: Row): boolean => r['diverged'] !== true;
  const architectures: PcArchitectureSummary[] = config.architectures.map((architecture) => {
    const all = grid.filter((r) => r['architecture'] === architecture);
    const rs = all.filter(ok);
    const unchanged = nums(rs, 'unchangedFraction');
    const r60 = rs.map((r) => num(r, 'rtolFor60Unchanged'));
    const r90 = rs.map((r) => num(r, 'rtolFor90Changed'));
    return {
      architecture,
      runs: rs.length,
      diverged: all.length - rs.length,
      unchanged: meanWithCI(unchanged),
      unchangedMin: unchanged.length ? Math.min(...unchanged) : null,
      unchangedMax: unchanged.length ? Math.max(...unchanged) : null,
      changeRate: meanWithCI(nums(rs, 'changeRate')),
      relativeDistance: meanWithCI(nums(rs, 'relativeDistance')),
      rtolFor60UnchangedMedian: r60.some((v) => v === null) ? null : median(r60 as number[]),
      rtolFor90ChangedMedian: r90.some((v) => v === null) ? null : median(r90 as number[]),
      testAccuracy: meanWithCI(nums(rs, 'testAccuracy')),
    };
  });
  const summaryOf = (a: PcArchitecture): PcArchitectureSummary | undefined => architectures.find((s) => s.architecture === a && s.runs > 0);
  const resnet = summaryOf('resnet18');
  const others = (['lenet5', 'vgg'] as const).map(summaryOf).filter((s): s is PcArchitectureSummary => s !== undefined);
  const resnetUnchangedOver60 = resnet === undefined || resnet.unchanged.mean === null ? null : resnet.unchanged.mean > 0.6;
  const lenetVggChangedOver90 = others.length === 0 ? null : others.every((s) => s.unchanged.mean !== null && 1 - s.unchanged.mean > 0.9);
  const resnetRuns = grid.filter((r) => r['architecture'] === 'resnet18' && ok(r));
  const otherRuns = grid.filter((r) => (r['architecture'] === 'lenet5' || r['architecture'] === 'vgg') && ok(r));
  const needed = resnetRuns.length === 0 || resnetRuns.some((r) => num(r, 'rtolFor60Unchanged') === null)
    ? null
    : Math.max(...resnetRuns.map((r) => num(r, 'rtolFor60Unchanged') as number));
  const allowed = otherRuns.length === 0 || otherRuns.some((r) => num(r, 'rtolFor90Changed') === null)
    ? null
    : Math.min(...otherRuns.map((r) => num(r, 'rtolFor90Changed') as number));

  let batchNorm: PcBatchNormTest | null = null;
  const bnRows = runs.filter((r) => r['inBatchNormTest'] === true);
  if (config.batchNormTest !== null && bnRows.length > 0) {
    const key = (r: Row): string => `${r['init']}|${r['optimizer']}|${r['dataset']}|${r['seed']}`;
    const p = paired(bnRows.filter(ok), key, (r) => (r['batchNorm'] === true ? 'first' : 'second'),
      ['unchangedFraction', 'relativeDistance', 'changeRate', 'rtolFor60Unchanged', 'testAccuracy']);
    batchNorm = {
      pairs: p.pairs,
      metrics: p.metrics,
      divergedWithBatchNorm: bnRows.filter((r) => r['batchNorm'] === true && !ok(r)).length,
      divergedWithoutBatchNorm: bnRows.filter((r) => r['batchNorm'] === false && !ok(r)).length,
    };
  }

  let width: PcWidthTest | null = null;
  const wRows = runs.filter((r) => r['inWidthTest'] === true && ok(r) && num(r, 'relativeDistance') !== null);
  if (config.widthTest !== null && wRows.length > 0) {
    const widths = [...new Set(wRows.map((r) => num(r, 'width') as number))].sort((a, b) => a - b);
    let logLogSlope: number | null = null;
    let r2: number | null = null;
    if (widths.length >= 2) {
      const fit = linearFit(wRows.map((r) => Math.log(num(r, 'width') as number)), wRows.map((r) => Math.log(num(r, 'relativeDistance') as number)));
      logLogSlope = fit.b;
      r2 = fit.r2;
    }
    width = {
      byWidth: widths.map((w) => {
        const rs = wRows.filter((r) => r['width'] === w);
        return { width: w, relativeDistance: meanWithCI(nums(rs, 'relativeDistance')), unchanged: meanWithCI(nums(rs, 'unchangedFraction')), changeRate: meanWithCI(nums(rs, 'changeRate')) };
      }),
      logLogSlope,
      r2,
    };
  }

  const sgdVsAdam: PcSgdVsAdam[] = [];
  if (config.optimizers.includes('sgd') && config.optimizers.includes('adam')) {
    for (const architecture of config.architectures) {
      const rs = grid.filter((r) => r['architecture'] === architecture && ok(r));
      const key = (r: Row): string => `${r['init']}|${r['dataset']}|${r['seed']}`;
      const side = (r: Row): 'first' | 'second' | null => (r['optimizer'] as PcOptimizer) === 'sgd' ? 'first' : 'second';
      const p = paired(rs, key, side, ['distance', 'relativeDistance', 'changeRate', 'unchangedFraction']);
      const withDistance = p.pairsList.filter((q) => num(q.first, 'distance') !== null && num(q.second, 'distance') !== null);
      sgdVsAdam.push({
        architecture,
        pairs: p.pairs,
        metrics: p.metrics,
        sgdCloserShare: withDistance.length === 0 ? null
          : withDistance.filter((q) => (num(q.first, 'distance') as number) < (num(q.second, 'distance') as number)).length / withDistance.length,
        logDistanceRatio: meanWithCI(withDistance.map((q) => Math.log((num(q.second, 'distance') as number) / (num(q.first, 'distance') as number)))),
      });
    }
  }

  return {
    headline: config.tolerance.headline,
    compare: config.compare,
    architectures,
    claim: {
      resnetUnchangedOver60,
      lenetVggChangedOver90,
      holdsAtHeadline: resnetUnchangedOver60 === null || lenetVggChangedOver90 === null ? null : resnetUnchangedOver60 && lenetVggChangedOver90,
      resnetRtolNeeded: needed,
      lenetVggRtolAllowed: allowed,
      window: needed !== null && allowed !== null && needed <= allowed ? [needed, allowed] : null,
    },
    batchNorm,
    width,
    sgdVsAdam,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Text

const ARCH_NAMES: Record<PcArchitecture, string> = { lenet5: 'LeNet-5', vgg: 'VGG', resnet18: 'ResNet' };

function pct(v: number | null): string {
  return v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`;
}

/** Percent with CI; `share: true` clips the CI to [0, 100%] (a share cannot leave it; t intervals of few runs do). */
function pctCI(m: MeanWithCI, share = true): string {
  if (m.mean === null) return 'n/a';
  if (m.lo === null || m.hi === null) return `${pct(m.mean)} (n = ${m.n})`;
  const lo = share ? Math.max(0, m.lo) : m.lo;
  const hi = share ? Math.min(1, m.hi) : m.hi;
  return `${pct(m.mean)} [${pct(lo)}, ${pct(hi)}] (n = ${m.n})`;
}

function sci(v: number | null): string {
  if (v === null) return 'n/a';
  return v === 0 ? '0' : Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? v.toPrecision(3) : v.toExponential(2);
}

function sciCI(m: MeanWithCI): string {
  if (m.mean === null) return 'n/a';
  return m.lo === null || m.hi === null ? `${sci(m.mean)} (n = ${m.n})` : `${sci(m.mean)} [${sci(m.lo)}, ${sci(m.hi)}]`;
}

function yesNo(v: boolean | null): string {
  return v === null ? 'cannot tell (no runs)' : v ? '**yes**' : '**no**';
}

/** The verdict as markdown; every number comes from the verdict object. */
export function parameterChangeVerdictText(v: ParameterChangeVerdict): string {
  const h = `|θ − θ₀| ≤ ${sci(v.headline.atol)} + ${sci(v.headline.rtol)}·|θ₀|`;
  const lines: string[] = [];
  lines.push(`### Verdict (compared snapshot: ${v.compare === 'best' ? 'best validation accuracy, as the original' : 'last epoch'})`);
  lines.push('');
  lines.push(`**Headline tolerance:** an element is unchanged when ${h}. Share of trainable parameters unchanged, mean [95% CI over runs, clipped to 0–100%]:`);
  lines.push('');
  for (const s of v.architectures) {
    if (s.runs === 0) {
      lines.push(`- ${ARCH_NAMES[s.architecture]}: no finished runs (${s.diverged} diverged).`);
      continue;
    }
    lines.push(`- ${ARCH_NAMES[s.architecture]}: ${pctCI(s.unchanged)} unchanged (runs range ${pct(s.unchangedMin)}–${pct(s.unchangedMax)}); ` +
      `change rate ‖θ₀−θ‖/‖θ‖ = ${sciCI(s.changeRate)}; test accuracy ${pctCI(s.testAccuracy)}` +
      (s.diverged > 0 ? `; ${s.diverged} run(s) diverged` : '') + '.');
  }
  lines.push('');
  const c = v.claim;
  lines.push(`**Claim "ResNet keeps > 60% unchanged while LeNet and VGG change > 90%" at the headline tolerance:** ` +
    `ResNet > 60% unchanged: ${yesNo(c.resnetUnchangedOver60)}; LeNet and VGG > 90% changed: ${yesNo(c.lenetVggChangedOver90)}; ` +
    `together: ${yesNo(c.holdsAtHeadline)}.`);
  lines.push('');
  const needed = c.resnetRtolNeeded === null ? 'no rtol on the grid' : `rtol ≥ ${sci(c.resnetRtolNeeded)}`;
  const allowed = c.lenetVggRtolAllowed === null ? 'no rtol on the grid' : `rtol ≤ ${sci(c.lenetVggRtolAllowed)}`;
  lines.push(`**Under which tolerance?** Every ResNet run keeps ≥ 60% unchanged from ${needed}; every LeNet and VGG run still has ≥ 90% changed up to ${allowed}. ` +
    (c.window === null
      ? 'There is **no** relative tolerance at which both hold for all runs: the claim depends on picking the tolerance per architecture.'
      : `Both hold for every run for rtol in **[${sci(c.window[0])}, ${sci(c.window[1])}]** — only there is the claim true.`));
  lines.push('');
  if (v.batchNorm !== null) {
    const b = v.batchNorm;
    const u = b.metrics['unchangedFraction'];
    const rd = b.metrics['relativeDistance'];
    lines.push(`**Explanation test — the same ResNet without BatchNorm (${b.pairs} paired runs):** unchanged at the headline tolerance ` +
      `${u ? pctCI(u.first) : 'n/a'} with BN vs ${u ? pctCI(u.second) : 'n/a'} without (paired difference ${u ? pctCI(u.difference, false) : 'n/a'}); ` +
      `relative distance ‖θ−θ₀‖/‖θ₀‖ ${rd ? sciCI(rd.first) : 'n/a'} with BN vs ${rd ? sciCI(rd.second) : 'n/a'} without` +
      (b.divergedWithoutBatchNorm > 0 ? `; ${b.divergedWithoutBatchNorm} run(s) without BN diverged` : '') + '.');
    lines.push('');
  }
  if (v.width !== null) {
    const w = v.width;
    lines.push(`**Lazy-training check — ResNet (with BN) over width:** relative distance ` +
      w.byWidth.map((x) => `${sciCI(x.relativeDistance)} at width ${x.width}`).join(', ') +
      (w.logLogSlope === null ? '.' : `; log–log slope ${sci(w.logLogSlope)} (R² ${sci(w.r2)}; lazy training predicts a clearly negative slope).`));
    lines.push('');
  }
  if (v.sgdVsAdam.length > 0) {
    lines.push('**Does SGD end closer to its start than Adam?** (pairs with the same architecture, init, dataset and seed; L2 distance ‖θ−θ₀‖)');
    lines.push('');
    for (const s of v.sgdVsAdam) {
      const d = s.metrics['distance'];
      lines.push(`- ${ARCH_NAMES[s.architecture]}: SGD ${d ? sciCI(d.first) : 'n/a'} vs Adam ${d ? sciCI(d.second) : 'n/a'}; ` +
        `SGD closer in ${pct(s.sgdCloserShare)} of ${s.pairs} pairs; mean log(Adam/SGD) = ${sciCI(s.logDistanceRatio)}.`);
    }
  }
  return lines.join('\n');
}

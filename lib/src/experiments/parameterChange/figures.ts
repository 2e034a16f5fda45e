/**
 * Figures of notebook 02, built with the shared plot builders from `runParameterChange` results.
 * Means are over runs; bands and error bars are 95% Student-t CIs over the runs of a group (absent for n < 2).
 */
import { barChart, heatmap, histogram, lineChart, sideBySide, type LineSeries } from '../../plot/builders';
import type { Figure } from '../../plot/types';
import type { Cell, Row } from '../../report/table';
import type { ParameterChangeResults } from './run';
import { meanCIByGroup } from './metrics';
import { PcArchitecture, PcOptimizer, PcDataset } from './config';
import { DATASET_LABELS } from '../../data';

const ARCH_LABEL: Record<PcArchitecture, string> = { lenet5: 'LeNet-5', vgg: 'VGG', resnet18: 'ResNet' };
const OPT_LABEL: Record<PcOptimizer, string> = { sgd: 'SGD', adam: 'Adam' };
const ARCH_COLOR: Record<PcArchitecture, string> = { lenet5: '#1f77b4', vgg: '#ff7f0e', resnet18: '#2ca02c' };

/** The records of models that met their convergence criterion (all non-diverged ones where the scale has none). */
function convergedOnly<T extends { runId: string }>(results: ParameterChangeResults, records: readonly T[]): T[] {
  const ok = new Set(results.runs.filter((r) => r.meetsCriterion).map((r) => r.runId));
  return records.filter((r) => ok.has(r.runId));
}

function n(v: Cell | undefined): number {
  return typeof v === 'number' ? v : NaN;
}

/** mean/lo/hi columns of aggregated rows as arrays (lo/hi fall back to the mean when a group has n < 2). */
function band(rows: readonly Row[]): { y: number[]; lo: number[]; hi: number[] } {
  const y = rows.map((r) => n(r['mean']));
  return {
    y,
    lo: rows.map((r, i) => (typeof r['lo'] === 'number' ? r['lo'] : (y[i] as number))),
    hi: rows.map((r, i) => (typeof r['hi'] === 'number' ? r['hi'] : (y[i] as number))),
  };
}

function curveSeries(curves: readonly Row[], name: string, color: string, dash: LineSeries['dash'], scale = 1): LineSeries | null {
  if (curves.length === 0) return null;
  const agg = meanCIByGroup(curves, ['tau'], 'fraction').sort((a, b) => n(a['tau']) - n(b['tau']));
  const b = band(agg);
  return {
    name, color, dash, mode: 'lines',
    x: agg.map((r) => n(r['tau'])),
    // A share's t-interval over few runs can leave [0, 1]; the band is clipped to the possible range.
    y: b.y.map((v) => v * scale), lo: b.lo.map((v) => Math.max(0, v) * scale), hi: b.hi.map((v) => Math.min(1, v) * scale),
  };
}

/**
 * Changed fraction vs tolerance per architecture (and optimiser, dashed = Adam), over the grid runs, for all trainable
 * parameters or one parameter kind. Relative mode: x = rtol; absolute mode: x = atol.
 */
export function parameterChangeCurveFigure(
  results: ParameterChangeResults,
  options: { mode?: 'relative' | 'absolute'; group?: string; dataset?: PcDataset } = {},
): Figure {
  const mode = options.mode ?? 'relative';
  const group = options.group ?? 'all';
  const series: LineSeries[] = [];
  for (const a of results.config.architectures) {
    for (const o of results.config.optimizers) {
      const rows = convergedOnly(results, results.curves).filter((r) => r['inGrid'] === true && r['architecture'] === a && r['optimizer'] === o &&
        r['mode'] === mode && r['group'] === group && (options.dataset === undefined || r['dataset'] === options.dataset));
      const s = curveSeries(rows, `${ARCH_LABEL[a]} ${OPT_LABEL[o]}`, ARCH_COLOR[a], o === 'adam' ? 'dash' : 'solid', 100);
      if (s) series.push(s);
    }
  }
  const h = results.config.tolerance.headline;
  return lineChart({
    title: `Share of ${group === 'all' ? 'trainable parameters' : group} changed vs ${mode} tolerance` +
      (options.dataset ? ` (${DATASET_LABELS[options.dataset]})` : ''),
    xTitle: mode === 'relative' ? `rtol τ (unchanged ⇔ |θ−θ₀| ≤ ${results.config.tolerance.relativeAtol} + τ·|θ₀|)` : 'atol τ (unchanged ⇔ |θ−θ₀| ≤ τ)',
    yTitle: '% changed',
    xType: 'log',
    vLines: mode === 'relative' ? [{ x: h.rtol, label: `headline rtol ${h.rtol}` }] : [{ x: h.atol > 0 ? h.atol : 1e-8, label: 'headline atol' }],
    series,
  });
}

/** ResNet with vs without BatchNorm (the BN explanation test): changed fraction vs rtol. */
export function parameterChangeBatchNormFigure(results: ParameterChangeResults): Figure {
  const series: LineSeries[] = [];
  for (const o of results.config.optimizers) {
    for (const bn of [true, false]) {
      const rows = convergedOnly(results, results.curves).filter((r) => r['inBatchNormTest'] === true && r['batchNorm'] === bn && r['optimizer'] === o &&
        r['mode'] === 'relative' && r['group'] === 'all');
      const s = curveSeries(rows, `ResNet ${bn ? 'with' : 'without'} BN, ${OPT_LABEL[o]}`, bn ? '#2ca02c' : '#d62728', o === 'adam' ? 'dash' : 'solid', 100);
      if (s) series.push(s);
    }
  }
  return lineChart({
    title: 'Explanation test: the same ResNet with and without BatchNorm',
    xTitle: 'rtol τ', yTitle: '% changed', xType: 'log',
    vLines: [{ x: results.config.tolerance.headline.rtol, label: 'headline' }],
    series,
  });
}

/** Bars: % unchanged at the headline tolerance per architecture × init (groups = optimisers), one panel per dataset. */
export function parameterChangeBarsFigure(results: ParameterChangeResults): Figure {
  const grid = convergedOnly(results, results.runs).filter((r) => r.inGrid);
  const { architectures, inits, optimizers, datasets } = results.config;
  const categories = architectures.flatMap((a) => inits.map((i) => `${ARCH_LABEL[a]} ${i.replace('kaiming-', 'K-')}`));
  const panels = datasets.map((d) => {
    const groups = optimizers.map((o) => {
      const values: number[] = [];
      const lo: number[] = [];
      const hi: number[] = [];
      for (const a of architectures) {
        for (const i of inits) {
          const rs = grid.filter((r) => r['dataset'] === d && r['architecture'] === a && r['init'] === i && r['optimizer'] === o);
          const agg = meanCIByGroup(rs.map((r) => ({ g: 1, v: n(r.unchangedWeights) * 100 })), ['g'], 'v')[0];
          const m = agg === undefined || agg['mean'] === null ? NaN : n(agg['mean']);
          values.push(m);
          lo.push(Math.max(0, agg !== undefined && typeof agg['lo'] === 'number' ? agg['lo'] : m));
          hi.push(Math.min(100, agg !== undefined && typeof agg['hi'] === 'number' ? agg['hi'] : m));
        }
      }
      return { name: OPT_LABEL[o], values, lo, hi, color: o === 'sgd' ? '#4c72b0' : '#dd8452' };
    });
    return barChart({ categories, groups, yTitle: '% unchanged', yRange: [0, 100] });
  });
  const h = results.config.tolerance.headline;
  return sideBySide(panels, datasets.map((d) => DATASET_LABELS[d]), {
    title: `% of weights unchanged at |θ−θ₀| ≤ ${h.atol} + ${h.rtol}·|θ₀| (converged models; mean, 95% CI over seeds)`,
  });
}

/** Per-layer heatmap of log10 relative change ‖θ−θ₀‖/‖θ₀‖ (mean over seeds): rows = layers, columns = runs' settings. */
export function parameterChangeLayerHeatmap(results: ParameterChangeResults, architecture: PcArchitecture): Figure {
  const rows = convergedOnly(results, results.layers).filter((r) => r['inGrid'] === true && r['architecture'] === architecture);
  if (rows.length === 0) throw new Error(`parameterChangeLayerHeatmap: no grid layer rows for '${architecture}'`);
  const layerOrder: string[] = [];
  for (const r of [...rows].sort((a, b) => n(a['layerIndex']) - n(b['layerIndex']))) {
    const l = String(r['layer']);
    if (!layerOrder.includes(l)) layerOrder.push(l);
  }
  const colKey = (r: Row): string => `${OPT_LABEL[r['optimizer'] as PcOptimizer]} ${String(r['init']).replace('kaiming-', 'K-')} ${DATASET_LABELS[r['dataset'] as PcDataset]}`;
  const columns: string[] = [];
  for (const d of results.config.datasets) for (const o of results.config.optimizers) for (const i of results.config.inits) {
    const c = colKey({ optimizer: o, init: i, dataset: d });
    if (rows.some((r) => colKey(r) === c)) columns.push(c);
  }
  const agg = meanCIByGroup(rows.map((r) => ({ layer: r['layer'] ?? null, col: colKey(r), v: Math.log10(n(r['relativeDistance'])) })), ['layer', 'col'], 'v');
  const z = layerOrder.map((l) => columns.map((c) => {
    const a = agg.find((r) => r['layer'] === l && r['col'] === c);
    return a === undefined || a['mean'] === null ? null : n(a['mean']);
  }));
  return heatmap({
    title: `${ARCH_LABEL[architecture]}: relative change per layer, log10 ‖θ−θ₀‖/‖θ₀‖`,
    z, x: columns, y: layerOrder, colorscale: 'Viridis', colorbarTitle: 'log10 rel. change',
    height: Math.max(320, 28 * layerOrder.length + 160), width: Math.max(520, 90 * columns.length + 200),
  });
}

/**
 * Distances between consecutive snapshots (init → epoch 1 → … → last), divided by ‖θ₀‖, per architecture panel;
 * series = optimiser × dataset, bands over inits and seeds. `y: 'fromInit'` plots ‖θ_t − θ₀‖/‖θ₀‖ instead.
 */
export function parameterChangeSnapshotFigure(results: ParameterChangeResults, options: { y?: 'step' | 'fromInit' } = {}): Figure {
  const key = options.y === 'fromInit' ? 'relativeDistanceFromInit' : 'relativeStepDistance';
  const panels = results.config.architectures.map((a) => {
    const series: LineSeries[] = [];
    results.config.datasets.forEach((d, di) => {
      for (const o of results.config.optimizers) {
        const rs = convergedOnly(results, results.snapshotDistances).filter((r) => r['inGrid'] === true && r['architecture'] === a && r['optimizer'] === o && r['dataset'] === d);
        if (rs.length === 0) continue;
        const agg = meanCIByGroup(rs, ['toEpoch'], key).sort((x, y) => n(x['toEpoch']) - n(y['toEpoch']));
        const b = band(agg);
        series.push({
          name: `${OPT_LABEL[o]} ${DATASET_LABELS[d]}`, x: agg.map((r) => n(r['toEpoch'])), ...b,
          color: o === 'sgd' ? ['#4c72b0', '#55a868', '#8172b2'][di % 3] : ['#dd8452', '#c44e52', '#937860'][di % 3],
          dash: o === 'adam' ? 'dash' : 'solid',
        });
      }
    });
    return lineChart({
      xTitle: 'epochs trained', yTitle: options.y === 'fromInit' ? '‖θ_t − θ₀‖ / ‖θ₀‖' : '‖θ_t − θ_prev‖ / ‖θ₀‖', yType: 'log', series,
    });
  });
  return sideBySide(panels, results.config.architectures.map((a) => ARCH_LABEL[a]), {
    title: options.y === 'fromInit' ? 'Distance from the initialisation along training' : 'Distance between consecutive snapshots',
  });
}

/**
 * Histograms of initial and final values (conv + dense weights, uniform sample) split into changed and unchanged at
 * the headline tolerance, for one architecture: panels initial | final per optimiser (counts, so the proportions show).
 */
export function parameterChangeHistogramFigure(results: ParameterChangeResults, architecture: PcArchitecture, options: { batchNorm?: boolean; bins?: number } = {}): Figure {
  const samples = results.histograms.filter((h) => h.architecture === architecture && (options.batchNorm === undefined || h.batchNorm === options.batchNorm));
  if (samples.length === 0) throw new Error(`parameterChangeHistogramFigure: no value samples for '${architecture}'`);
  const panels: Figure[] = [];
  const titles: string[] = [];
  for (const s of samples) {
    const all = [...s.initialChanged, ...s.initialUnchanged, ...s.finalChanged, ...s.finalUnchanged].map(Math.abs).sort((a, b) => a - b);
    const m = all.length === 0 ? 1 : (all[Math.min(all.length - 1, Math.floor(0.995 * all.length))] as number) || 1;
    const range: [number, number] = [-m, m];
    const bins = options.bins ?? 60;
    panels.push(histogram({ series: [{ name: 'changed', values: s.initialChanged, color: '#dd8452' }, { name: 'unchanged', values: s.initialUnchanged, color: '#4c72b0' }], bins, range, norm: 'count', xTitle: 'initial value θ₀' }));
    panels.push(histogram({ series: [{ name: 'changed', values: s.finalChanged, color: '#dd8452' }, { name: 'unchanged', values: s.finalUnchanged, color: '#4c72b0' }], bins, range, norm: 'count', xTitle: 'final value θ' }));
    const share = s.population === 0 ? 0 : 1 - s.populationChanged / s.population;
    const tag = `${OPT_LABEL[s.optimizer]}${s.architecture === 'resnet18' && !s.batchNorm ? ' no BN' : ''}`;
    titles.push(`${tag}: initial (${(100 * share).toFixed(1)}% unch.)`, `${tag}: final`);
  }
  const first = samples[0] as (typeof samples)[number];
  return sideBySide(panels, titles, {
    title: `${ARCH_LABEL[architecture]} weights, ${DATASET_LABELS[first.dataset]}, ${first.init}, seed ${first.seed}: changed vs unchanged (rtol ${first.tolerance.rtol})`,
    width: 300 * panels.length + 80,
  });
}

/** Lazy-training check: relative distance (left) and % unchanged (right axis) of the ResNet vs width. */
export function parameterChangeWidthFigure(results: ParameterChangeResults): Figure {
  const rs = convergedOnly(results, results.runs).filter((r) => r.inWidthTest);
  const series: LineSeries[] = [];
  for (const o of results.config.optimizers) {
    const ro = rs.filter((r) => r['optimizer'] === o);
    if (ro.length === 0) continue;
    const dist = meanCIByGroup(ro, ['width'], 'relativeDistance').sort((a, b) => n(a['width']) - n(b['width']));
    const unch = meanCIByGroup(ro.map((r) => ({ width: r.width, v: n(r.unchangedWeights) * 100 })), ['width'], 'v').sort((a, b) => n(a['width']) - n(b['width']));
    series.push({ name: `‖θ−θ₀‖/‖θ₀‖ ${OPT_LABEL[o]}`, x: dist.map((r) => n(r['width'])), ...band(dist), color: o === 'sgd' ? '#4c72b0' : '#dd8452' });
    const u = band(unch);
    series.push({
      name: `% unchanged ${OPT_LABEL[o]}`, x: unch.map((r) => n(r['width'])), y: u.y, lo: u.lo.map((v) => Math.max(0, v)), hi: u.hi.map((v) => Math.min(100, v)),
      secondaryY: true, dash: 'dot', color: o === 'sgd' ? '#4c72b0' : '#dd8452',
    });
  }
  return lineChart({
    title: 'Lazy-training check: ResNet (with BN) relative change vs width',
    xTitle: 'width (channels of the first stage)', yTitle: 'relative distance ‖θ−θ₀‖/‖θ₀‖', y2Title: '% unchanged (headline)',
    xType: 'log', log2Ticks: true, series,
  });
}

/** SGD vs Adam: distance from the start per architecture (mean and CI over the grid runs). */
export function parameterChangeOptimizerFigure(results: ParameterChangeResults, metric: 'distance' | 'relativeDistance' | 'changeRate' = 'relativeDistance'): Figure {
  const rs = convergedOnly(results, results.runs).filter((r) => r.inGrid);
  const { architectures } = results.config;
  const groups = results.config.optimizers.map((o) => {
    const agg = architectures.map((a) => meanCIByGroup(rs.filter((r) => r['architecture'] === a && r['optimizer'] === o), [], metric)[0]);
    const values = agg.map((g) => (g === undefined || g['mean'] === null ? NaN : n(g['mean'])));
    return {
      name: OPT_LABEL[o], values,
      lo: agg.map((g, i) => (g !== undefined && typeof g['lo'] === 'number' ? g['lo'] : (values[i] as number))),
      hi: agg.map((g, i) => (g !== undefined && typeof g['hi'] === 'number' ? g['hi'] : (values[i] as number))),
      color: o === 'sgd' ? '#4c72b0' : '#dd8452',
    };
  });
  const label = { distance: '‖θ−θ₀‖', relativeDistance: '‖θ−θ₀‖ / ‖θ₀‖', changeRate: 'change rate ‖θ₀−θ‖ / ‖θ‖' }[metric];
  return barChart({ title: `How far each optimiser moves: ${label}`, categories: architectures.map((a) => ARCH_LABEL[a]), groups, yTitle: label });
}

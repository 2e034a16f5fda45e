/** Figures of notebook 04 (sign flip, distortion, feature similarity), built from the typed records of `runSignFlip`. */
import { barChart, heatmap, lineChart, sideBySide, type LineSeries } from '../../plot/builders';
import { colorAt } from '../../plot/palette';
import type { Figure, HeatmapTrace } from '../../plot/types';
import type { SignFlipResults } from './run';
import { isRetrained, type SfPathPoint, type SfRetrain } from './records';
import { featureSimilaritySummary, meanBand, type SfBand, type SfSummaryMeasure } from './summary';
import { PcArchitecture, PcOptimizer, PcDataset } from '../parameterChange/config';

const orNaN = (v: number | null): number => (v === null ? NaN : v);

function retrained(results: SignFlipResults): SfRetrain[] {
  return results.retrains.filter(isRetrained);
}

function perturbationOrder(results: SignFlipResults): string[] {
  return [...new Set(retrained(results).map((r) => r.perturbation))];
}

/** Mean with its 95% CI as bar values (NaN: nothing measured; the bounds fall back to the mean when n < 2). */
function aggregate(values: readonly (number | null)[]): { mean: number; lo: number; hi: number } {
  const b: SfBand = meanBand(values);
  const mean = orNaN(b.mean);
  return { mean, lo: b.lo ?? mean, hi: b.hi ?? mean };
}

/**
 * Relative distance ‖θ − θ_orig‖/‖θ_orig‖ of each perturbation's start point and of the retrained model per
 * optimiser, with the distance between two independently trained seeds as the last category (the yardstick); one
 * panel per architecture.
 */
export function signFlipDistanceFigure(results: SignFlipResults): Figure {
  const perturbations = perturbationOrder(results);
  const categories = [...perturbations, 'other seed (reference)'];
  const panels = results.config.architectures.map((architecture) => {
    const rs = retrained(results).filter((r) => r.architecture === architecture);
    const start = perturbations.map((p) => aggregate(rs.filter((r) => r.perturbation === p).map((r) => r.relativeStartDistance)));
    const groups = [{ name: 'start (perturbed)', values: [...start.map((s) => s.mean), NaN], lo: [...start.map((s) => s.lo), NaN], hi: [...start.map((s) => s.hi), NaN], bounds: [0, Infinity] as const, color: colorAt(7) }];
    results.config.perturb.optimizers.forEach((optimizer, oi) => {
      const ro = rs.filter((r) => r.optimizer === optimizer);
      const end = perturbations.map((p) => aggregate(ro.filter((r) => r.perturbation === p).map((r) => r.kept?.relativeDistanceToOriginal ?? null)));
      const seed = aggregate(results.pairs.filter((p) => p.architecture === architecture && p.pairType === 'seed' && p.optimizer === optimizer).map((p) => p.relativeParameterDistance));
      groups.push({ name: `${optimizer}: after retraining`, values: [...end.map((s) => s.mean), seed.mean], lo: [...end.map((s) => s.lo), seed.lo], hi: [...end.map((s) => s.hi), seed.hi], bounds: [0, Infinity] as const, color: colorAt(oi) });
    });
    return barChart({ categories, groups, yTitle: 'relative distance to the original' });
  });
  return sideBySide(panels, results.config.architectures, { title: 'Distance to the original solution, ‖θ − θ_orig‖ / ‖θ_orig‖ (learned parameters)', height: 520 });
}

/** Test accuracy of the original, of the perturbed model before retraining, and after retraining; a panel per architecture. */
export function signFlipAccuracyFigure(results: SignFlipResults): Figure {
  const perturbations = perturbationOrder(results);
  const panels = results.config.architectures.map((architecture) => {
    const rs = retrained(results).filter((r) => r.architecture === architecture);
    const groups = results.config.perturb.optimizers.flatMap((optimizer, oi) => {
      const ro = rs.filter((r) => r.optimizer === optimizer);
      const before = perturbations.map((p) => aggregate(ro.filter((r) => r.perturbation === p).map((r) => r.startTestAccuracy)));
      const after = perturbations.map((p) => aggregate(ro.filter((r) => r.perturbation === p).map((r) => r.retrainedTestAccuracy)));
      const original = aggregate(ro.filter((r) => r.perturbation === perturbations[0]).map((r) => r.originalTestAccuracy));
      return [
        { name: `${optimizer}: right after the perturbation`, values: [original.mean, ...before.map((s) => s.mean)], lo: [original.lo, ...before.map((s) => s.lo)], hi: [original.hi, ...before.map((s) => s.hi)], bounds: [0, 1] as const, color: colorAt(2 * oi + 1) },
        { name: `${optimizer}: after retraining`, values: [NaN, ...after.map((s) => s.mean)], lo: [NaN, ...after.map((s) => s.lo)], hi: [NaN, ...after.map((s) => s.hi)], bounds: [0, 1] as const, color: colorAt(2 * oi) },
      ];
    });
    return barChart({ categories: ['original', ...perturbations], groups, yTitle: 'test accuracy', yRange: [0, 1] });
  });
  return sideBySide(panels, results.config.architectures, { title: 'Test accuracy before and after retraining', height: 500 });
}

/** The band of one value per α over the points, in α order; α values without a finite value are left out. */
function bandsByAlpha(points: readonly SfPathPoint[], value: (p: SfPathPoint) => number | null): { alpha: number; band: SfBand }[] {
  const byAlpha = new Map<number, (number | null)[]>();
  for (const p of points) byAlpha.set(p.alpha, [...(byAlpha.get(p.alpha) ?? []), value(p)]);
  return [...byAlpha].map(([alpha, values]) => ({ alpha, band: meanBand(values) })).filter((a) => a.band.mean !== null).sort((a, b) => a.alpha - b.alpha);
}

/**
 * Loss (or accuracy) along (1 − α)·θ_orig + α·θ_retrained for one architecture and optimiser: one line per perturbation (mean over
 * runs, 95% CI band), test solid and train dashed; α = 0 is the original, α = 1 the retrained model.
 */
export function signFlipPathFigure(results: SignFlipResults, architecture: PcArchitecture, optimizer: PcOptimizer, metric: 'loss' | 'accuracy' = 'loss'): Figure {
  const rows = results.paths.filter((r) => r.architecture === architecture && r.optimizer === optimizer);
  const series: LineSeries[] = [];
  perturbationOrder(results).forEach((p, i) => {
    const rs = rows.filter((r) => r.perturbation === p);
    if (rs.length === 0) return;
    for (const split of ['test', 'train'] as const) {
      const agg = bandsByAlpha(rs, (pt) => (metric === 'loss' ? (split === 'test' ? pt.testLoss : pt.trainLoss) : split === 'test' ? pt.testAccuracy : pt.trainAccuracy));
      if (agg.length === 0) continue;
      const s: LineSeries = {
        name: `${p} (${split})`, x: agg.map((a) => a.alpha), y: agg.map((a) => orNaN(a.band.mean)),
        color: colorAt(i), dash: split === 'test' ? 'solid' : 'dash',
      };
      if (split === 'test' && agg.every((a) => a.band.lo !== null)) {
        s.lo = agg.map((a) => orNaN(a.band.lo));
        s.hi = agg.map((a) => orNaN(a.band.hi));
      }
      series.push(s);
    }
  });
  return lineChart({
    title: `${architecture}, ${optimizer}: ${metric} on the line θ_orig → θ_retrained (BN statistics recomputed at every α)`,
    xTitle: 'α', yTitle: metric === 'loss' ? 'cross-entropy' : 'accuracy', series,
    vLines: [{ x: 0, label: 'original' }, { x: 1, label: 'retrained' }], height: 480,
  });
}

/**
 * The sorted-correlation heatmaps of one architecture × dataset side by side: |r| between A's and B's penultimate
 * units, rows by descending matched |r|, columns in partner order ('greedy' as the original, or 'hungarian').
 */
export function featureHeatmapsFigure(results: SignFlipResults, architecture: PcArchitecture, dataset: PcDataset, pairing: 'greedy' | 'hungarian' = 'greedy'): Figure {
  const hs = results.heatmaps.filter((h) => h.architecture === architecture && h.dataset === dataset);
  if (hs.length === 0) throw new Error(`featureHeatmapsFigure: no heatmaps for ${architecture} on ${dataset}`);
  const figures = hs.map((h) => heatmap({
    z: pairing === 'greedy' ? h.greedy : h.hungarian, zmin: 0, zmax: 1, colorscale: 'Viridis', yTitle: 'unit of A', colorbarTitle: '|r|',
    xTitle: `unit of B — mean |r| ${(pairing === 'greedy' ? h.greedyMeanAbsR : h.hungarianMeanAbsR).toFixed(2)}, dCKA ${h.ckaDebiased.toFixed(2)}`,
  }));
  const titles = hs.map((h) => h.title);
  const fig = sideBySide(figures, titles, {
    title: `${architecture} on ${dataset}: sorted |correlation| of penultimate features (${pairing} pairing)`,
    width: 440 * hs.length + 120, height: 500,
  });
  // One shared colour bar (all panels use 0..1).
  fig.data.forEach((t, i) => {
    if (t.type === 'heatmap') (t as HeatmapTrace).showscale = i === fig.data.length - 1;
  });
  return fig;
}

/** CKA (debiased by default) of every pair of models of one architecture × dataset. */
export function ckaMatrixFigure(results: SignFlipResults, architecture: PcArchitecture, dataset: PcDataset, which: 'cka' | 'ckaDebiased' = 'ckaDebiased'): Figure {
  const m = results.ckaMatrices.find((x) => x.architecture === architecture && x.dataset === dataset);
  if (m === undefined) throw new Error(`ckaMatrixFigure: no CKA matrix for ${architecture} on ${dataset}`);
  const side = Math.max(420, 22 * m.labels.length + 200);
  const fig = heatmap({
    title: `${architecture} on ${dataset}: ${which === 'cka' ? 'linear CKA' : 'debiased linear CKA'} of penultimate features`,
    z: m[which].map((row) => row.map((v) => (Number.isFinite(v) ? v : null))), x: m.labels, y: m.labels,
    zmin: which === 'cka' ? 0 : Math.min(0, ...m[which].flat().filter((v) => Number.isFinite(v))), zmax: 1,
    colorscale: 'Viridis', colorbarTitle: 'CKA', width: side + 300, height: side + 120,
  });
  // Room for the model labels (e.g. 'adam·ku·s0 ⟲none-repeat') on both axes.
  fig.layout.margin = { l: 200, b: 200, t: 50 };
  return fig;
}

/**
 * Bars of the four similarity measures per pair category, one architecture × dataset: one panel per optimiser (its
 * seed and init pairs and its perturbation pairs), 'sgd vs adam' in every panel.
 */
export function featureSimilarityFigure(results: SignFlipResults, architecture: PcArchitecture, dataset: PcDataset): Figure {
  const summary = featureSimilaritySummary(results).filter((r) => r.architecture === architecture && r.dataset === dataset);
  const measures: [SfSummaryMeasure, string][] = [['greedyMeanAbsR', 'Pearson |r|, greedy pairing'], ['hungarianMeanAbsR', 'Pearson |r|, Hungarian pairing'], ['cka', 'linear CKA'], ['ckaDebiased', 'debiased CKA']];
  const low = Math.min(0, ...summary.map((r) => orNaN(r.measures.ckaDebiased.mean)).filter(Number.isFinite));
  const optimizers = results.config.optimizers;
  const panels = optimizers.map((o) => {
    const rows = summary.filter((r) => r.category === 'sgd vs adam' || r.category.endsWith(`(${o})`));
    return barChart({
      categories: rows.map((r) => r.category.replace(` (${o})`, '')),
      groups: measures.map(([key, name], i) => ({
        name, color: colorAt(i),
        values: rows.map((r) => orNaN(r.measures[key].mean)),
        lo: rows.map((r) => orNaN(r.measures[key].lo ?? r.measures[key].mean)),
        hi: rows.map((r) => orNaN(r.measures[key].hi ?? r.measures[key].mean)),
        bounds: [-1, 1] as const,
      })),
      yTitle: 'similarity', yRange: [low, 1],
    });
  });
  const fig = sideBySide(panels, optimizers.map(String), { title: `${architecture} on ${dataset}: similarity of penultimate features per kind of pair (mean, 95% CI)`, height: 760, width: 640 * optimizers.length + 300 });
  // Long category names: room below the bars, legend on the right.
  fig.layout.margin = { t: 90, b: 280, r: 260 };
  fig.layout.legend = { orientation: 'v', x: 1.02, y: 1 };
  return fig;
}

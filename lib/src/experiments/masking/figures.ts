/**
 * Figures of the masking study: per-layer histograms of log activations on D vs D2 (the original study's figure), a per-kernel
 * distance heatmap with the selected kernels outlined, activation maps of selected vs unselected kernels for one
 * image, accuracy vs n per method with CI bands, and paired differences against plain fine-tuning.
 */
import * as tf from '@tensorflow/tfjs';
import { barChart, heatmap, histogram, imageGrid, lineChart, sideBySide, type GridImage, type LineSeries } from '../../plot/builders';
import type { Figure } from '../../plot/types';
import { layerOutputModel } from '../../probe/activations';
import type { ImageDataset } from '../../data/types';
import type { LabelledBatchSource } from '../../data/source';
import type { KernelSimilarity } from '../../probe/kernelSimilarity';
import { maskRuleLabel, type KernelMask, type MaskRule } from '../../probe/kernelMask';
import type { KernelStatistic } from '../../probe/kernelStatistics';
import type { MaskingRun } from './run';
import { maskingPairedDifferences, summarizeMasking, VAL_SELECTED_FREEZE, VAL_SELECTED_MASKED, type MaskingSummary } from './verdict';
import { compact } from '../../util/format';

/** Per-layer overlaid histograms of log(|a| + eps) on D and D2 on shared edges (one panel per layer). */
export function maskingHistogramFigure(
  similarity: KernelSimilarity,
  options: { layers?: readonly string[]; bins?: number; sourceName?: string; targetName?: string; title?: string } = {},
): Figure {
  const names = options.layers ?? similarity.layers;
  const panels = names.map((name, i) => {
    const li = similarity.layers.indexOf(name);
    if (li < 0) throw new Error(`maskingHistogramFigure: '${name}' is not a compared layer (${similarity.layers.join(', ')})`);
    return histogram({
      series: [
        { name: options.sourceName ?? 'D (pretraining data)', values: similarity.pooledLogSample('source', li) },
        { name: options.targetName ?? 'D2 (new data)', values: similarity.pooledLogSample('target', li) },
      ],
      bins: options.bins ?? 40,
      norm: 'density',
      // Only the first panel carries the y title, so that titles do not run into the neighbouring panel.
      yTitle: i === 0 ? 'density' : ' ',
    });
  });
  const fig = sideBySide(panels, [...names], {
    title: options.title ?? 'Log activations per layer, pooled over kernels',
    width: Math.max(620, 320 * panels.length),
    height: 420,
  });
  fig.layout.legend = { orientation: 'h', x: 0, y: -0.22 };
  fig.layout.annotations?.push({ text: 'log(|a| + 1e-4) of the conv outputs', x: 0.5, y: -0.14, xref: 'paper', yref: 'paper', showarrow: false });
  fig.layout.margin = { t: 90, b: 100 };
  return fig;
}

/**
 * Heatmap of log10 distance per layer (rows) × kernel (columns, up to `maxKernels`), with the mask's selected kernels
 * outlined in red.
 */
export function maskingSimilarityHeatmap(mask: KernelMask, options: { maxKernels?: number; title?: string } = {}): Figure {
  const maxKernels = options.maxKernels ?? 64;
  const width = Math.min(maxKernels, Math.max(...mask.layers.map((l) => l.distance.length)));
  const z = mask.layers.map((l) =>
    Array.from({ length: width }, (_, k) => {
      const d = l.distance[k];
      if (d === undefined) return null;
      return Number.isFinite(d) ? Math.log10(d + 1e-12) : null;
    }),
  );
  const marks: [number, number][] = [];
  mask.layers.forEach((l, r) => l.selected.forEach((s, k) => s && k < width && marks.push([r, k])));
  const shown = mask.layers.some((l) => l.distance.length > width) ? ` (first ${width} per layer)` : '';
  const fig = heatmap({
    title: options.title ?? `${mask.statistic} ${maskRuleLabel(mask.rule)}: log10 distance, selected ${(100 * mask.selectedFraction).toFixed(0)}% in red${shown}`,
    z,
    xTitle: 'kernel',
    colorscale: 'Viridis',
    colorbarTitle: 'log10 d',
    marks,
    width: Math.max(760, 14 * width + 260),
    height: 160 + 36 * mask.layers.length,
  });
  // Marks need index axes: name the rows through tick labels.
  fig.layout.yaxis = { ...fig.layout.yaxis, tickvals: mask.layers.map((_, i) => i), ticktext: mask.layers.map((l) => l.layer), zeroline: false };
  fig.layout.xaxis = { ...fig.layout.xaxis, zeroline: false };
  fig.layout.margin = { t: 60, l: 110 };
  return fig;
}

function toGrey(values: Float32Array, h: number, w: number, c: number, channel: number): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < h * w; i++) {
    const v = values[i * c + channel] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  return Uint8Array.from({ length: h * w }, (_, i) => (span > 0 ? Math.round((255 * ((values[i * c + channel] as number) - lo)) / span) : 0));
}

/**
 * Activation maps of one image in one layer: the `count` most similar selected kernels and the `count` least similar
 * unselected ones (each map min-max scaled), after the input image.
 */
export async function maskingActivationMapsFigure(
  model: tf.LayersModel,
  image: { source: LabelledBatchSource; index: number; dataset: ImageDataset; datasetIndex: number },
  mask: KernelMask,
  layer: string,
  options: { count?: number } = {},
): Promise<Figure> {
  const count = options.count ?? 6;
  const entry = mask.layers.find((l) => l.layer === layer);
  if (!entry) throw new Error(`maskingActivationMapsFigure: layer '${layer}' is not in the mask (${mask.layers.map((l) => l.layer).join(', ')})`);
  const batch = image.source.batch(Int32Array.of(image.index));
  const out = tf.tidy(() => layerOutputModel(model, [layer]).apply(tf.tensor(batch.xs, batch.shape, 'float32'), { training: false }) as tf.Tensor);
  const [, h, w, c] = out.shape as [number, number, number, number];
  const values = (await out.data()) as Float32Array;
  out.dispose();
  const order = Array.from(entry.distance, (_, k) => k).sort((a, b) => (entry.distance[a] as number) - (entry.distance[b] as number));
  const selected = order.filter((k) => entry.selected[k] === 1).slice(0, count);
  const unselected = order.filter((k) => entry.selected[k] === 0).reverse().slice(0, count);
  const ds = image.dataset;
  const size = ds.height * ds.width * ds.channels;
  const input: GridImage = { pixels: ds.pixels.subarray(image.datasetIndex * size, (image.datasetIndex + 1) * size), width: ds.width, height: ds.height, channels: ds.channels, label: 'input' };
  const columns = 1 + Math.max(selected.length, unselected.length);
  // Row 1: input + masked kernels; row 2: input + free kernels (rows padded with a blank map to stay aligned).
  const blank: GridImage = { pixels: new Uint8Array(h * w).fill(255), width: w, height: h, channels: 1, label: '' };
  const rowOf = (kernels: number[], tag: string): GridImage[] => [
    input,
    ...kernels.map((k): GridImage => ({ pixels: toGrey(values, h, w, c, k), width: w, height: h, channels: 1, label: `${tag} k${k} d=${compact(entry.distance[k])}` })),
    ...Array.from({ length: columns - 1 - kernels.length }, () => blank),
  ];
  return imageGrid([...rowOf(selected, 'masked'), ...rowOf(unselected, 'free')], {
    columns,
    title: `${layer}: masked (similar) vs free kernels (${mask.statistic})`,
    cellSize: 130,
  });
}

/** Methods drawn by default in the accuracy figure: baselines, the original study's configuration, and the validation-selected ones. */
export function maskingFigureMethods(seedMethod: string): string[] {
  return ['scratch', 'finetune', 'linear-probe', VAL_SELECTED_FREEZE, seedMethod, VAL_SELECTED_MASKED];
}

const DASH: Record<string, LineSeries['dash']> = { scratch: 'dot', 'linear-probe': 'dot', [VAL_SELECTED_FREEZE]: 'dash' };

/** Test accuracy vs labelled samples n (log2 axis), mean and 95% CI band over seeds; one panel per pair. */
export function maskingAccuracyFigure(runs: readonly MaskingRun[], options: { protocol?: 'A' | 'B'; methods?: readonly string[]; seedMethod: string }): Figure {
  const protocol = options.protocol ?? 'A';
  const summary = summarizeMasking(runs.filter((r) => r.protocol === protocol));
  const methods = options.methods ?? maskingFigureMethods(options.seedMethod);
  const pairs = [...new Set(summary.map((s) => s.pair))];
  const panels = pairs.map((pair) => {
    const series: LineSeries[] = [];
    for (const m of methods) {
      const rows = summary.filter((s) => s.pair === pair && s.method === m).sort((a, b) => a.n - b.n);
      if (rows.length === 0) continue;
      const hasCi = rows.every((r) => Number.isFinite(r.accuracy.lo));
      series.push({
        name: m,
        x: rows.map((r) => r.n),
        y: rows.map((r) => r.accuracy.mean),
        ...(hasCi ? { lo: rows.map((r) => r.accuracy.lo), hi: rows.map((r) => r.accuracy.hi) } : {}),
        bounds: [0, 1],
        dash: DASH[m] ?? 'solid',
      });
    }
    return lineChart({ series, xTitle: 'labelled target images n', yTitle: 'test accuracy', xType: 'log', log2Ticks: true });
  });
  return sideBySide(panels, pairs, { title: 'Test accuracy vs labelled samples (mean and 95% CI over seeds)', height: 460 });
}

/** Paired difference to fine-tune all (accuracy points) vs n, for the given methods; one panel per pair. */
export function maskingDifferenceFigure(runs: readonly MaskingRun[], options: { methods: readonly string[]; protocol?: 'A' | 'B' }): Figure {
  const protocol = options.protocol ?? 'A';
  const own = runs.filter((r) => r.protocol === protocol);
  const pairs = [...new Set(own.map((r) => r.pair))];
  const panels = pairs.map((pair) => {
    const series: LineSeries[] = options.methods.flatMap((m) => {
      const d = maskingPairedDifferences(own.filter((r) => r.pair === pair), m, 'finetune').sort((a, b) => a.n - b.n);
      if (d.length === 0) return [];
      const hasCi = d.every((r) => Number.isFinite(r.diff.lo));
      return [{ name: m, x: d.map((r) => r.n), y: d.map((r) => 100 * r.diff.mean), ...(hasCi ? { lo: d.map((r) => 100 * r.diff.lo), hi: d.map((r) => 100 * r.diff.hi) } : {}) }];
    });
    return lineChart({ series, xTitle: 'labelled target images n', yTitle: 'Δ test accuracy vs fine-tune all (points)', xType: 'log', log2Ticks: true });
  });
  return sideBySide(panels, pairs, { title: 'Paired difference to fine-tune all (95% CI over seeds; 0 = no gain)', height: 460 });
}

/**
 * Train − validation accuracy gap at the best checkpoint vs n (accuracy points, mean and 95% CI over seeds), one line
 * per method; one panel per pair. The original study's mechanism is "less overfitting": a smaller gap.
 */
export function maskingGapFigure(runs: readonly MaskingRun[], options: { methods: readonly string[]; protocol?: 'A' | 'B' }): Figure {
  const protocol = options.protocol ?? 'A';
  const summary = summarizeMasking(runs.filter((r) => r.protocol === protocol));
  const pairs = [...new Set(summary.map((s) => s.pair))];
  const panels = pairs.map((pair) => {
    const series: LineSeries[] = options.methods.flatMap((m) => {
      const rows = summary.filter((s) => s.pair === pair && s.method === m).sort((a, b) => a.n - b.n);
      if (rows.length === 0) return [];
      const hasCi = rows.every((r) => Number.isFinite(r.trainValGap.lo));
      const pts = (v: number): number => 100 * v;
      return [{
        name: m,
        x: rows.map((r) => r.n),
        y: rows.map((r) => pts(r.trainValGap.mean)),
        ...(hasCi ? { lo: rows.map((r) => pts(r.trainValGap.lo)), hi: rows.map((r) => pts(r.trainValGap.hi)) } : {}),
        dash: DASH[m] ?? 'solid',
      }];
    });
    return lineChart({ series, xTitle: 'labelled target images n', yTitle: 'train − validation accuracy (points)', xType: 'log', log2Ticks: true });
  });
  return sideBySide(panels, pairs, { title: 'Overfitting: train − validation accuracy at the best checkpoint (mean and 95% CI over seeds)', height: 460 });
}

/** One bar per method for a single cell (protocol B), mean test accuracy and 95% CI. */
export function maskingMethodBars(runs: readonly MaskingRun[], options: { protocol?: 'A' | 'B'; pair?: string; n?: number; title?: string } = {}): Figure {
  const own = runs.filter((r) => r.protocol === (options.protocol ?? 'B') && (options.pair === undefined || r.pair === options.pair) && (options.n === undefined || r.n === options.n));
  const summary: MaskingSummary[] = summarizeMasking(own).sort((a, b) => b.accuracy.mean - a.accuracy.mean);
  return barChart({
    title: options.title ?? 'Test accuracy per method (mean and 95% CI over seeds)',
    categories: summary.map((s) => s.method),
    groups: [{ name: 'test accuracy', values: summary.map((s) => s.accuracy.mean), lo: summary.map((s) => (Number.isFinite(s.accuracy.lo) ? s.accuracy.lo : s.accuracy.mean)), hi: summary.map((s) => (Number.isFinite(s.accuracy.hi) ? s.accuracy.hi : s.accuracy.mean)), bounds: [0, 1] }],
    yTitle: 'test accuracy',
    height: 460,
    width: Math.max(600, 60 * summary.length + 200),
  });
}

/** Share of kernels selected per layer by each statistic under one rule (how the statistics disagree). */
export function maskingSelectionFigure(similarity: KernelSimilarity, statistics: readonly KernelStatistic[], rule: MaskRule): Figure {
  const masks = statistics.map((statistic) => similarity.mask({ ...rule, statistic }));
  return barChart({
    title: 'Share of kernels selected (masked) per layer',
    categories: similarity.layers,
    groups: masks.map((m) => ({ name: m.statistic, values: m.layers.map((l) => l.selected.reduce((a, b) => a + b, 0) / l.selected.length) })),
    yTitle: 'selected fraction',
    yRange: [0, 1],
  });
}

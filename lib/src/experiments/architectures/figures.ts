/**
 * Figures of the architectures notebook (05), built from the section results with the plot builders.
 */
import { barChart, heatmap, lineChart, sideBySide, type LineSeries } from '../../plot/builders';
import { colorAt } from '../../plot/palette';
import type { Figure, HeatmapTrace } from '../../plot/types';
import { meanCIByGroup } from '../../report/groups';
import type { Row } from '../../report/table';
import type { BudgetComparisonResults } from './blocks';
import { RESIDUAL_PLACEMENTS } from './blocks';
import { numberOrNaN } from './common';
import { TRANSFER_CONV_LAYERS, TRANSFER_PAIRS } from './config';
import type { MeasuredReceptiveField } from './geometry';
import type { VanishingGradientsResults } from './gradients';
import { type TransferResults } from './transfer';

const VARIANT_STYLE: Record<string, { color: string; dash: LineSeries['dash'] }> = {
  'plain-sigmoid': { color: colorAt(0), dash: 'dash' },
  'plain-relu': { color: colorAt(1), dash: 'dash' },
  'residual-sigmoid': { color: colorAt(0), dash: 'solid' },
  'residual-relu': { color: colorAt(1), dash: 'solid' },
  'plain-relu-kaiming': { color: colorAt(2), dash: 'dot' },
};

function variantStyle(id: string, i: number): { color: string; dash: LineSeries['dash'] } {
  return VARIANT_STYLE[id] ?? { color: colorAt(i + 3), dash: 'solid' };
}

function variantsOf(rows: readonly { variant?: unknown }[]): string[] {
  return [...new Set(rows.map((r) => String(r.variant)))];
}

/** Gradient maps of one output unit (|∂y/∂x| summed over channels), each normalised to its maximum. */
export function receptiveFieldMapsFigure(maps: readonly { name: string; measured: MeasuredReceptiveField }[]): Figure {
  const figs = maps.map(({ measured: m }, i) => {
    let max = 0;
    for (const v of m.gradient) max = Math.max(max, v);
    const z: number[][] = [];
    for (let r = 0; r < m.inputHeight; r++) z.push(Array.from(m.gradient.subarray(r * m.inputWidth, (r + 1) * m.inputWidth), (v) => v / max));
    const f = heatmap({ z, zmin: 0, zmax: 1, colorscale: 'Viridis', xTitle: 'input column', yTitle: i === 0 ? 'input row' : undefined, colorbarTitle: 'share of max' });
    (f.data[0] as HeatmapTrace).showscale = i === maps.length - 1;
    return f;
  });
  return sideBySide(figs, maps.map((m) => `${m.name} (RF ${m.measured.height}×${m.measured.width})`), {
    title: 'Which input pixels one output unit depends on: ∂y/∂x with all weights = 1',
    height: 420,
  });
}

/** Parameters of one k×k conv vs (k−1)/2 stacked 3×3 convs with the same receptive field. */
export function stackedKernelsFigure(rows: readonly Row[]): Figure {
  return barChart({
    title: 'Same receptive field, fewer weights: one k×k conv vs stacked 3×3 convs (C → C)',
    categories: rows.map((r) => `RF ${r['receptiveField']}`),
    groups: [
      { name: 'one k×k conv', values: rows.map((r) => numberOrNaN(r['largeParameters'])) },
      { name: 'stacked 3×3 convs', values: rows.map((r) => numberOrNaN(r['stackedParameters'])) },
    ],
    xTitle: 'receptive field (pixels)',
    yTitle: 'weights',
  });
}

/** log10 ‖∂L/∂W_i‖ per hidden layer at initialisation, mean and 95% CI over init seeds. */
export function gradientsAtInitFigure(results: VanishingGradientsResults): Figure {
  const series: LineSeries[] = variantsOf(results.initSummary).map((v, i) => {
    const rows = results.initSummary.filter((r) => r.variant === v);
    const st = variantStyle(v, i);
    const hasCi = rows.every((r) => Number.isFinite(r.log10Norm.lo));
    return {
      name: v,
      x: rows.map((r) => r.layer),
      y: rows.map((r) => r.log10Norm.mean),
      ...(hasCi ? { lo: rows.map((r) => r.log10Norm.lo), hi: rows.map((r) => r.log10Norm.hi) } : {}),
      color: st.color,
      dash: st.dash,
    };
  });
  return lineChart({
    title: 'Gradient norm per layer at initialisation (layer 1 = next to the input)',
    xTitle: 'hidden layer i',
    yTitle: 'log₁₀ ‖∂L/∂W_i‖',
    series,
  });
}

/** First and last hidden layer's gradient norm over training steps (geometric mean over seeds), per variant. */
export function gradientsDuringTrainingFigure(results: VanishingGradientsResults, depth: number): Figure {
  const series: LineSeries[] = [];
  variantsOf(results.trainingNorms).forEach((v, i) => {
    const st = variantStyle(v, i);
    for (const layer of [1, depth]) {
      const rows = results.trainingNorms
        .filter((r) => r['variant'] === v && r['layer'] === layer)
        .map((r) => ({ ...r, log10Norm: Math.log10(Math.max(r['gradientNorm'] as number, 1e-30)) }));
      const agg = meanCIByGroup(rows, ['globalStep'], 'log10Norm');
      series.push({
        name: `${v}, layer ${layer}`,
        x: agg.map((r) => r['globalStep'] as number),
        y: agg.map((r) => numberOrNaN(r['mean'])),
        color: st.color,
        dash: layer === 1 ? 'solid' : 'dot',
        mode: 'lines',
      });
    }
  });
  return lineChart({
    title: `Gradient norm during training: layer 1 (solid) vs layer ${depth} (dotted)`,
    xTitle: 'training step',
    yTitle: 'log₁₀ ‖∂L/∂W‖',
    series,
  });
}

/** Training loss and test accuracy per epoch (mean and CI over seeds), side by side. */
export function trainingCurvesFigure(results: VanishingGradientsResults): Figure {
  const panel = (value: string, yTitle: string): Figure => {
    const series: LineSeries[] = variantsOf(results.history).map((v, i) => {
      const agg = meanCIByGroup(results.history.filter((r) => r['variant'] === v), ['epoch'], value);
      const st = variantStyle(v, i);
      const hasCi = agg.every((r) => typeof r['lo'] === 'number');
      return {
        name: v,
        x: agg.map((r) => r['epoch'] as number),
        y: agg.map((r) => numberOrNaN(r['mean'])),
        ...(hasCi ? { lo: agg.map((r) => r['lo'] as number), hi: agg.map((r) => r['hi'] as number) } : {}),
        // a loss is >= 0 and an accuracy lies in [0, 1]: the CI band is clipped to that
        bounds: value === 'testAccuracy' ? ([0, 1] as const) : ([0, Infinity] as const),
        color: st.color,
        dash: st.dash,
      };
    });
    return lineChart({ xTitle: 'epoch', yTitle, series });
  };
  return sideBySide([panel('trainLoss', 'training loss (running mean)'), panel('testAccuracy', 'test accuracy')], ['training loss', 'test accuracy'], {
    title: 'Training curves of the deep nets (mean and 95% CI over seeds)',
  });
}

/** Per block of the placement stacks: output std and the block's first-conv gradient norm (mean over seeds). */
export function placementFigure(rows: readonly Row[]): Figure {
  const panel = (value: string, yTitle: string, log: boolean): Figure =>
    lineChart({
      xTitle: 'block',
      yTitle,
      yType: log ? 'log' : 'linear',
      series: RESIDUAL_PLACEMENTS.map((p, i) => {
        const agg = meanCIByGroup(rows.filter((r) => r['placement'] === p), ['block'], value);
        return { name: p, x: agg.map((r) => r['block'] as number), y: agg.map((r) => numberOrNaN(r['mean'])), color: colorAt(i) };
      }),
    });
  return sideBySide(
    [panel('outputMean', 'mean of the block output', false), panel('outputStd', 'std of the block output', false), panel('conv1Gradient', '‖∂L/∂W‖ of the block’s first conv', true)],
    ['signal mean', 'signal spread', 'gradient'],
    { title: 'Residual block placements at initialisation, deep stack, training-mode BN (mean over seeds)' },
  );
}

/** Test accuracy per block family at an equal parameter budget, with 95% CIs over seeds. */
export function budgetFigure(results: BudgetComparisonResults): Figure {
  const s = results.summary;
  const hasCi = s.every((r) => r.lo !== null && r.hi !== null);
  return barChart({
    title: 'CIFAR-10 subset, ≈ equal parameter budget: test accuracy (mean, 95% CI over seeds)',
    categories: s.map((r) => `${r.family} (${Math.round(numberOrNaN(r.parameters) / 100) / 10}k, w=${r.width})`),
    groups: [{
      name: 'test accuracy',
      values: s.map((r) => numberOrNaN(r.testAccuracy)),
      ...(hasCi ? { lo: s.map((r) => numberOrNaN(r.lo)), hi: s.map((r) => numberOrNaN(r.hi)) } : {}),
      bounds: [0, 1],
    }],
    yTitle: 'test accuracy',
    yRange: [0, 1],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Transfer study

/**
 * Target test accuracy vs the number k of frozen pretrained conv layers (mean and 95% CI over seeds), one panel per
 * pair and one colour per target-set size; the controls are flat lines across k: training from scratch (dashed) and
 * a frozen random backbone (dotted).
 */
export function transferSweepFigure(results: TransferResults): Figure {
  const pairs = [...new Set(results.summary.map((r) => r.pair))];
  const sizes = [...new Set(results.summary.map((r) => r.perClass))].sort((a, b) => a - b);
  const panels = pairs.map((pair) => {
    const series: LineSeries[] = [];
    sizes.forEach((n, i) => {
      const color = colorAt(i);
      const rows = results.summary.filter((r) => r.pair === pair && r.perClass === n && r.start === 'pretrained').sort((a, b) => a.k - b.k);
      const ks = rows.map((r) => r.k);
      if (ks.length === 0) return;
      const hasCi = rows.every((r) => Number.isFinite(r.lo) && Number.isFinite(r.hi));
      series.push({
        name: `pretrained, n = ${n}/class`,
        x: ks,
        y: rows.map((r) => r.mean),
        ...(hasCi ? { lo: rows.map((r) => r.lo), hi: rows.map((r) => r.hi) } : {}),
        bounds: [0, 1],
        color,
      });
      const flat = (start: string, name: string, dash: LineSeries['dash']): void => {
        const r = results.summary.find((x) => x.pair === pair && x.perClass === n && x.start === start);
        if (!r) return;
        series.push({ name, x: [Math.min(...ks), Math.max(...ks)], y: [r.mean, r.mean], color, dash, mode: 'lines' });
      };
      flat('scratch', `from scratch, n = ${n}/class`, 'dash');
      flat('random-frozen', `random conv1..${TRANSFER_CONV_LAYERS} frozen, n = ${n}/class`, 'dot');
    });
    return lineChart({ xTitle: 'k = frozen conv layers (0: fine-tune all, 4: new head only)', yTitle: 'target test accuracy', series });
  });
  return sideBySide(panels, pairs.map((p) => `${TRANSFER_PAIRS[p].label} (${TRANSFER_PAIRS[p].distance})`), {
    title: 'Fine-tuning with the first k conv layers frozen (mean and 95% CI over seeds)',
  });
}

/** Accuracy of a nearest-centroid domain classifier (source-task vs target-task images) on each layer's features. */
export function domainGapFigure(results: TransferResults): Figure {
  const pairs = [...new Set(results.domainGap.map((r) => r.pair))];
  return lineChart({
    title: 'How different do the two image sets look? Domain classifier accuracy per layer (0.5 = indistinguishable)',
    xTitle: 'features of layer (0 = pixels)',
    yTitle: 'domain classifier accuracy',
    series: pairs.map((pair, i) => {
      const rows = results.domainGap.filter((r) => r.pair === pair);
      return { name: TRANSFER_PAIRS[pair].label, x: rows.map((r) => r.depth), y: rows.map((r) => r.domainAccuracy), color: colorAt(i) };
    }),
  });
}

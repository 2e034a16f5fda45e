import { lineChart, barChart, sideBySide, type LineSeries } from '../../plot/builders';
import type { Figure } from '../../plot/types';
import { colorAt } from '../../plot/palette';
import { gaussianKDE } from '../../stats/kde';
import type { MeanCI } from '../../stats/intervals';
import { replicateInterval, type ActivationVarianceResult } from './run';
import type { ActivationVarianceResizeResult } from './resize';
import type { ActivationVarianceClaims, TotalTrendClaim } from './verdict';
import { datasetLabel } from '../../data';

/** Figures of notebook 03: every figure shows MNIST and Fashion-MNIST side by side, with 95% CI bands over replicates. */


function titleOf(result: ActivationVarianceResult): string {
  return datasetLabel(result.config.dataset);
}

function band(values: readonly MeanCI[]): { y: number[]; lo?: number[]; hi?: number[] } {
  const y = values.map((v) => v.mean);
  const hasBand = values.every((v) => Number.isFinite(v.lo) && Number.isFinite(v.hi));
  return hasBand ? { y, lo: values.map((v) => v.lo), hi: values.map((v) => v.hi) } : { y };
}

function pointwiseCI(curves: readonly number[][]): MeanCI[] {
  const n = curves[0]?.length ?? 0;
  return Array.from({ length: n }, (_, g) => replicateInterval(curves.map((c) => c[g] as number)));
}

/** KDE of one width's std distribution: per replicate on a common grid, then mean ± CI over replicates. */
export function activationStdDensity(result: ActivationVarianceResult, width: number, gridPoints = 120): { grid: number[]; density: MeanCI[] } {
  const run = result.runs.find((r) => r.width === width);
  if (!run) throw new Error(`activationStdDensity: width ${width} is not in the ${result.config.dataset} results (${result.config.widths.join(', ')})`);
  const all = run.stdSamples.flat();
  const hi = Math.max(...all);
  const grid = Array.from({ length: gridPoints }, (_, i) => (hi * 1.05 * i) / (gridPoints - 1));
  const curves = run.stdSamples.filter((s) => new Set(s).size > 1).map((s) => gaussianKDE(s, grid));
  return { grid, density: pointwiseCI(curves) };
}

/** Up to `count` widths spread over the grid (always the first and the last). */
export function spreadWidths(widths: readonly number[], count: number): number[] {
  if (widths.length <= count) return [...widths];
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(widths[Math.round((i * (widths.length - 1)) / (count - 1))] as number);
  return [...out];
}

function densityPanel(result: ActivationVarianceResult, widths: readonly number[], title: string): Figure {
  const series: LineSeries[] = widths.map((w, i) => {
    const { grid, density } = activationStdDensity(result, w);
    return { name: `w=${w}`, x: grid, ...band(density), bounds: NON_NEGATIVE, color: colorAt(i), mode: 'lines' };
  });
  return lineChart({ title, xTitle: 'per-neuron std of the hidden activation (training set)', yTitle: 'density', series });
}

/** 1. The std distribution (KDE) for several widths. */
export function stdDistributionFigure(results: readonly ActivationVarianceResult[], count = 5): Figure {
  return sideBySide(
    results.map((r) => densityPanel(r, spreadWidths(r.config.widths, count), '')),
    results.map(titleOf),
    { title: 'Distribution of per-neuron activation std (KDE; band: 95% CI over replicates)' },
  );
}

/** 3. The KDE at the W argmax and its two neighbours on the grid. */
export function stdAroundArgmaxFigure(results: readonly ActivationVarianceResult[]): Figure {
  return sideBySide(
    results.map((r) => {
      const widths = r.config.widths;
      const i = widths.indexOf(r.summary.wArgmaxWidth);
      const chosen = [widths[i - 1], widths[i], widths[i + 1]].filter((w): w is number => w !== undefined);
      return densityPanel(r, chosen, '');
    }),
    results.map((r) => `${titleOf(r)}: W peaks at ${r.summary.wArgmaxWidth}`),
    { title: 'Std distribution at the most normal width and its neighbours' },
  );
}

/** 2. Shapiro-Wilk W vs width, pooled (the original's statistic) and per replicate (mean ± CI), argmax marked. */
export function shapiroVsWidthFigure(results: readonly ActivationVarianceResult[]): Figure {
  return sideBySide(
    results.map((r) => {
      const x = r.widths.map((w) => w.width);
      return lineChart({
        xTitle: 'hidden width',
        yTitle: 'Shapiro-Wilk W of the stds',
        xType: 'log',
        log2Ticks: true,
        // no vLine labels: plotly places annotations on a log axis in log10 units (the label would sit at 10^w)
        vLines: [{ x: r.summary.wArgmaxWidth, color: colorAt(0) }],
        series: [
          { name: 'W of pooled replicates', x, y: r.widths.map((w) => w.pooledShapiroW), color: colorAt(0) },
          { name: 'W per replicate (mean, 95% CI)', x, ...band(r.widths.map((w) => w.shapiroW)), bounds: UNIT, color: colorAt(1), dash: 'dash' },
        ],
      });
    }),
    results.map((r) => `${titleOf(r)}: W largest at ${r.summary.wArgmaxWidth}`),
    { title: 'Normality of the std distribution vs width (dashed: argmax of pooled W)' },
  );
}

/**
 * 4. Total activation spread vs width under one definition — the sum of per-neuron stds (what the seed's code summed)
 * or of variances (what its text says) — with the least-squares fits a + b·ln w and a + b·w over all converged models.
 */
export function totalTrendFigure(
  results: readonly ActivationVarianceResult[],
  claims: readonly ActivationVarianceClaims[],
  definition: TotalTrendClaim['definition'],
): Figure {
  const stds = definition === 'sum of stds';
  return sideBySide(
    results.map((r) => {
      const x = r.widths.map((w) => w.width);
      const c = claims.find((k) => k.dataset === r.config.dataset);
      const trend = c ? (stds ? c.totalStd : c.totalVariance) : undefined;
      const [x0, x1] = [Math.log(x[0] as number), Math.log(x[x.length - 1] as number)];
      const fx = Array.from({ length: 60 }, (_, i) => Math.exp(x0 + (i / 59) * (x1 - x0)));
      const fits: LineSeries[] = [];
      if (trend && Number.isFinite(trend.pooled.log.r2)) {
        const { log, linear } = trend.pooled;
        fits.push(
          { name: `${log.a.toFixed(1)} + ${log.b.toFixed(1)}·ln w (R² ${log.r2.toFixed(3)})`, x: fx, y: fx.map((w) => log.a + log.b * Math.log(w)), color: colorAt(3), dash: 'dash', mode: 'lines' },
          { name: `${linear.a.toFixed(1)} + ${linear.b.toFixed(4)}·w (R² ${linear.r2.toFixed(3)})`, x: fx, y: fx.map((w) => linear.a + linear.b * w), color: colorAt(2), dash: 'dot', mode: 'lines' },
        );
      }
      return lineChart({
        xTitle: 'hidden width',
        yTitle: stds ? 'sum of neuron stds' : 'sum of neuron variances',
        xType: 'log',
        log2Ticks: true,
        series: [
          { name: `${definition} (mean, 95% CI)`, x, ...band(r.widths.map((w) => (stds ? w.totalStd : w.totalVariance))), bounds: NON_NEGATIVE, color: colorAt(0) },
          ...fits,
        ],
      });
    }),
    results.map(titleOf),
    { title: stds ? 'Total activation std vs width (the sum the seed\'s code computed)' : 'Total activation variance vs width (what the seed\'s text calls it)' },
  );
}

export function totalStdFigure(results: readonly ActivationVarianceResult[], claims: readonly ActivationVarianceClaims[] = []): Figure {
  return totalTrendFigure(results, claims, 'sum of stds');
}

export function totalVarianceFigure(results: readonly ActivationVarianceResult[], claims: readonly ActivationVarianceClaims[] = []): Figure {
  return totalTrendFigure(results, claims, 'sum of variances');
}

/**
 * Where the W peak and the accuracy plateau fall when the models of every width are resampled (bootstrap over
 * replicates): the share of resamples per width. Overlapping bars = the two widths are not told apart by the data.
 */
export function peakUncertaintyFigure(claims: readonly ActivationVarianceClaims[]): Figure {
  return sideBySide(
    claims.map((c) =>
      barChart({
        categories: c.peak.widths.map(String),
        groups: [
          { name: 'argmax of pooled W', values: c.peak.wArgmaxShares, color: colorAt(1) },
          { name: 'accuracy plateau', values: c.peak.plateauShares, color: colorAt(0) },
        ],
        xTitle: 'hidden width',
        yTitle: `share of ${c.peak.resamples} bootstrap resamples`,
        yRange: [0, 1],
      }),
    ),
    claims.map((c) => datasetLabel(c.dataset)),
    { title: 'Uncertainty of the W peak and of the accuracy plateau (bootstrap over models)' },
  );
}

/** 5. Dead neurons (std exactly 0 over the training set) per network vs width. */
export function deadNeuronsFigure(results: readonly ActivationVarianceResult[]): Figure {
  return sideBySide(
    results.map((r) => {
      const x = r.widths.map((w) => w.width);
      return lineChart({
        xTitle: 'hidden width',
        yTitle: 'dead neurons per network (std = 0)',
        xType: 'log',
        log2Ticks: true,
        series: [
          { name: 'dead, training set (mean, 95% CI)', x, ...band(r.widths.map((w) => w.deadCount)), bounds: NON_NEGATIVE, color: colorAt(0) },
          { name: 'dead, test set (mean, 95% CI)', x, ...band(r.widths.map((w) => w.testDeadCount)), bounds: NON_NEGATIVE, color: colorAt(1), dash: 'dash' },
        ],
      });
    }),
    results.map(titleOf),
    { title: 'Dead neurons vs width' },
  );
}

/** What each plotted quantity can be: interval bands are clipped to it. */
const NON_NEGATIVE = [0, Infinity] as const;
const PERCENT = [0, 100] as const;
const UNIT = [0, 1] as const;

/** A share interval rescaled to percent (the plotted unit). */
const toPercent = (i: MeanCI): MeanCI => ({ ...i, mean: 100 * i.mean, lo: 100 * i.lo, hi: 100 * i.hi });

/** 5b. Share of near-dead neurons (std < eps) vs width, one line per eps. */
export function nearDeadFigure(results: readonly ActivationVarianceResult[]): Figure {
  return sideBySide(
    results.map((r) => {
      const x = r.widths.map((w) => w.width);
      return lineChart({
        xTitle: 'hidden width',
        yTitle: 'neurons with std < eps (% of the layer)',
        xType: 'log',
        log2Ticks: true,
        series: r.config.nearDeadEps.map(
          (eps, k): LineSeries => ({
            name: `std < ${eps} (mean, 95% CI)`,
            x,
            ...band(r.widths.map((w) => toPercent(w.nearDeadShares[k] as MeanCI))),
            bounds: PERCENT,
            color: colorAt(k + 1),
          }),
        ),
      });
    }),
    results.map(titleOf),
    { title: 'Near-dead neurons vs width' },
  );
}

/** 6. Test (and train) accuracy and W vs width on one chart, two y axes, log2 x axis. */
export function accuracyAndShapiroFigure(results: readonly ActivationVarianceResult[]): Figure {
  return sideBySide(
    results.map((r) => {
      const x = r.widths.map((w) => w.width);
      return lineChart({
        xTitle: 'hidden width',
        yTitle: 'accuracy (%)',
        y2Title: 'Shapiro-Wilk W (pooled)',
        xType: 'log',
        log2Ticks: true,
        vLines: [
          { x: r.summary.plateauWidth, color: colorAt(0) },
          { x: r.summary.wArgmaxWidth, color: colorAt(2) },
        ],
        series: [
          { name: 'test accuracy (mean, 95% CI)', x, ...band(r.widths.map((w) => toPercent(w.testAccuracy))), bounds: PERCENT, color: colorAt(0) },
          { name: 'train accuracy (mean, 95% CI)', x, ...band(r.widths.map((w) => toPercent(w.trainAccuracy))), bounds: PERCENT, color: colorAt(1), dash: 'dash' },
          { name: 'W (pooled)', x, y: r.widths.map((w) => w.pooledShapiroW), color: colorAt(2), secondaryY: true },
        ],
      });
    }),
    results.map((r) => `${titleOf(r)}: plateau ${r.summary.plateauWidth}, W largest at ${r.summary.wArgmaxWidth}`),
    { title: 'Accuracy and normality of the stds vs width (dashed: accuracy plateau, blue; argmax of W, green)' },
  );
}

/** 7. Resizing: the width over epochs per replicate, and accuracy of resized vs from-scratch. */
export function resizeTrajectoryFigure(results: readonly ActivationVarianceResizeResult[]): Figure {
  return sideBySide(
    results.map((res) =>
      lineChart({
        xTitle: 'epoch',
        yTitle: 'hidden width after the check',
        yType: 'log',
        series: res.resized.map((run, i) => ({
          name: `replicate ${run.replicate}`,
          x: [0, ...run.steps.map((s) => s.epoch), res.config.epochs],
          y: [res.config.startWidth, ...run.steps.map((s) => s.widthAfter), run.finalWidth],
          color: colorAt(i),
          mode: 'lines+markers',
        })),
      }),
    ),
    results.map((r) => datasetLabel(r.config.dataset)),
    { title: 'Width found by the std-driven resizing procedure' },
  );
}

export function resizeAccuracyFigure(results: readonly ActivationVarianceResizeResult[]): Figure {
  const categories = results.map((r) => datasetLabel(r.config.dataset));
  const group = (name: string, pick: (r: ActivationVarianceResizeResult) => MeanCI, color: string) => {
    const iv = results.map(pick);
    const finite = iv.every((i) => Number.isFinite(i.lo) && Number.isFinite(i.hi));
    return {
      name,
      values: iv.map((i) => 100 * i.mean),
      ...(finite ? { lo: iv.map((i) => 100 * i.lo), hi: iv.map((i) => 100 * i.hi) } : {}),
      bounds: PERCENT,
      color,
    };
  };
  return barChart({
    title: 'Test accuracy: resized during training vs the same width from scratch (95% CI)',
    categories,
    yTitle: 'test accuracy (%)',
    groups: [
      group('resized by the std rule', (r) => r.summary.resizedTestAccuracy, colorAt(0)),
      group('final width from scratch', (r) => r.summary.scratchTestAccuracy, colorAt(1)),
    ],
  });
}

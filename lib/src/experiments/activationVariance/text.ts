import type { MeanCI } from '../../stats/intervals';
import type { ActivationVarianceResult } from './run';
import type { ActivationVarianceResizeResult } from './resize';
import { SHAPIRO_MAX_N } from './stats';
import { datasetLabel } from '../../data';
import type { IntervalEstimate } from '../../stats/verdict';
import { verdictMarkdown } from '../../report/verdict';
import { duration, fixed, multiplyAdds, percent, signedFixed } from '../../util/format';
import type { ActivationVarianceClaims, ResizeClaim, TotalTrendClaim } from './verdict';

/** The text of notebook 03 that states numbers, generated from the results (never typed in by hand). */


function ci(i: MeanCI, format: (v: number) => string): string {
  if (!Number.isFinite(i.lo) || !Number.isFinite(i.hi)) return format(i.mean);
  return `${format(i.mean)} (95% CI ${format(i.lo)} to ${format(i.hi)})`;
}

export function activationVarianceFindings(result: ActivationVarianceResult): string {
  const s = result.summary;
  const name = datasetLabel(result.config.dataset);
  const widest = result.widths[result.widths.length - 1];
  const steps = s.gridStepsFromPlateau;
  const where =
    steps === 0
      ? 'exactly at the plateau width'
      : `${Math.abs(steps)} grid step${Math.abs(steps) === 1 ? '' : 's'} (${Math.abs(s.octavesFromPlateau).toFixed(1)} octaves) ${steps > 0 ? 'above' : 'below'} it`;
  const edge = s.interiorPeak
    ? ''
    : ` This is the ${s.wArgmaxWidth === result.config.widths[0] ? 'smallest' : 'largest'} width tested: W has no interior peak on this grid.`;
  const lines = [
    `**${name}.** The pooled Shapiro-Wilk W of the std distribution peaks at width **${s.wArgmaxWidth}** (W = ${s.maxPooledW.toFixed(4)}; ` +
      `the mean of the per-replicate W peaks at ${s.wArgmaxWidthOfMeans}).${edge} Mean test accuracy is best at width ${s.bestTestWidth} ` +
      `(${percent(s.bestTestAccuracy, 2)}) and comes within ${(100 * s.plateauTolerance).toFixed(1)} points of that from width **${s.plateauWidth}** on (the plateau). ` +
      `The W peak is ${where}; the network at the W peak is ${fixed(100 * Math.max(0, s.accuracyGapAtWArgmax), 2)} points below the best test accuracy ` +
      `(${s.wArgmaxWidth < s.plateauWidth ? 'too small' : 'large enough'}). ` +
      `On the training accuracy (what the original measured) the plateau starts at ${s.trainPlateauWidth}.`,
    `Total std grows like ${s.logFit.a.toFixed(1)} + ${s.logFit.b.toFixed(1)}·ln(w) with R² = ${s.logFit.r2.toFixed(3)} over all replicates ` +
      `(a straight line in w gives R² = ${s.linearFit.r2.toFixed(3)}, so the logarithm ${s.logFit.r2 > s.linearFit.r2 ? 'fits better' : 'does not fit better'}).`,
    s.firstWidthWithDeadNeurons === null
      ? 'No width had a dead neuron in every replicate.'
      : `Every replicate has at least one dead neuron (std exactly 0 over the training set) from width ${s.firstWidthWithDeadNeurons} on; ` +
        (widest
          ? `at the widest, ${widest.width}, ${ci(widest.deadCount, (v) => v.toFixed(1))} neurons are dead, ` +
            `${ci(widest.deadShare, (v) => percent(v, 1))} of the layer.`
          : ''),
  ];
  return lines.join(' ');
}

/** One paragraph per dataset on the resizing procedure vs training its final width from scratch. */
export function activationVarianceResizeFindings(resize: readonly ActivationVarianceResizeResult[]): string[] {
  return resize.map((z) => {
    const name = datasetLabel(z.config.dataset);
    const s = z.summary;
    const diff = s.testAccuracyDifference;
    const significant = Number.isFinite(diff.lo) && (diff.lo > 0 || diff.hi < 0);
    return (
      `**Resizing on ${name}** (start ${z.config.startWidth}, prune std < ${z.config.pruneBelow}, grow ×${z.config.growFactor} while ` +
      `${z.config.growWhenPrunedShareAtMost === 0 ? 'no neuron is below the threshold' : `at most ${percent(z.config.growWhenPrunedShareAtMost, 1)} are below it`}, ` +
      `${z.config.epochs} epochs, ${z.config.replicates} replicates): final width ${ci(s.finalWidth, (v) => v.toFixed(0))}; test accuracy ` +
      `${ci(s.resizedTestAccuracy, (v) => percent(v, 2))} vs ${ci(s.scratchTestAccuracy, (v) => percent(v, 2))} for the same width trained from scratch ` +
      `(paired difference ${ci(diff, (v) => fixed(100 * v, 2))} points, ${significant ? 'an interval that excludes 0' : 'an interval that includes 0: no detectable difference'}), at ` +
      `${multiplyAdds(s.resizedMultiplyAdds)} vs ${multiplyAdds(s.scratchMultiplyAdds)} per run ` +
      `(${(s.resizedWallMs / 1000).toFixed(1)} s vs ${(s.scratchWallMs / 1000).toFixed(1)} s).`
    );
  });
}

/** How the Shapiro-Wilk test handles more than 5000 values, for the notebook's method section. */
export function shapiroMethodNote(results: readonly ActivationVarianceResult[]): string {
  const large = results.flatMap((r) => r.widths.filter((w) => w.pooledNeurons > SHAPIRO_MAX_N).map((w) => `${w.width}`));
  const unique = [...new Set(large)];
  return (
    `Shapiro-Wilk (Royston's AS R94, as scipy.stats.shapiro) is valid for 3 ≤ n ≤ ${SHAPIRO_MAX_N}. A larger sample of stds is replaced ` +
    `by a deterministic uniform subsample of ${SHAPIRO_MAX_N} values without replacement (the first ${SHAPIRO_MAX_N} of a permutation ` +
    `drawn with createRng from a seed derived from the config seed, dataset and width), so W and p are reproducible. ` +
    (unique.length === 0
      ? 'In this run no sample exceeded that size.'
      : `In this run that applied to the pooled stds of width${unique.length === 1 ? '' : 's'} ${unique.join(', ')}.`)
  );
}

function byDataset(results: readonly ActivationVarianceResult[], f: (r: ActivationVarianceResult, name: string) => string): string {
  return results.map((r) => f(r, datasetLabel(r.config.dataset))).join(' ');
}

function firstAndLast<T>(xs: readonly T[]): [T, T] {
  return [xs[0] as T, xs[xs.length - 1] as T];
}

function meanOverReplicates(result: ActivationVarianceResult, width: number, f: (r: ActivationVarianceResult['runs'][number]['replicates'][number]) => number): number {
  const run = result.runs.find((r) => r.width === width);
  if (!run) return NaN;
  return run.replicates.reduce((s, r) => s + f(r), 0) / run.replicates.length;
}

/** The setup paragraph: what was run, generated from the configs. */
export function activationVarianceSetupText(
  configs: readonly ActivationVarianceResult['config'][],
  resizeConfigs: readonly ActivationVarianceResizeResult['config'][] = [],
): string {
  const c = configs[0];
  if (!c) return '';
  const data = configs.map((x) => datasetLabel(x.dataset)).join(' and ');
  const limits = c.trainLimit === null ? 'the full training set (60000 images) and the full test set (10000)' : `the first ${c.trainLimit} training and ${c.testLimit} test images`;
  const lines = [
    `Scale **${c.scale}** on ${data}: MLP 784-w-10 with ReLU for w in {${c.widths.join(', ')}}, ${c.replicates} replicates per width ` +
      `(PyTorch-default init, one seed each) trained in lock-step on the same shuffled batches of ${c.batchSize}, Adam lr ${c.lr} ` +
      `(betas 0.9/0.999, eps 1e-8), ${c.epochs} epoch${c.epochs === 1 ? '' : 's'}, inputs scaled to [0, 1] then normalised with ` +
      `mean ${c.normalization.mean} and std ${c.normalization.std} (MNIST's values, for both datasets as in the original), on ${limits}.`,
    `After training, every hidden neuron's standard deviation over the whole training set is computed exactly (float64; a two-pass mean and ` +
      `sum of squares per batch, merged across batches with Chan's formula; ddof 1), and again over the test set. A neuron is dead when its ` +
      `std is exactly 0; near-dead shares use eps in {${c.nearDeadEps.join(', ')}}. Aggregates are mean and 95% Student-t intervals over replicates.`,
  ];
  for (const z of resizeConfigs) {
    lines.push(
      `Resizing on ${datasetLabel(z.dataset)}: start at width ${z.startWidth}, ${z.epochs} epochs, ${z.replicates} replicates; after every epoch ` +
        `but the last, the std of each neuron on ${z.probeExamples} training images decides: neurons with std < ${z.pruneBelow} are pruned; while none ` +
        `is below it the layer grows ×${z.growFactor} (up to ${z.maxWidth}; new units start with PyTorch-default inputs and zero outputs); ` +
        `the first time some are, growing stops. Baseline: the final width trained from scratch for ${z.epochs} epochs.`,
    );
  }
  return lines.join('\n\n');
}

/** Interpretation of the KDE figure, with its numbers. */
export function stdDistributionNote(results: readonly ActivationVarianceResult[]): string {
  return byDataset(results, (r, name) => {
    const [w0, w1] = firstAndLast(r.config.widths);
    const k = r.config.nearDeadEps.length - 1;
    const eps = r.config.nearDeadEps[k] as number;
    return (
      `On ${name} the median neuron std goes from ${meanOverReplicates(r, w0, (x) => x.medianStd).toFixed(3)} at width ${w0} to ` +
      `${meanOverReplicates(r, w1, (x) => x.medianStd).toFixed(3)} at width ${w1}, and the share of neurons with std < ${eps} from ` +
      `${percent(meanOverReplicates(r, w0, (x) => x.nearDeadShares[k] as number), 1)} to ${percent(meanOverReplicates(r, w1, (x) => x.nearDeadShares[k] as number), 1)}.`
    );
  });
}

/** Interpretation of the W-vs-width figure. */
export function shapiroNote(results: readonly ActivationVarianceResult[]): string {
  return byDataset(results, (r, name) => {
    const ws = r.widths.map((w) => w.pooledShapiroW).filter(Number.isFinite);
    const ps = r.widths.map((w) => w.pooledShapiroP).filter(Number.isFinite);
    const normalAt = r.widths.filter((w) => w.pooledShapiroP >= 0.05).map((w) => w.width);
    return (
      `On ${name} pooled W ranges from ${Math.min(...ws).toFixed(3)} to ${Math.max(...ws).toFixed(3)} and peaks at width ${r.summary.wArgmaxWidth}; ` +
      `the largest p-value is ${Math.max(...ps).toExponential(2)}, so ` +
      (normalAt.length === 0
        ? 'normality is rejected at the 5% level at every width: W measures "how close to normal", never "normal".'
        : `normality is not rejected at the 5% level at width${normalAt.length === 1 ? '' : 's'} ${normalAt.join(', ')}.`)
    );
  });
}

/** Interpretation of the total-std figure. */
export function totalStdNote(results: readonly ActivationVarianceResult[]): string {
  return byDataset(results, (r, name) => {
    const f = r.summary.logFit;
    return (
      `On ${name}: total std ≈ ${f.a.toFixed(1)} + ${f.b.toFixed(1)}·ln(w), R² = ${f.r2.toFixed(3)}; a straight line in w has R² = ` +
      `${r.summary.linearFit.r2.toFixed(3)}.`
    );
  });
}

/** Interpretation of the dead-neuron figure, with a line fitted over the wider half of the grid. */
export function deadNeuronsNote(results: readonly ActivationVarianceResult[]): string {
  return byDataset(results, (r, name) => {
    const [w0, w1] = firstAndLast(r.widths);
    const upper = r.widths.slice(Math.floor(r.widths.length / 2));
    let slope = '';
    if (upper.length >= 2) {
      const xs = upper.map((w) => w.width);
      const ys = upper.map((w) => w.deadCount.mean);
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      let sxy = 0;
      let sxx = 0;
      xs.forEach((x, i) => {
        sxy += (x - mx) * ((ys[i] as number) - my);
        sxx += (x - mx) ** 2;
      });
      slope = ` Over the wider half of the grid (w ≥ ${xs[0]}) the dead count grows by about ${(100 * (sxy / sxx)).toFixed(2)} per 100 added neurons.`;
    }
    return (
      `On ${name}: ${ci(w0.deadCount, (v) => v.toFixed(1))} dead at width ${w0.width} and ${ci(w1.deadCount, (v) => v.toFixed(1))} at ` +
      `${w1.width} (${percent(w1.deadShare.mean, 1)} of the layer).${slope}`
    );
  });
}

/** Interpretation of the accuracy-and-W figure. */
export function accuracyNote(results: readonly ActivationVarianceResult[]): string {
  return byDataset(results, (r, name) => {
    const s = r.summary;
    const widest = r.widths[r.widths.length - 1];
    const gap = widest ? widest.trainAccuracy.mean - widest.testAccuracy.mean : NaN;
    return (
      `On ${name} the best mean test accuracy is ${percent(s.bestTestAccuracy, 2)} (width ${s.bestTestWidth}); the plateau (within ` +
      `${(100 * s.plateauTolerance).toFixed(1)} points) starts at ${s.plateauWidth}, W peaks at ${s.wArgmaxWidth}. At the widest width the ` +
      `train-test gap is ${fixed(100 * gap, 2)} points.`
    );
  });
}

/** Wall times of the run (training and measuring, and what came from the cache), for the method section. */
export function activationVarianceTimingText(
  results: readonly ActivationVarianceResult[],
  resize: readonly ActivationVarianceResizeResult[] = [],
): string {
  const parts = results.map((r) => {
    const cached = r.cachedWidths.length;
    return (
      `${datasetLabel(r.config.dataset)}: ${duration(r.computeMs)} of training and measuring on backend ${r.backend}` +
      (cached > 0 ? ` (${cached} of ${r.config.widths.length} widths read from the cache in this run, which took ${duration(r.wallMs)})` : '')
    );
  });
  for (const z of resize) {
    const total = z.resized.reduce((s, x) => s + x.wallMs, 0) + z.scratch.reduce((s, x) => s + x.wallMs, 0);
    parts.push(`resizing on ${datasetLabel(z.config.dataset)}: ${duration(total)}`);
  }
  return `Compute time (when first computed): ${parts.join('; ')}.`;
}

/** "x [lo, hi] (n = …, method)" for a mean or another estimate with its interval; just x (n = …) when there is none. */
export function intervalText(i: MeanCI | IntervalEstimate, format: (v: number) => string): string {
  const bounds = Number.isFinite(i.lo) && Number.isFinite(i.hi) ? ` [${format(i.lo)}, ${format(i.hi)}]` : ' (no interval)';
  return `${format('mean' in i ? i.mean : i.estimate)}${bounds} (n = ${i.n}, ${i.method})`;
}

function trendEvidence(t: TotalTrendClaim): string {
  return (
    `R²(a + b·ln w) − R²(a + b·w) per replicate curve = ${intervalText(t.logAdvantage, (v) => signedFixed(v, 3))}; over all models ` +
    `log R² ${t.pooled.log.r2.toFixed(3)} vs linear R² ${t.pooled.linear.r2.toFixed(3)}`
  );
}

/**
 * The verdict section of notebook 03: one line per claim of the seed and dataset, in the seed's words, with the number
 * it rests on, its interval and n, the control and the scale (tiny prints no verdict, quick marks it illustrative).
 */
export function activationVarianceVerdictText(claims: readonly ActivationVarianceClaims[], resize: readonly ResizeClaim[] = []): string {
  const out: string[] = [];
  for (const c of claims) {
    const name = datasetLabel(c.dataset);
    const scale = c.scale;
    const excludedModels = c.excludedModels;
    const p = c.peak;
    if (out.length > 0) out.push('');
    out.push(`**${name}** (${c.models} trained models, ${c.models - c.excludedModels} met their convergence criterion):`, '');
    out.push(
      verdictMarkdown({
        claim: 'They reach their maximum around the same values (181 neurons and 256 respectively)',
        status: p.status,
        evidence:
          `pooled-W argmax ${p.wArgmaxWidth} vs accuracy plateau ${p.plateauWidth}: log2 ratio ${intervalText(p.octaves, (v) => signedFixed(v, 2))} octaves; ` +
          `per replicate, W argmax {${p.perReplicateWArgmax.join(', ')}} and plateau {${p.perReplicatePlateau.join(', ')}}`,
        control: `agreement within ±${p.toleranceOctaves} octave (one step of the seed's half-octave grid)`,
        scale,
        excludedModels,
      }),
    );
    out.push(
      verdictMarkdown({
        claim: 'the total amount of variance follows a logarithmic trend (variance = the sum of per-neuron variances, as the text says)',
        status: c.totalVariance.status,
        evidence: trendEvidence(c.totalVariance),
        control: 'a straight line in w (difference 0)',
        scale,
        excludedModels,
      }),
    );
    out.push(
      verdictMarkdown({
        claim: "the total amount of variance follows a logarithmic trend (read as the sum of per-neuron stds, what the seed's code summed)",
        status: c.totalStd.status,
        evidence: trendEvidence(c.totalStd),
        control: 'a straight line in w (difference 0)',
        scale,
        excludedModels,
      }),
    );
    const d = c.dead;
    out.push(
      verdictMarkdown({
        claim: 'the number of dead neurons (no variance at all) increase with the network size (almost linearly after some time)',
        status: d.status,
        evidence:
          d.fromWidth === null
            ? 'no width where every converged model has a dead neuron, so "after some time" never starts on this grid'
            : `from width ${d.fromWidth} on (${d.widths.length} widths): slope ${intervalText(d.slope, (v) => fixed(100 * v, 2))} dead neurons per 100 ` +
              `added; R²(linear) − R²(log) per curve ${intervalText(d.linearAdvantage, (v) => signedFixed(v, 3))}`,
        control: 'no growth (slope 0) and a logarithmic curve (difference 0)',
        scale,
        excludedModels,
      }),
    );
  }
  if (resize.length > 0) out.push('', '**The resize rule** (beyond the seed):', '');
  for (const z of resize) {
    out.push(
      verdictMarkdown({
        claim: `Our resize rule on ${datasetLabel(z.dataset)} (not the seed's; it only proposed one) finds the accuracy plateau`,
        status: z.status,
        evidence:
          `test accuracy minus the sweep's best mean (${(100 * z.bestTestAccuracy).toFixed(2)}% at width ${z.bestWidth}) = ` +
          `${intervalText(z.accuracyGap, (v) => `${(100 * v).toFixed(2)} points`)}; final width vs the plateau width ${z.plateauWidth}: ` +
          `${intervalText(z.octavesFromPlateau, (v) => signedFixed(v, 2))} octaves; compute ${multiplyAdds(z.resizedMultiplyAdds)} per resized run vs ` +
          `${multiplyAdds(z.plateauScratchMultiplyAdds)} to train the plateau width from scratch as long`,
        control: `the plateau tolerance (${(100 * z.plateauTolerance).toFixed(1)} points below the best mean)`,
        scale: z.scale,
      }),
    );
  }
  return out.join('\n');
}

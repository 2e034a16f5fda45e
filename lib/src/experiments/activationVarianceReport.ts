import type { ActivationVarianceResult, MeanInterval } from './activationVariance';
import type { ActivationVarianceResizeResult } from './activationVarianceResize';
import { SHAPIRO_MAX_N } from './activationVarianceStats';

/** The text of notebook 03 that states numbers, generated from the results (never typed in by hand). */

const NAMES: Record<string, string> = { mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST' };

const pct = (v: number, digits = 2): string => `${(100 * v).toFixed(digits)}%`;
const pts = (v: number): string => `${(100 * v).toFixed(2)} points`;

function ci(i: MeanInterval, format: (v: number) => string): string {
  if (!Number.isFinite(i.lo) || !Number.isFinite(i.hi)) return format(i.mean);
  return `${format(i.mean)} (95% CI ${format(i.lo)} to ${format(i.hi)})`;
}

/** True when the W argmax sits at (or next to) the accuracy plateau, as the original claimed on MNIST. */
export function activationVarianceClaimHolds(result: ActivationVarianceResult): boolean {
  return result.summary.agrees;
}

/** One paragraph per dataset with the numbers behind the verdict. */
export function activationVarianceFindings(result: ActivationVarianceResult): string {
  const s = result.summary;
  const name = NAMES[result.config.dataset] ?? result.config.dataset;
  const widest = result.widths[result.widths.length - 1];
  const steps = s.gridStepsFromPlateau;
  const where =
    steps === 0
      ? 'exactly at the plateau width'
      : `${Math.abs(steps)} grid step${Math.abs(steps) === 1 ? '' : 's'} (${Math.abs(s.octavesFromPlateau).toFixed(1)} octaves) ${steps > 0 ? 'above' : 'below'} it`;
  const lines = [
    `**${name}.** The pooled Shapiro-Wilk W of the std distribution peaks at width **${s.wArgmaxWidth}** (W = ${s.maxPooledW.toFixed(4)}; ` +
      `the mean of the per-replicate W peaks at ${s.wArgmaxWidthOfMeans}). Mean test accuracy is best at width ${s.bestTestWidth} ` +
      `(${pct(s.bestTestAccuracy)}) and comes within ${(100 * s.plateauTolerance).toFixed(1)} points of that from width **${s.plateauWidth}** on (the plateau). ` +
      `The W peak is ${where}; the network at the W peak is ${pts(Math.max(0, s.accuracyGapAtWArgmax))} below the best test accuracy ` +
      `(${s.wArgmaxWidth < s.plateauWidth ? 'too small' : 'large enough'}). ` +
      `On the training accuracy (what the original measured) the plateau starts at ${s.trainPlateauWidth}.`,
    `Total std grows like ${s.logFit.a.toFixed(1)} + ${s.logFit.b.toFixed(1)}·ln(w) with R² = ${s.logFit.r2.toFixed(3)} over all replicates ` +
      `(a straight line in w gives R² = ${s.linearFit.r2.toFixed(3)}, so the logarithm ${s.logFit.r2 > s.linearFit.r2 ? 'fits better' : 'does not fit better'}).`,
    s.firstWidthWithDeadNeurons === null
      ? 'No width had a dead neuron in every replicate.'
      : `Every replicate has at least one dead neuron (std exactly 0 over the training set) from width ${s.firstWidthWithDeadNeurons} on; ` +
        (widest
          ? `at the widest, ${widest.width}, ${ci(widest.deadCount, (v) => v.toFixed(1))} neurons are dead, ` +
            `${ci(widest.deadShare, (v) => pct(v, 1))} of the layer.`
          : ''),
  ];
  return lines.join(' ');
}

/** The verdict: does the W peak mark the accuracy plateau on each dataset? */
export function activationVarianceVerdict(
  results: readonly ActivationVarianceResult[],
  resize: readonly ActivationVarianceResizeResult[] = [],
): string {
  const parts: string[] = [];
  const first = results[0];
  if (first) {
    const c = first.config;
    parts.push(
      `*Scale ${c.scale}: ${c.widths.length} widths (${c.widths[0]} to ${c.widths[c.widths.length - 1]}), ${c.replicates} replicates, ` +
        `${c.epochs} epoch${c.epochs === 1 ? '' : 's'}, ${first.data.trainCount} training and ${first.data.testCount} test images. ` +
        `The original protocol is 20 widths, 11 replicates, 30 epochs (scale full).*`,
    );
  }
  for (const r of results) parts.push(activationVarianceFindings(r));
  const verdicts = results.map((r) => {
    const name = NAMES[r.config.dataset] ?? r.config.dataset;
    return `${name}: ${activationVarianceClaimHolds(r) ? '**holds**' : '**fails**'} (W peak ${r.summary.wArgmaxWidth}, plateau ${r.summary.plateauWidth})`;
  });
  parts.push(
    `**Verdict.** The original claim — the width where W peaks is where accuracy stops improving (agreement = same or ` +
      `neighbouring width on the grid) — ${verdicts.join('; ')}.`,
  );
  const mnist = results.find((r) => r.config.dataset === 'mnist');
  const fashion = results.find((r) => r.config.dataset === 'fashion-mnist');
  if (mnist && fashion) {
    const both = activationVarianceClaimHolds(mnist) && !activationVarianceClaimHolds(fashion);
    parts.push(
      both
        ? "This reproduces both the original MNIST observation and its author's later finding that it does not carry over to Fashion-MNIST."
        : activationVarianceClaimHolds(mnist) && activationVarianceClaimHolds(fashion)
          ? "Here the agreement holds on both datasets, so the author's later negative finding on Fashion-MNIST is not reproduced at this scale."
          : !activationVarianceClaimHolds(mnist) && !activationVarianceClaimHolds(fashion)
            ? 'Here it fails on both datasets: even the MNIST observation is not reproduced at this scale.'
            : 'Here it fails on MNIST but holds on Fashion-MNIST, the opposite of the original story.',
    );
  }
  for (const z of resize) {
    const name = NAMES[z.config.dataset] ?? z.config.dataset;
    const s = z.summary;
    parts.push(
      `**Resizing on ${name}** (start ${z.config.startWidth}, prune std < ${z.config.pruneBelow}, grow ×${z.config.growFactor} while ` +
        `${z.config.growWhenPrunedShareAtMost === 0 ? 'no neuron is below the threshold' : `at most ${pct(z.config.growWhenPrunedShareAtMost, 1)} are below it`}, ` +
        `${z.config.epochs} epochs, ${z.config.replicates} replicates): final width ${ci(s.finalWidth, (v) => v.toFixed(0))}; test accuracy ` +
        `${ci(s.resizedTestAccuracy, (v) => pct(v))} vs ${ci(s.scratchTestAccuracy, (v) => pct(v))} for the same width trained from scratch ` +
        `(paired difference ${ci(s.testAccuracyDifference, (v) => `${(100 * v).toFixed(2)}`)} points), at ` +
        `${(s.resizedMultiplyAdds / 1e12).toFixed(3)} vs ${(s.scratchMultiplyAdds / 1e12).toFixed(3)} tera multiply-adds ` +
        `(${(s.resizedWallMs / 1000).toFixed(1)} s vs ${(s.scratchWallMs / 1000).toFixed(1)} s).`,
    );
  }
  return parts.join('\n\n');
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

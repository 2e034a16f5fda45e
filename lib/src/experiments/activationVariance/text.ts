import { datasetLabel } from '../../data';
import type { MeanCI } from '../../stats/intervals';
import type { IntervalEstimate } from '../../stats/verdict';
import { verdictMarkdown } from '../../report/verdict';
import { fixed, multiplyAdds, signedFixed } from '../../util/format';
import type { ActivationVarianceClaims, ResizeClaim, TotalTrendClaim } from './verdict';

/** The verdict of notebook 03 and the interval format of its tables, generated from the results (never typed in by hand). */

/** "x [lo, hi] (n = …, method)" for an interval estimate; just x (n = …) when there is no interval. */
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

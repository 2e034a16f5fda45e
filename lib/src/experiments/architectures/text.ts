/**
 * The text of notebook 05 that states the transfer verdicts: one line per claim of the notes and cell, in the notes'
 * words, with the number it rests on, its interval and n, the control and the scale (report/verdict's rules: tiny
 * prints no verdict, quick marks it illustrative).
 */
import { verdictMarkdown } from '../../report/verdict';
import { interval, percent, signedPoints } from '../../util/format';
import type { MeanCI } from '../../stats/intervals';
import { TRANSFER_CLAIM_WORDS, type InteractionClaim, type TransferClaims } from './verdict';
import { TRANSFER_PAIRS } from './config';
import { AUGMENTATION_CLAIM_WORDS, type AugmentationResults } from './augmentation';
import { AUXILIARY_CLAIM_WORDS, auxiliaryAccuracyClaim, type AuxiliaryTrainingRow } from './auxiliary';
import type { Scale } from '../../util/scale';

/** "+1.2 [-0.3, +2.7] points (n = 5, t 95%)"; only the mean and n when there is no interval. */
export function pointsText(i: MeanCI, digits = 1): string {
  if (!Number.isFinite(i.mean)) return `n/a (n = ${i.n})`;
  const bounds = Number.isFinite(i.lo) && Number.isFinite(i.hi) ? ` [${signedPoints(i.lo, digits)}, ${signedPoints(i.hi, digits)}]` : '';
  return `${signedPoints(i.mean, digits)}${bounds} points (n = ${i.n}, ${i.method})`;
}

function interactionEvidence(c: InteractionClaim): string {
  return (
    `slope of accuracy per frozen layer, ${c.a.label}: ${pointsText(c.a.slope, 2)}; ${c.b.label}: ${pointsText(c.b.slope, 2)}; ` +
    `per-seed difference (${c.a.label.split(':')[0]} − ${c.b.label.split(':')[0]}) ${pointsText(c.contrast, 2)}`
  );
}

/** The verdict lines of section 5 (Markdown). */
export function transferVerdictText(c: TransferClaims): string {
  const scale = c.scale;
  const excludedModels = c.excludedModels;
  const out: string[] = [`${c.models} trained models (source and target), ${c.models - c.excludedModels} met their criterion; each family of verdicts below is Bonferroni-corrected over its cells (α = ${c.alpha}).`, ''];
  for (const f of c.freezeEarly) {
    out.push(verdictMarkdown({
      claim: TRANSFER_CLAIM_WORDS.freezeEarly,
      status: f.status,
      evidence: `${TRANSFER_PAIRS[f.pair].label}, ${f.perClass} images per class: accuracy with conv1..conv${f.k} frozen − fine-tune all (paired by seed) ${pointsText(f.difference)}; seed-to-seed sd of the fine-tune-all accuracy ${Number.isFinite(f.seedSd) ? (100 * f.seedSd).toFixed(1) : 'n/a'} points`,
      control: `equivalence margin ±${(100 * f.margin).toFixed(1)} points fixed in advance (TOST: "holds" only when the whole interval is inside it)`,
      scale,
      excludedModels,
    }));
  }
  for (const p of c.pretraining) {
    out.push(verdictMarkdown({
      claim: TRANSFER_CLAIM_WORDS.pretraining,
      status: p.status,
      evidence: `${TRANSFER_PAIRS[p.pair].label}, ${p.perClass} images per class: pretrained with conv1..conv${p.k} frozen − from scratch (paired by seed) ${pointsText(p.difference)}`,
      control: 'the same network trained from a random init on the same target set for as many steps (difference 0)',
      scale,
      excludedModels,
    }));
  }
  for (const d of c.distance) {
    out.push(verdictMarkdown({
      claim: TRANSFER_CLAIM_WORDS.distance,
      status: d.status,
      evidence: `${d.cell}: ${interactionEvidence(d)}`,
      control: 'no interaction (difference of slopes 0); both pairs fine-tune the same source models on 5 target classes',
      scale,
      excludedModels,
    }));
  }
  for (const s of c.size) {
    out.push(verdictMarkdown({
      claim: TRANSFER_CLAIM_WORDS.size,
      status: s.status,
      evidence: `${s.cell}: ${interactionEvidence(s)}`,
      control: 'no interaction (difference of slopes 0); the usual advice predicts the opposite sign (little data → freeze more)',
      scale,
      excludedModels,
    }));
  }
  if (c.size.length === 0) out.push(`- “${TRANSFER_CLAIM_WORDS.size}”: not tested at this scale (one target-set size).`);
  return out.join('\n');
}

/** "31.2% [28.0%, 34.4%]" (the estimate alone when there is no interval). */
function percentText(i: MeanCI): string {
  if (!Number.isFinite(i.mean)) return 'n/a';
  if (Number.isFinite(i.lo) && Number.isFinite(i.hi)) return `${percent(i.mean)} ${interval(i.lo, i.hi, percent)}`;
  // Identical values have no spread to estimate: say so instead of printing a zero-width interval.
  return i.method.startsWith('all equal') ? `${percent(i.mean)} (all ${i.n} equal)` : percent(i.mean);
}

/** The verdict line of section 4d: does AlexNet's augmentation raise test accuracy on little data (paired by seed)? */
export function augmentationVerdictText(r: AugmentationResults, scale: Scale): string {
  const c = r.config;
  const plateaus = (augmented: boolean): string => `${r.runs.filter((x) => x.augmented === augmented && x.lossPlateau).length}/${r.runs.filter((x) => x.augmented === augmented).length}`;
  return verdictMarkdown({
    claim: AUGMENTATION_CLAIM_WORDS,
    status: r.claim.status,
    evidence: `${c.family} net (${r.parameters.toLocaleString('en')} parameters) on ${10 * c.trainPerClass} ${c.dataset} training images, ${c.epochs} epochs: test accuracy with augmentation − without (paired by seed) ${pointsText(r.claim.difference)}; mean accuracy without ${percentText(r.claim.without)}, with ${percentText(r.claim.with)}; training loss on a plateau in ${plateaus(false)} runs without and ${plateaus(true)} with augmentation`,
    control: `the same network, init, data order and number of steps without augmentation; the claim holds when the whole interval of the difference is above 0`,
    scale,
  });
}

/** The verdict line of section 3's auxiliary heads: main-head test accuracy with − without them, paired by seed. */
export function auxiliaryAccuracyText(rows: readonly AuxiliaryTrainingRow[], scale: Scale): string {
  const c = auxiliaryAccuracyClaim(rows);
  return verdictMarkdown({
    claim: AUXILIARY_CLAIM_WORDS,
    status: c.status,
    evidence: `final test accuracy of the main head with − without the auxiliary losses (paired by seed) ${pointsText(c.difference)}; mean accuracy without ${percentText(c.without)}, with ${percentText(c.with)}`,
    control: 'the same plain sigmoid net, init, batches and steps trained on the main loss alone; holds when the whole interval of the difference is above 0',
    scale,
  });
}

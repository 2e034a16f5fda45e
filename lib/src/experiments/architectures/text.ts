/**
 * The text of notebook 05 that states the transfer verdicts: one line per claim of the notes and cell, in the notes'
 * words, with the number it rests on, its interval and n, the control and the scale (report/verdict's rules: tiny
 * prints no verdict, quick marks it illustrative).
 */
import { verdictMarkdown } from '../../report/verdict';
import { signedPoints } from '../../util/format';
import type { MeanCI } from '../../stats/intervals';
import { TRANSFER_CLAIM_WORDS, type InteractionClaim, type TransferClaims } from './verdict';
import { TRANSFER_PAIRS } from './config';

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

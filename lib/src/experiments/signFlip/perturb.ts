/**
 * Notebook 04 — the perturbations applied to a trained model before it is retrained, and what they do right away.
 *
 * - 'none': no change (the control: retraining alone already moves the weights; every other perturbation is judged
 *   against it).
 * - 'repeat': no change either, retrained a second time: how far two retrains from the SAME start end apart. On a
 *   bit-deterministic backend that is exactly 0; otherwise it is the backend's rounding noise amplified by training,
 *   the floor below which no perturbation effect can be seen.
 * - 'reorder': no change, retrained with ANOTHER data order (`reorderedDataSeed`): the noise floor of the project's
 *   rules — how far the same start travels when only the order of the batches changes. "Returns to the original" is
 *   judged against it.
 * - 'flip-all': every state entry × −1 as the original did, BN running mean AND running variance included (the
 *   variance becomes negative: inference-mode BN then takes the square root of a negative number → NaN outputs).
 * - 'flip-weights': every learned parameter × −1 (conv/dense weights and biases, BN γ and β), BN running statistics
 *   kept as they were (non-negative, so inference stays finite).
 * - 'shift': θ + δ for every entry (the original's "distortion": δ = 1e-6, a constant, not noise).
 * - 'noise': θ + σ·|θ|·ε, ε ~ N(0, 1) per learned parameter (the meaningful distortion; BN statistics untouched).
 */
import * as tf from '@tensorflow/tfjs';
import { addRelativeNoise, flipSigns, shiftConstant } from '../../probe/perturb';
import type { ParameterSnapshot } from '../../probe/snapshot';
import { predictLogits } from '../../train/evaluate';
import type { LabelledBatchSource } from '../../data/source';

export type Perturbation =
  | { kind: 'none' }
  | { kind: 'repeat' }
  | { kind: 'reorder' }
  | { kind: 'flip-all' }
  | { kind: 'flip-weights' }
  | { kind: 'shift'; delta: number }
  | { kind: 'noise'; sigma: number };

export type PerturbationKind = Perturbation['kind'];

/** Short label: 'none', 'flip-all', 'flip-weights', 'shift-1e-6', 'noise-0.1'. */
export function perturbationLabel(p: Perturbation): string {
  switch (p.kind) {
    case 'none':
    case 'flip-all':
    case 'flip-weights':
      return p.kind;
    case 'repeat':
      return 'none-repeat';
    case 'reorder':
      return 'none-reorder';
    case 'shift':
      return `shift-${formatSmall(p.delta)}`;
    case 'noise':
      return `noise-${formatSmall(p.sigma)}`;
    default:
      throw new Error(`perturbationLabel: unknown perturbation ${JSON.stringify(p)}`);
  }
}

function formatSmall(x: number): string {
  return Math.abs(x) !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x);
}

/** Checks a perturbation's fields (finite δ, σ ≥ 0, known kind). */
export function checkPerturbation(p: Perturbation, where: string): void {
  switch (p.kind) {
    case 'none':
    case 'repeat':
    case 'reorder':
    case 'flip-all':
    case 'flip-weights':
      return;
    case 'shift':
      if (!Number.isFinite(p.delta)) throw new Error(`${where}: shift needs a finite delta, got ${String(p.delta)}`);
      return;
    case 'noise':
      if (!(Number.isFinite(p.sigma) && p.sigma >= 0)) throw new Error(`${where}: noise needs a finite sigma ≥ 0, got ${String(p.sigma)}`);
      return;
    default:
      throw new Error(`${where}: unknown perturbation ${JSON.stringify(p)}; kinds: none, repeat, reorder, flip-all, flip-weights, shift, noise`);
  }
}

/** The perturbed copy of a snapshot (the input is not changed). `noiseSeed` seeds the 'noise' draws. */
export function applyPerturbation(snapshot: ParameterSnapshot, p: Perturbation, noiseSeed: number): ParameterSnapshot {
  checkPerturbation(p, 'applyPerturbation');
  const label = `${snapshot.label}~${perturbationLabel(p)}`;
  switch (p.kind) {
    case 'none':
    case 'repeat':
    case 'reorder':
      return { label, entries: snapshot.entries.map((e) => ({ ...e, shape: [...e.shape], values: Float32Array.from(e.values) })) };
    case 'flip-all':
      return { ...flipSigns(snapshot, { batchNormStatistics: true }), label };
    case 'flip-weights':
      return { ...flipSigns(snapshot, { batchNormStatistics: false }), label };
    case 'shift':
      return { ...shiftConstant(snapshot, p.delta, { include: 'all' }), label };
    case 'noise':
      return { ...addRelativeNoise(snapshot, p.sigma, noiseSeed, { include: 'trainable' }), label };
  }
}

/**
 * Data-order seed of a 'reorder' retrain: the cell's own order seed moved by a fixed offset, so that it is a different
 * permutation stream every epoch, and the same one on every rerun.
 */
export function reorderedDataSeed(orderSeed: number): number {
  return orderSeed + 7_919;
}

/** True when the model has BN running statistics (only then do 'flip-all' and 'flip-weights' differ). */
export function hasBatchNormStatistics(snapshot: ParameterSnapshot): boolean {
  return snapshot.entries.some((e) => e.kind === 'bn-moving-variance');
}

/** Number of BN running-variance entries below zero (the flip makes all of them negative). */
export function negativeRunningVariances(snapshot: ParameterSnapshot): number {
  let n = 0;
  for (const e of snapshot.entries) {
    if (e.kind !== 'bn-moving-variance') continue;
    for (let i = 0; i < e.values.length; i++) if ((e.values[i] as number) < 0) n++;
  }
  return n;
}

/** Test metrics that survive non-finite outputs. */
export interface RobustEvaluation {
  /** Mean cross-entropy; NaN when some logit is not finite. */
  loss: number;
  /** Share of examples whose logits are all finite and whose argmax is the label. */
  accuracy: number;
  /** Share of examples with at least one non-finite logit (NaN/Inf: e.g. BN with a negative running variance). */
  nonFiniteShare: number;
  count: number;
}

/**
 * Loss and accuracy in inference mode computed from the logits in float64, with a defined meaning when outputs are
 * NaN (counted wrong, loss NaN) — tfjs' argMax of a NaN row is backend-dependent.
 */
export async function evaluateRobustly(model: tf.LayersModel, source: LabelledBatchSource, options: { batchSize?: number } = {}): Promise<RobustEvaluation> {
  const logits = await predictLogits(model, source, options);
  const count = source.count;
  if (count === 0) throw new Error('evaluateRobustly: the source has no examples');
  const classes = logits.length / count;
  const labels = source.batch(Int32Array.from({ length: count }, (_, i) => i)).labels;
  let lossSum = 0;
  let correct = 0;
  let nonFinite = 0;
  for (let r = 0; r < count; r++) {
    const o = r * classes;
    let finite = true;
    let best = 0;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = logits[o + c] as number;
      if (!Number.isFinite(v)) finite = false;
      if (v > max) {
        max = v;
        best = c;
      }
    }
    if (!finite) {
      nonFinite++;
      lossSum = NaN;
      continue;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp((logits[o + c] as number) - max);
    const label = labels[r] as number;
    lossSum += Math.log(sum) + max - (logits[o + label] as number);
    if (best === label) correct++;
  }
  return { loss: lossSum / count, accuracy: correct / count, nonFiniteShare: nonFinite / count, count };
}

// Configuration of the activation-variance experiment (notebook 03): widths, replicates and the scales.
import type { Scale } from '../../util/scale';

export type ActivationVarianceDataset = 'mnist' | 'fashion-mnist';

export interface ActivationVarianceConfig {
  dataset: ActivationVarianceDataset;
  /** Hidden widths, ascending. */
  widths: number[];
  /** Replicates (init seeds) per width, trained in lock-step on the same batches. */
  replicates: number;
  epochs: number;
  batchSize: number;
  /** Adam learning rate (betas 0.9/0.999, eps 1e-8, as PyTorch). */
  lr: number;
  seed: number;
  scale: Scale;
  /** Input normalisation after /255: (x - mean) / std. The original used MNIST's for both datasets. */
  normalization: { mean: number; std: number };
  /** Use only the first N training / test images (tiny scale); null = the whole split. */
  trainLimit: number | null;
  testLimit: number | null;
  /** Near-dead thresholds: share of neurons with std < eps. */
  nearDeadEps: number[];
  /** Per-neuron stds kept per replicate for the KDE plots (deterministic subsample above this). */
  stdSampleMax: number;
}

/** The widths of the original: int(2^(i/2)) for i = from..to. */
export function halfOctaveWidths(from = 8, to = 27): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(Math.trunc(2 ** (i / 2)));
  return out;
}

/**
 * The protocol at each scale.
 * - full: the original (widths 16..11585 on the half-octave grid, 11 replicates, 30 epochs, batch 128, Adam 1e-3).
 * - standard: the original's model, data, optimiser and grid up to 2896 (16 widths), 5 replicates, 5 epochs: the
 *   seed's protocol cut to what fits 60 minutes for both datasets on 2 cores (the 30-epoch, 11585-wide grid does not).
 * - quick: the same half-octave grid from 16 to 1024 (13 widths), 3 replicates, 2 epochs: about 10 minutes for both
 *   datasets with the resizing comparison on the 2-core machine (measured; the notebook prints its compute time).
 * - tiny: 3 widths, 2 replicates, 1 epoch on 2000 training / 500 test images (seconds; tests).
 */
export function activationVarianceConfig(scale: Scale, dataset: ActivationVarianceDataset): ActivationVarianceConfig {
  const common = {
    dataset,
    batchSize: 128,
    lr: 1e-3,
    seed: 3,
    scale,
    normalization: { mean: 0.1307, std: 0.3081 },
    nearDeadEps: [1e-3, 1e-2, 1e-1],
  };
  switch (scale) {
    case 'full':
      return { ...common, widths: halfOctaveWidths(8, 27), replicates: 11, epochs: 30, trainLimit: null, testLimit: null, stdSampleMax: 5000 };
    case 'standard':
      return { ...common, widths: halfOctaveWidths(8, 23), replicates: 5, epochs: 5, trainLimit: null, testLimit: null, stdSampleMax: 5000 };
    case 'quick':
      return { ...common, widths: halfOctaveWidths(8, 20), replicates: 3, epochs: 2, trainLimit: null, testLimit: null, stdSampleMax: 5000 };
    case 'tiny':
      return { ...common, widths: [16, 32, 64], replicates: 2, epochs: 1, trainLimit: 2000, testLimit: 500, stdSampleMax: 5000 };
  }
}

export function checkActivationVarianceConfig(c: ActivationVarianceConfig): void {
  const bad = (what: string): never => {
    throw new Error(`activationVariance config: ${what}`);
  };
  if (c.dataset !== 'mnist' && c.dataset !== 'fashion-mnist') bad(`dataset must be 'mnist' or 'fashion-mnist', got '${String(c.dataset)}'`);
  if (c.widths.length === 0) bad('widths is empty');
  c.widths.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 1) bad(`widths[${i}] must be a positive integer, got ${w}`);
    if (i > 0 && w <= (c.widths[i - 1] as number)) bad(`widths must be strictly ascending, got ${c.widths.join(', ')}`);
  });
  for (const [k, v] of [['replicates', c.replicates], ['epochs', c.epochs], ['batchSize', c.batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) bad(`${k} must be a positive integer, got ${v}`);
  }
  if (!(c.lr > 0)) bad(`lr must be > 0, got ${c.lr}`);
  if (!(c.normalization.std > 0)) bad(`normalization.std must be > 0, got ${c.normalization.std}`);
  if (!Number.isInteger(c.stdSampleMax) || c.stdSampleMax < 3) bad(`stdSampleMax must be an integer >= 3, got ${c.stdSampleMax}`);
}

/**
 * When a trained MLP 784-w-10 counts as trained, fixed before any standard run from public results of the seed's
 * recipe (Adam 1e-3, batch 128, 5 epochs): MNIST ≈ 97–98% and Fashion-MNIST ≈ 87–88% test accuracy for w ≥ 128.
 * Narrower layers are limited by their size, not by training (w = 16 reaches ≈ 94–95% on MNIST, ≈ 84–85% on
 * Fashion-MNIST), so they get a bar one step below. Models under their bar are left out of every verdict.
 */
export interface ConvergenceCriterion {
  wideFrom: number;
  minTestAccuracyWide: number;
  minTestAccuracyNarrow: number;
}

export const CONVERGENCE_CRITERIA: Record<ActivationVarianceDataset, ConvergenceCriterion> = {
  mnist: { wideFrom: 128, minTestAccuracyWide: 0.97, minTestAccuracyNarrow: 0.93 },
  'fashion-mnist': { wideFrom: 128, minTestAccuracyWide: 0.86, minTestAccuracyNarrow: 0.83 },
};

export function criterionFor(dataset: ActivationVarianceDataset, width: number): number {
  const c = CONVERGENCE_CRITERIA[dataset];
  return width >= c.wideFrom ? c.minTestAccuracyWide : c.minTestAccuracyNarrow;
}

export function meetsCriterion(r: { dataset: ActivationVarianceDataset; width: number; testAccuracy: number }): boolean {
  return r.testAccuracy >= criterionFor(r.dataset, r.width);
}

/** One width × replicate: the tidy observation of the study. */

// Configuration of the sign-flip experiment (notebook 04): the perturbations, the scales, their validation.
import type { Tolerance } from '../../probe/distance';
import type { Scale } from '../../util/scale';
import type { ParameterChangeCell, ParameterChangeConfig, PcCellChoice } from '../parameterChange/config';
import { cellOf, PcArchitecture, PcDataset, PcOptimizer, PcInit, parameterChangeConfig, PC_OPTIMIZERS, PC_INITS, PC_ARCHITECTURES, PC_DATASETS } from '../parameterChange/config';
import { checkPerturbation, perturbationLabel, type Perturbation } from './perturb';

export const SIGN_FLIP_RETRAIN_NAMESPACE = 'sign-flip-retrain';
export const SIGN_FLIP_PATH_NAMESPACE = 'sign-flip-path';
/** Bump when what a retrain or a path computes changes meaning (part of every cache key). */
export const SIGN_FLIP_VERSION = 1;

export interface SignFlipConfig {
  scale: Scale;
  /** Notebook 02's config: the recipe (models, data, training) of the base models, whose cache entries are shared. */
  recipe: ParameterChangeConfig;
  architectures: PcArchitecture[];
  datasets: PcDataset[];
  /** Base models: every optimiser × init × seed (for feature similarity across seeds, optimisers, inits). */
  optimizers: PcOptimizer[];
  inits: PcInit[];
  seeds: number[];
  /** Which base models are perturbed and retrained (every architecture and dataset), and how. */
  perturb: { optimizers: PcOptimizer[]; inits: PcInit[]; seeds: number[]; perturbations: Perturbation[]; noiseSeed: number };
  interpolation: {
    alphas: number[];
    /** Training images (first N of the cell's training set) for the train loss and for the BN recomputation. */
    trainExamples: number;
    batchNormExamples: number;
    batchNormBatchSize: number;
    /** Test images (first N of the cell's test set; null = all of it). */
    testExamples: number | null;
  };
  /** Test images whose penultimate features are compared (first N of the cell's test set; null = all). */
  features: { examples: number | null };
  /** "Changed" relative to the original: |θ − θ_orig| > atol + rtol·|θ_orig| (default: notebook 02's headline). */
  tolerance: Tolerance;
}

type Overrides<C> = { [K in keyof C]?: C[K] extends readonly unknown[] | null ? C[K] : C[K] extends object ? Partial<C[K]> : C[K] };

const ALL_PERTURBATIONS = (sigmas: number[]): Perturbation[] => [
  { kind: 'none' },
  { kind: 'repeat' },
  { kind: 'flip-all' },
  { kind: 'flip-weights' },
  { kind: 'shift', delta: 1e-6 },
  ...sigmas.map((sigma): Perturbation => ({ kind: 'noise', sigma })),
];

/**
 * Config of a scale (base models = notebook 02's cells at the same scale):
 * - tiny: LeNet-5 and the mini ResNet (BN) on 64 MNIST images, 2 steps per epoch; every perturbation once (SGD,
 *   seed 0), 5 interpolation points; a smoke test whose numbers mean nothing (whole notebook < 60 s).
 * - quick (about 10 minutes on 2 cores): LeNet-5 and the slim ResNet (width 8, BN) on MNIST (2,048 training images,
 *   4 epochs), both optimisers × both inits × 3 seeds as base models; perturbations (σ = 0.01, 0.1, 1) of seed 0 with
 *   both optimisers; 7 interpolation points on 1,000 train / 1,000 test images; features on 1,000 test images.
 * - standard (≤ 60 minutes from an empty cache): LeNet-5 and the slim ResNet (BN) on MNIST with notebook 02's standard
 *   recipe; base models both optimisers × 5 seeds; the 5 Adam originals of each net under none, reorder (the noise
 *   floor), flip-all, flip-weights (ResNet only: without BN statistics it equals flip-all), shift 1e-6 and noise σ =
 *   0.01, 0.1; 7 interpolation points on 1,000 train / 1,000 test images; features on 2,000 test images. 20 base
 *   models and 65 retrains: with the per-model costs measured for notebook 02 at load ≈ 6 (LeNet-5 9.6 s, ResNet
 *   56.5 s) ≈ 50 minutes of training plus ≈ 4 minutes of paths and features (estimated, not measured).
 * - full (the seed's scale): LeNet-5, VGG-19-style and ResNet-18-style on MNIST, Fashion-MNIST and CIFAR-10, 3 seeds
 *   everywhere (all perturbed), 13 interpolation points; features on 4,000 test images.
 */
export function signFlipConfig(scale: Scale, overrides: Overrides<SignFlipConfig> = {}): SignFlipConfig {
  const base = baseConfig(scale);
  const out = { ...base } as Record<string, unknown>;
  const isPlainObject = (x: unknown): boolean => typeof x === 'object' && x !== null && !Array.isArray(x);
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    const current = (base as unknown as Record<string, unknown>)[k];
    // recipe is replaced whole (pass parameterChangeConfig(scale, {...}) to change it).
    out[k] = k !== 'recipe' && isPlainObject(v) && isPlainObject(current) ? { ...(current as object), ...(v as object) } : v;
  }
  const config = out as unknown as SignFlipConfig;
  validateSignFlipConfig(config);
  return config;
}

function baseConfig(scale: Scale): SignFlipConfig {
  const recipe = parameterChangeConfig(scale);
  const common = { scale, recipe, tolerance: { ...recipe.tolerance.headline }, optimizers: [...PC_OPTIMIZERS], inits: [...PC_INITS] };
  switch (scale) {
    case 'tiny':
      return {
        ...common,
        architectures: ['lenet5', 'resnet18'],
        datasets: ['mnist'],
        seeds: [0, 1],
        perturb: { optimizers: ['sgd'], inits: ['kaiming-uniform'], seeds: [0], perturbations: ALL_PERTURBATIONS([0.1]), noiseSeed: 9001 },
        interpolation: { alphas: [-0.25, 0, 0.5, 1, 1.25], trainExamples: 64, batchNormExamples: 64, batchNormBatchSize: 64, testExamples: 64 },
        features: { examples: 64 },
      };
    case 'standard':
      // Base models are notebook 02's standard cells on MNIST (shared cache entries); every perturbation is applied to
      // the 5 Adam-trained originals of each net, with the 'reorder' retrain as the noise floor (see the notebook's
      // protocol table for what was cut to fit 60 minutes and why).
      return {
        ...common,
        architectures: ['lenet5', 'resnet18'],
        datasets: ['mnist'],
        inits: ['kaiming-uniform'],
        seeds: [0, 1, 2, 3, 4],
        perturb: {
          optimizers: ['adam'], inits: ['kaiming-uniform'], seeds: [0, 1, 2, 3, 4], noiseSeed: 9001,
          perturbations: [{ kind: 'none' }, { kind: 'reorder' }, { kind: 'flip-all' }, { kind: 'flip-weights' }, { kind: 'shift', delta: 1e-6 }, { kind: 'noise', sigma: 0.01 }, { kind: 'noise', sigma: 0.1 }],
        },
        interpolation: { alphas: [-0.25, 0, 0.25, 0.5, 0.75, 1, 1.25], trainExamples: 1000, batchNormExamples: 1000, batchNormBatchSize: 250, testExamples: 1000 },
        features: { examples: 2000 },
      };
    case 'quick':
      return {
        ...common,
        architectures: ['lenet5', 'resnet18'],
        datasets: ['mnist'],
        seeds: [0, 1, 2],
        perturb: { optimizers: ['sgd', 'adam'], inits: ['kaiming-uniform'], seeds: [0], perturbations: ALL_PERTURBATIONS([0.01, 0.1, 1]), noiseSeed: 9001 },
        interpolation: { alphas: [-0.25, 0, 0.25, 0.5, 0.75, 1, 1.25], trainExamples: 1000, batchNormExamples: 1000, batchNormBatchSize: 250, testExamples: 1000 },
        features: { examples: 1000 },
      };
    case 'full':
      return {
        ...common,
        architectures: [...PC_ARCHITECTURES],
        datasets: [...PC_DATASETS],
        seeds: [0, 1, 2],
        perturb: { optimizers: ['sgd', 'adam'], inits: ['kaiming-uniform'], seeds: [0, 1, 2], perturbations: ALL_PERTURBATIONS([0.01, 0.1, 1]), noiseSeed: 9001 },
        interpolation: {
          alphas: [-0.25, -0.125, 0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1, 1.125, 1.25],
          trainExamples: 5000, batchNormExamples: 5000, batchNormBatchSize: 250, testExamples: null,
        },
        features: { examples: 4000 },
      };
    default:
      throw new Error(`signFlipConfig: scale must be tiny, quick, standard or full; got '${String(scale)}'`);
  }
}

function requireSubset<T extends string>(what: string, values: readonly T[], allowed: readonly T[]): void {
  if (!Array.isArray(values) || values.length === 0) throw new Error(`signFlipConfig: ${what} must be a non-empty list`);
  for (const v of values) if (!allowed.includes(v)) throw new Error(`signFlipConfig: ${what} must be among ${allowed.join(', ')}; got '${v}'`);
}

function requireCount(what: string, v: number | null, allowNull: boolean): void {
  if (v === null && allowNull) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 4) throw new Error(`signFlipConfig: ${what} must be an integer ≥ 4${allowNull ? ' or null' : ''}; got ${String(v)}`);
}

export function validateSignFlipConfig(c: SignFlipConfig): void {
  requireSubset('architectures', c.architectures, PC_ARCHITECTURES);
  requireSubset('datasets', c.datasets, PC_DATASETS);
  requireSubset('optimizers', c.optimizers, PC_OPTIMIZERS);
  requireSubset('inits', c.inits, PC_INITS);
  requireSubset('perturb.optimizers', c.perturb.optimizers, PC_OPTIMIZERS);
  requireSubset('perturb.inits', c.perturb.inits, PC_INITS);
  for (const [what, seeds] of [['seeds', c.seeds], ['perturb.seeds', c.perturb.seeds]] as const) {
    if (!Array.isArray(seeds) || seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new Error(`signFlipConfig: ${what} must be a non-empty list of non-negative integers; got ${JSON.stringify(seeds)}`);
    }
  }
  if (c.perturb.perturbations.length === 0) throw new Error('signFlipConfig: perturb.perturbations is empty');
  c.perturb.perturbations.forEach((p, i) => checkPerturbation(p, `signFlipConfig: perturb.perturbations[${i}]`));
  const labels = c.perturb.perturbations.map(perturbationLabel);
  if (new Set(labels).size !== labels.length) throw new Error(`signFlipConfig: perturb.perturbations has duplicates: ${labels.join(', ')}`);
  if (!labels.includes('none')) throw new Error("signFlipConfig: perturb.perturbations must include { kind: 'none' } (the control retrain)");
  const alphas = c.interpolation.alphas;
  if (!alphas.includes(0) || !alphas.includes(1) || alphas.some((a) => !Number.isFinite(a))) {
    throw new Error(`signFlipConfig: interpolation.alphas must be finite and include 0 and 1; got ${JSON.stringify(alphas)}`);
  }
  requireCount('interpolation.trainExamples', c.interpolation.trainExamples, false);
  requireCount('interpolation.batchNormExamples', c.interpolation.batchNormExamples, false);
  requireCount('interpolation.batchNormBatchSize', c.interpolation.batchNormBatchSize, false);
  requireCount('interpolation.testExamples', c.interpolation.testExamples, true);
  requireCount('features.examples', c.features.examples, true);
  if (!(c.tolerance.atol >= 0 && c.tolerance.rtol >= 0)) throw new Error(`signFlipConfig: tolerance needs atol, rtol ≥ 0; got ${JSON.stringify(c.tolerance)}`);
}

/** Notebook 02's cell of one base model of this experiment (trained with the experiment's recipe): load it with
 * ns.parameterChange.trainedModel(cell). */
export function signFlipBaseCell(config: SignFlipConfig, choice: PcCellChoice): ParameterChangeCell {
  return cellOf(config.recipe, choice);
}

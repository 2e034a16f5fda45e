// Configuration of notebook 05: the architecture studies and the transfer study, with the scales.
import type { OptimizerConfig } from '../../train/optimizers';
import { type Scale } from '../../util/scale';
import { BLOCK_FAMILIES, type BudgetComparisonConfig, type PlacementSignalConfig } from './blocks';
import { type AugmentationStudyConfig } from './augmentation';
import { type ClassSubsetSpec } from './common';
import { defaultVanishingVariants, type VanishingGradientsConfig } from './gradients';
import { type LinearCollapseCase, type PointwiseCase } from './linear';

export interface ArchitecturesConfig {
  scale: Scale;
  linear: { cases: LinearCollapseCase[]; pointwise: PointwiseCase; seed: number };
  geometry: {
    /** Odd kernel sizes for the one-large vs stacked-3×3 table. */
    kernels: number[];
    channels: number;
    size: number;
    /** Measure AlexNet / VGG-16 receptive fields by gradient (a few seconds on the CPU). */
    measureClassic: boolean;
  };
  gradients: VanishingGradientsConfig;
  blocks: { input: [number, number, number]; growthRate: number };
  placements: PlacementSignalConfig;
  budget: BudgetComparisonConfig;
  augmentation: AugmentationStudyConfig;
}

type Section<T> = Partial<T>;
export interface ArchitecturesOverrides {
  linear?: Section<ArchitecturesConfig['linear']>;
  geometry?: Section<ArchitecturesConfig['geometry']>;
  gradients?: Section<VanishingGradientsConfig>;
  blocks?: Section<ArchitecturesConfig['blocks']>;
  placements?: Section<PlacementSignalConfig>;
  budget?: Section<BudgetComparisonConfig>;
  augmentation?: Section<AugmentationStudyConfig>;
}

const ADAM = (lr: number): { kind: 'adam'; lr: number } => ({ kind: 'adam', lr });

/**
 * Scales (2-core CPU, wasm backend):
 * - tiny: everything runs in seconds (depth-6 nets, a handful of steps, 2 seeds); the numbers mean nothing;
 * - quick (default, a few minutes): depth-20 width-64 nets on 3,000 MNIST images for 4 epochs (3 seeds, 8 init
 *   seeds); six block families at ≈ 20k parameters on 1,000 CIFAR-10 images for 4 epochs (2 seeds);
 * - standard (the committed results, the notebook within 60 minutes): depth-20 width-64 nets on 10,000 MNIST images
 *   for 8 epochs (5 seeds, 10 init seeds); the six families at ≈ 20k parameters on 1,000 CIFAR-10 images for 15
 *   epochs (5 seeds: MobileNet's depthwise convs are the slowest unit, 12 s an epoch of 2,000 images on 2 cores);
 * - full: 10,000 MNIST images × 10 epochs, 5 seeds; ≈ 100k-parameter families on 10,000 CIFAR-10 images × 15
 *   epochs, 3 seeds.
 */
export function architecturesConfig(scale: Scale, overrides: ArchitecturesOverrides = {}): ArchitecturesConfig {
  const linear: ArchitecturesConfig['linear'] = {
    cases: [
      { inputSize: 16, channels: [3, 8, 4], kernels: [3, 3], strides: [1, 1] },
      { inputSize: 16, channels: [3, 8, 4], kernels: [5, 3], strides: [1, 1] },
      { inputSize: 31, channels: [3, 6, 4], kernels: [11, 3], strides: [4, 1] },
      { inputSize: 17, channels: [3, 8, 4], kernels: [3, 3], strides: [2, 2] },
    ],
    pointwise: { height: 8, width: 8, inChannels: 48, outChannels: 32, hiddenChannels: 64 },
    seed: 4,
  };
  const geometry: ArchitecturesConfig['geometry'] = { kernels: [3, 5, 7, 9, 11], channels: 64, size: 56, measureClassic: true };
  const blocks: ArchitecturesConfig['blocks'] = { input: [28, 28, 192], growthRate: 32 };
  const common = { version: 1, variants: defaultVanishingVariants(), dataSeed: 2024, optimizer: ADAM(1e-3) };
  let gradients: VanishingGradientsConfig;
  let placements: PlacementSignalConfig;
  let budget: BudgetComparisonConfig;
  let augmentation: AugmentationStudyConfig;
  // AlexNet-style augmentation (section 4d) on 1,000 CIFAR-10 images: the ResNet-basic net of 4c at its budget, crops
  // with 4 pixels of padding and flips, both arms with the same steps. Timed with `nice -n 19` on the idle 2-core
  // machine (wall time of the whole study, data loading included): quick (3 seeds × 2 arms × 10 epochs, 500 test
  // images) 22.3 s (39.5 s user CPU); standard (5 seeds × 2 arms × 15 epochs, as 4c; 2,000 test images) 56.1 s
  // (98.7 s user CPU, wasm uses both cores). Next to a running standard notebook the same work was 10–40× slower.
  // full: 10 seeds × 30 epochs (not timed).
  const aug = { version: 1, dataset: 'cifar10' as const, family: 'resnet-basic' as const, dataSeed: 2024, padding: 4, flip: true, optimizer: ADAM(2e-3), maxStepsPerEpoch: null };
  switch (scale) {
    case 'standard':
      // Sized from timed units on the 2-core machine (see the notebook's protocol table): ≥ 5 trained seeds a group.
      gradients = { ...common, depth: 20, width: 64, trainPerClass: 1000, testPerClass: 500, initSeeds: Array.from({ length: 10 }, (_, i) => i), initBatch: 512, trainSeeds: [0, 1, 2, 3, 4], epochs: 8, batchSize: 64, maxStepsPerEpoch: null, recordEverySteps: 20 };
      placements = { blocks: 32, channels: 16, size: 8, batch: 128, seeds: Array.from({ length: 10 }, (_, i) => i) };
      budget = { version: 1, families: [...BLOCK_FAMILIES], budget: 20000, trainPerClass: 100, testPerClass: 200, dataSeed: 2024, seeds: [0, 1, 2, 3, 4], epochs: 15, batchSize: 50, maxStepsPerEpoch: null, optimizer: ADAM(2e-3) };
      augmentation = { ...aug, budget: 20000, trainPerClass: 100, testPerClass: 200, seeds: [0, 1, 2, 3, 4], epochs: 15, batchSize: 50 };
      break;
    case 'tiny':
      gradients = { ...common, depth: 6, width: 16, trainPerClass: 10, testPerClass: 5, initSeeds: [0, 1], initBatch: 32, trainSeeds: [0, 1], epochs: 2, batchSize: 25, maxStepsPerEpoch: 2, recordEverySteps: 1 };
      placements = { blocks: 4, channels: 8, size: 8, batch: 16, seeds: [0, 1] };
      budget = { version: 1, families: [...BLOCK_FAMILIES], budget: 2500, trainPerClass: 3, testPerClass: 2, dataSeed: 2024, seeds: [0, 1], epochs: 1, batchSize: 15, maxStepsPerEpoch: 1, optimizer: ADAM(2e-3) };
      augmentation = { ...aug, budget: 2500, trainPerClass: 3, testPerClass: 2, seeds: [0, 1], epochs: 1, batchSize: 15, maxStepsPerEpoch: 1 };
      break;
    case 'quick':
      gradients = { ...common, depth: 20, width: 64, trainPerClass: 300, testPerClass: 100, initSeeds: [0, 1, 2, 3, 4, 5, 6, 7], initBatch: 256, trainSeeds: [0, 1, 2], epochs: 4, batchSize: 64, maxStepsPerEpoch: null, recordEverySteps: 10 };
      placements = { blocks: 16, channels: 16, size: 8, batch: 64, seeds: [0, 1, 2, 3, 4] };
      budget = { version: 1, families: [...BLOCK_FAMILIES], budget: 20000, trainPerClass: 100, testPerClass: 50, dataSeed: 2024, seeds: [0, 1], epochs: 4, batchSize: 50, maxStepsPerEpoch: null, optimizer: ADAM(2e-3) };
      augmentation = { ...aug, budget: 20000, trainPerClass: 100, testPerClass: 50, seeds: [0, 1, 2], epochs: 10, batchSize: 50 };
      break;
    case 'full':
      gradients = { ...common, depth: 20, width: 64, trainPerClass: 1000, testPerClass: 500, initSeeds: Array.from({ length: 20 }, (_, i) => i), initBatch: 512, trainSeeds: [0, 1, 2, 3, 4], epochs: 10, batchSize: 64, maxStepsPerEpoch: null, recordEverySteps: 20 };
      placements = { blocks: 32, channels: 16, size: 8, batch: 128, seeds: Array.from({ length: 10 }, (_, i) => i) };
      budget = { version: 1, families: [...BLOCK_FAMILIES], budget: 100000, trainPerClass: 1000, testPerClass: 500, dataSeed: 2024, seeds: [0, 1, 2], epochs: 15, batchSize: 64, maxStepsPerEpoch: null, optimizer: ADAM(2e-3) };
      augmentation = { ...aug, budget: 20000, trainPerClass: 100, testPerClass: 500, seeds: Array.from({ length: 10 }, (_, i) => i), epochs: 30, batchSize: 50 };
      break;
  }
  const config: ArchitecturesConfig = {
    scale,
    linear: { ...linear, ...overrides.linear },
    geometry: { ...geometry, ...overrides.geometry },
    gradients: { ...gradients, ...overrides.gradients },
    blocks: { ...blocks, ...overrides.blocks },
    placements: { ...placements, ...overrides.placements },
    budget: { ...budget, ...overrides.budget },
    augmentation: { ...augmentation, ...overrides.augmentation },
  };
  if (config.gradients.depth < 2) throw new Error(`architecturesConfig: gradients.depth must be ≥ 2; got ${config.gradients.depth}`);
  if (config.gradients.initSeeds.length === 0 || config.gradients.trainSeeds.length === 0) throw new Error('architecturesConfig: gradients needs init and train seeds');
  if (config.budget.seeds.length === 0) throw new Error('architecturesConfig: budget.seeds is empty');
  if (config.augmentation.seeds.length === 0) throw new Error('architecturesConfig: augmentation.seeds is empty');
  return config;
}


// ---------------------------------------------------------------------------------------------------------------
// Transfer study

export type TransferPairId = 'mnist-5to0' | 'mnist-5to-fashion-0' | 'cifar-5to0' | 'mnist-fashion';

export interface TransferPair {
  id: TransferPairId;
  label: string;
  /** 'near': same kind of images, other classes (task shift); 'far': other images and classes (domain + task shift). */
  distance: 'near' | 'far';
  source: { dataset: ClassSubsetSpec['dataset']; classes: number[] | null };
  target: { dataset: ClassSubsetSpec['dataset']; classes: number[] | null };
  inputShape: [number, number, number];
}

/**
 * The matched pair of the verdicts is 'mnist-5to0' (near) and 'mnist-5to-fashion-0' (far): the same source task and
 * therefore the same source models (MNIST digits 5–9), 5 target classes on both sides; only the target images differ
 * (digits 0–4 vs T-shirt, trouser, pullover, dress, coat). The older pairs (CIFAR 5–9 → 0–4, MNIST → Fashion-MNIST
 * with 10 classes) differ in source task, source accuracy and class count at once, so they illustrate but do not
 * decide "near vs far".
 */
export const TRANSFER_PAIRS: Readonly<Record<TransferPairId, TransferPair>> = {
  'mnist-5to0': {
    id: 'mnist-5to0',
    label: 'MNIST digits 5–9 → digits 0–4',
    distance: 'near',
    source: { dataset: 'mnist', classes: [5, 6, 7, 8, 9] },
    target: { dataset: 'mnist', classes: [0, 1, 2, 3, 4] },
    inputShape: [28, 28, 1],
  },
  'mnist-5to-fashion-0': {
    id: 'mnist-5to-fashion-0',
    label: 'MNIST digits 5–9 → Fashion-MNIST classes 0–4',
    distance: 'far',
    source: { dataset: 'mnist', classes: [5, 6, 7, 8, 9] },
    target: { dataset: 'fashion-mnist', classes: [0, 1, 2, 3, 4] },
    inputShape: [28, 28, 1],
  },
  'cifar-5to0': {
    id: 'cifar-5to0',
    label: 'CIFAR-10 classes 5–9 → 0–4',
    distance: 'near',
    source: { dataset: 'cifar10', classes: [5, 6, 7, 8, 9] },
    target: { dataset: 'cifar10', classes: [0, 1, 2, 3, 4] },
    inputShape: [32, 32, 3],
  },
  'mnist-fashion': {
    id: 'mnist-fashion',
    label: 'MNIST → Fashion-MNIST (10 classes)',
    distance: 'far',
    source: { dataset: 'mnist', classes: null },
    target: { dataset: 'fashion-mnist', classes: null },
    inputShape: [28, 28, 1],
  },
};

/**
 * Convergence criterion of a source model, fixed from public results before any run: test accuracy on the source
 * classes. A small CNN on MNIST reaches ≥ 98.5–99% on all 10 digits (5 digits are easier), on Fashion-MNIST ≈ 89–91%,
 * on CIFAR-10 ≈ 60–65% (10 classes, no augmentation; 5 classes are easier, so 60% is a floor, not a target).
 */
export const SOURCE_CRITERION: Readonly<Record<ClassSubsetSpec['dataset'], number>> = { mnist: 0.98, 'fashion-mnist': 0.88, cifar10: 0.6 };

/** Same source dataset and classes (then the pairs share their source models). */
export function sameSource(a: TransferPair, b: TransferPair): boolean {
  return a.source.dataset === b.source.dataset && JSON.stringify(a.source.classes) === JSON.stringify(b.source.classes);
}

export interface TransferTrainingSpec {
  epochs: number;
  batchSize: number;
  maxStepsPerEpoch: number | null;
  optimizer: OptimizerConfig;
}

/** What the verdicts test, fixed before the run. */
export interface TransferClaimSpec {
  /** The notes' recipe "freeze the first layers": conv1..convk frozen with this k (the first half of the 4 convs). */
  recipeK: number;
  /**
   * Equivalence margin (accuracy, e.g. 0.03 = 3 points): "freezing costs nothing" holds only when the whole
   * Bonferroni-adjusted TOST interval of (frozen − fine-tuned) lies within ±margin.
   */
  equivalenceMargin: number;
  /** Family-wise error rate of each family of verdicts (Bonferroni over its cells). */
  alpha: number;
}

export interface TransferConfig {
  scale: Scale;
  version: number;
  pairs: TransferPairId[];
  /** Base width w of transferCnn. */
  width: number;
  /** Pretraining on the source task: images per class (null = all), test images per class, recipe. */
  source: TransferTrainingSpec & { perClass: number | null; testPerClass: number };
  /**
   * Fine-tuning: sizes of the labelled target set (images per class; each size is a sweep of its own), target test
   * images per class, and the recipe: every run makes the same number of optimiser steps, whatever the set size.
   */
  target: { sizes: number[]; testPerClass: number; steps: number; batchSize: number; optimizer: OptimizerConfig };
  /** k values: conv1..convk frozen (0 = fine-tune everything, 4 = train only the new head). */
  freezeLevels: number[];
  /**
   * Seeds: seed s trains its own source model (init and data order) and then its own target runs (target set draw,
   * head init, data order), so that a seed is a whole independent replicate of the transfer, source included.
   */
  seeds: number[];
  /** Domain classifier: images per domain (half to fit the centroids, half to test), seed. */
  domainGap: { perDomain: number; seed: number };
  claims: TransferClaimSpec;
}

export type TransferOverrides = Partial<Omit<TransferConfig, 'source' | 'target' | 'domainGap' | 'claims'>> & {
  source?: Partial<TransferConfig['source']>;
  target?: Partial<TransferConfig['target']>;
  domainGap?: Partial<TransferConfig['domainGap']>;
  claims?: Partial<TransferClaimSpec>;
};

const MATCHED_PAIRS: TransferPairId[] = ['mnist-5to0', 'mnist-5to-fashion-0'];
const CLAIMS: TransferClaimSpec = { recipeK: 2, equivalenceMargin: 0.03, alpha: 0.05 };

/**
 * Scales (2-core CPU, wasm):
 * - tiny: smoke test (a few steps, tiny sets; numbers mean nothing);
 * - quick (a few minutes): the standard recipe on less: 3 seeds (source models on 1,000 images per class × 3 epochs),
 *   target sets of 20 labelled images per class, 400 Adam steps (lr 1e-2, batch 32) for every start; k = 0..4, width 8;
 * - standard (the committed results, within the notebook's 60 minutes): the matched pairs, width 8, 10 seeds (10 source
 *   models on all ≈ 29,400 MNIST training digits 5–9 × 3 epochs), target sets of 10, 50 and 250 images per class,
 *   400 Adam steps at lr 1e-2; k = 0..4;
 * - full: the matched pairs and the two older ones, the whole source training set × 10 epochs, target sets of 10, 50
 *   and 250 per class, 1000 steps; 10 seeds, width 32.
 */
export function transferConfig(scale: Scale, overrides: TransferOverrides = {}): TransferConfig {
  const adam = (lr: number): OptimizerConfig => ({ kind: 'adam', lr });
  const base: TransferConfig = (() => {
    switch (scale) {
      case 'tiny':
        return {
          scale, version: 2, pairs: MATCHED_PAIRS, width: 4,
          source: { perClass: 20, testPerClass: 10, epochs: 1, batchSize: 32, maxStepsPerEpoch: 2, optimizer: adam(2e-3) },
          target: { sizes: [4, 8], testPerClass: 8, steps: 4, batchSize: 16, optimizer: adam(2e-3) },
          freezeLevels: [0, 2, 4], seeds: [0, 1], domainGap: { perDomain: 40, seed: 3 }, claims: CLAIMS,
        } satisfies TransferConfig;
      case 'quick':
        return {
          scale, version: 2, pairs: MATCHED_PAIRS, width: 8,
          source: { perClass: 1000, testPerClass: 200, epochs: 3, batchSize: 64, maxStepsPerEpoch: null, optimizer: adam(2e-3) },
          target: { sizes: [20], testPerClass: 100, steps: 400, batchSize: 32, optimizer: adam(1e-2) },
          freezeLevels: [0, 1, 2, 3, 4], seeds: [0, 1, 2], domainGap: { perDomain: 400, seed: 3 }, claims: CLAIMS,
        } satisfies TransferConfig;
      case 'standard':
        return {
          scale, version: 2, pairs: MATCHED_PAIRS, width: 8,
          source: { perClass: null, testPerClass: 500, epochs: 3, batchSize: 64, maxStepsPerEpoch: null, optimizer: adam(2e-3) },
          // lr 1e-2: in a one-seed sweep (Fashion 0–4, 200 steps) the head alone (k = 4) reached 22% at lr 2e-3 and
          // 54% at 1e-2, fine-tuning everything 80% and 76%; with 400 steps at 1e-2 every tried start met the plateau rule.
          target: { sizes: [10, 50, 250], testPerClass: 500, steps: 400, batchSize: 32, optimizer: adam(1e-2) },
          freezeLevels: [0, 1, 2, 3, 4], seeds: Array.from({ length: 10 }, (_, i) => i), domainGap: { perDomain: 1000, seed: 3 }, claims: CLAIMS,
        } satisfies TransferConfig;
      case 'full':
        return {
          scale, version: 2, pairs: [...MATCHED_PAIRS, 'cifar-5to0', 'mnist-fashion'], width: 32,
          source: { perClass: null, testPerClass: 1000, epochs: 10, batchSize: 128, maxStepsPerEpoch: null, optimizer: adam(1e-3) },
          target: { sizes: [10, 50, 250], testPerClass: 1000, steps: 1000, batchSize: 32, optimizer: adam(2e-3) },
          freezeLevels: [0, 1, 2, 3, 4], seeds: Array.from({ length: 10 }, (_, i) => i), domainGap: { perDomain: 2000, seed: 3 }, claims: CLAIMS,
        } satisfies TransferConfig;
    }
  })();
  const config: TransferConfig = {
    ...base,
    ...overrides,
    source: { ...base.source, ...overrides.source },
    target: { ...base.target, ...overrides.target },
    domainGap: { ...base.domainGap, ...overrides.domainGap },
    claims: { ...base.claims, ...overrides.claims },
  } as TransferConfig;
  validateTransferConfig(config);
  return config;
}

export function validateTransferConfig(c: TransferConfig): void {
  for (const p of c.pairs) if (!(p in TRANSFER_PAIRS)) throw new Error(`transferConfig: pair '${p}' is not one of ${Object.keys(TRANSFER_PAIRS).join(', ')}`);
  for (const k of c.freezeLevels) {
    if (!(Number.isInteger(k) && k >= 0 && k <= TRANSFER_CONV_LAYERS)) throw new Error(`transferConfig: freezeLevels must be integers in 0..${TRANSFER_CONV_LAYERS}; got ${k}`);
  }
  if (c.seeds.length === 0) throw new Error('transferConfig: seeds is empty');
  if (!(Number.isInteger(c.width) && c.width >= 1)) throw new Error(`transferConfig: width must be a positive integer; got ${c.width}`);
  if (c.target.sizes.length === 0 || !c.target.sizes.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error(`transferConfig: target.sizes must be positive integers (images per class); got [${c.target.sizes.join(', ')}]`);
  }
  if (!(Number.isInteger(c.target.steps) && c.target.steps >= 1)) throw new Error(`transferConfig: target.steps must be a positive integer; got ${c.target.steps}`);
  if (new Set(c.seeds).size !== c.seeds.length) throw new Error(`transferConfig: seeds must be distinct; got [${c.seeds.join(', ')}]`);
  const { recipeK, equivalenceMargin, alpha } = c.claims;
  if (!c.freezeLevels.includes(recipeK)) throw new Error(`transferConfig: claims.recipeK (${recipeK}) must be one of freezeLevels [${c.freezeLevels.join(', ')}]`);
  if (!(equivalenceMargin > 0 && equivalenceMargin < 1)) throw new Error(`transferConfig: claims.equivalenceMargin must be in (0, 1); got ${equivalenceMargin}`);
  if (!(alpha > 0 && alpha < 0.5)) throw new Error(`transferConfig: claims.alpha must be in (0, 0.5); got ${alpha}`);
}

/** Conv layers of the transfer CNN (the k of 'freeze the first k' runs over 0..TRANSFER_CONV_LAYERS). */
export const TRANSFER_CONV_LAYERS = 4;

/** Classes of one side of a transfer pair (all 10 when the pair takes the whole dataset). */
export function classCount(pair: TransferPair, side: 'source' | 'target'): number {
  const classes = pair[side].classes;
  return classes === null ? 10 : classes.length;
}

/** How one target model starts: pretrained conv layers (k frozen), from scratch, or a frozen random backbone. */
export type TransferStart = 'pretrained' | 'scratch' | 'random-frozen';

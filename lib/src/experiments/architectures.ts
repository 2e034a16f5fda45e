/**
 * Issue 11 — teaching notebook on CNN architectures (seed 004): linear collapse, receptive fields, vanishing
 * gradients, building blocks. Transfer learning is the sibling module transfer.ts. Each section is a function of
 * its part of the config (so the notebook can run and explain them one at a time); `runArchitectures` runs all.
 * Trained runs are result-cache entries (namespaces 'architectures-vanishing', 'architectures-budget').
 */
import type { Row } from '../report/table';
import type { Scale } from '../util/scale';
import {
  classicStacks,
  measureReceptiveField,
  receptiveFieldChecks,
  stackedVersusLargeKernels,
  type MeasuredReceptiveField,
} from './architecturesGeometry';
import { linearCollapseCheck, pointwiseConvCheck, type LinearCollapseCase, type LinearCollapseResult, type PointwiseCase, type PointwiseResult } from './architecturesLinear';
import {
  BLOCK_FAMILIES,
  blockSummary,
  residualPlacementSignals,
  runBudgetComparison,
  type BlockSummaryRow,
  type BudgetComparisonConfig,
  type BudgetComparisonResults,
  type PlacementSignalConfig,
} from './architecturesBlocks';
import { defaultVanishingVariants, runVanishingGradients, type VanishingGradientsConfig, type VanishingGradientsResults } from './architecturesGradients';
import type { ConvStackLayer } from '../models/receptiveField';

export * from './architecturesCommon';
export * from './architecturesLinear';
export * from './architecturesGeometry';
export * from './architecturesGradients';
export * from './architecturesBlocks';
export * from './architecturesFigures';

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
}

type Section<T> = Partial<T>;
export interface ArchitecturesOverrides {
  linear?: Section<ArchitecturesConfig['linear']>;
  geometry?: Section<ArchitecturesConfig['geometry']>;
  gradients?: Section<VanishingGradientsConfig>;
  blocks?: Section<ArchitecturesConfig['blocks']>;
  placements?: Section<PlacementSignalConfig>;
  budget?: Section<BudgetComparisonConfig>;
}

const ADAM = (lr: number): { kind: 'adam'; lr: number } => ({ kind: 'adam', lr });

/**
 * Scales (2-core CPU, wasm backend):
 * - tiny: everything runs in seconds (depth-6 nets, a handful of steps, 2 seeds); the numbers mean nothing;
 * - quick (default, a few minutes): depth-20 width-64 nets on 3,000 MNIST images for 4 epochs (3 seeds, 8 init
 *   seeds); six block families at ≈ 20k parameters on 1,000 CIFAR-10 images for 4 epochs (2 seeds);
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
  switch (scale) {
    case 'tiny':
      gradients = { ...common, depth: 6, width: 16, trainPerClass: 10, testPerClass: 5, initSeeds: [0, 1], initBatch: 32, trainSeeds: [0, 1], epochs: 2, batchSize: 25, maxStepsPerEpoch: 2, recordEverySteps: 1 };
      placements = { blocks: 4, channels: 8, size: 8, batch: 16, seeds: [0, 1] };
      budget = { version: 1, families: [...BLOCK_FAMILIES], budget: 2500, trainPerClass: 3, testPerClass: 2, dataSeed: 2024, seeds: [0, 1], epochs: 1, batchSize: 15, maxStepsPerEpoch: 1, optimizer: ADAM(2e-3) };
      break;
    case 'quick':
      gradients = { ...common, depth: 20, width: 64, trainPerClass: 300, testPerClass: 100, initSeeds: [0, 1, 2, 3, 4, 5, 6, 7], initBatch: 256, trainSeeds: [0, 1, 2], epochs: 4, batchSize: 64, maxStepsPerEpoch: null, recordEverySteps: 10 };
      placements = { blocks: 16, channels: 16, size: 8, batch: 64, seeds: [0, 1, 2, 3, 4] };
      budget = { version: 1, families: [...BLOCK_FAMILIES], budget: 20000, trainPerClass: 100, testPerClass: 50, dataSeed: 2024, seeds: [0, 1], epochs: 4, batchSize: 50, maxStepsPerEpoch: null, optimizer: ADAM(2e-3) };
      break;
    case 'full':
      gradients = { ...common, depth: 20, width: 64, trainPerClass: 1000, testPerClass: 500, initSeeds: Array.from({ length: 20 }, (_, i) => i), initBatch: 512, trainSeeds: [0, 1, 2, 3, 4], epochs: 10, batchSize: 64, maxStepsPerEpoch: null, recordEverySteps: 20 };
      placements = { blocks: 32, channels: 16, size: 8, batch: 128, seeds: Array.from({ length: 10 }, (_, i) => i) };
      budget = { version: 1, families: [...BLOCK_FAMILIES], budget: 100000, trainPerClass: 1000, testPerClass: 500, dataSeed: 2024, seeds: [0, 1, 2], epochs: 15, batchSize: 64, maxStepsPerEpoch: null, optimizer: ADAM(2e-3) };
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
  };
  if (config.gradients.depth < 2) throw new Error(`architecturesConfig: gradients.depth must be ≥ 2; got ${config.gradients.depth}`);
  if (config.gradients.initSeeds.length === 0 || config.gradients.trainSeeds.length === 0) throw new Error('architecturesConfig: gradients needs init and train seeds');
  if (config.budget.seeds.length === 0) throw new Error('architecturesConfig: budget.seeds is empty');
  return config;
}

export interface LinearCollapseResults {
  collapse: LinearCollapseResult[];
  pointwise: PointwiseResult;
}

/** Section 1: the composed-kernel and 1×1-conv checks. */
export function runLinearCollapse(config: ArchitecturesConfig['linear']): LinearCollapseResults {
  return {
    collapse: config.cases.map((c, i) => linearCollapseCheck(c, config.seed + i)),
    pointwise: pointwiseConvCheck(config.pointwise, config.seed),
  };
}

export interface ReceptiveFieldResults {
  /** One large kernel vs stacked 3×3 (analytic). */
  stackedVsLarge: Row[];
  /** Per classic stack: analytic vs gradient-measured receptive field, parameters, MACs (empty when not measured). */
  classic: Row[];
  /** Gradient maps for the effective-receptive-field picture: 3 stacked 3×3 vs one 7×7, and a 5-layer 3×3 stack. */
  maps: { name: string; measured: MeasuredReceptiveField }[];
}

/** Section 2: receptive fields and parameter counts. */
export function runReceptiveFields(config: ArchitecturesConfig['geometry']): ReceptiveFieldResults {
  const conv3 = (name: string): ConvStackLayer => ({ name, type: 'conv', kernel: 3, padding: 'same', filters: 1 });
  const input = { height: 15, width: 15, channels: 1 };
  const maps = [
    { name: 'one 7×7 conv', measured: measureReceptiveField([{ name: 'c7', type: 'conv', kernel: 7, padding: 'same', filters: 1 }], input) },
    { name: 'three 3×3 convs', measured: measureReceptiveField(['a', 'b', 'c'].map(conv3), input) },
    { name: 'six 3×3 convs', measured: measureReceptiveField(['a', 'b', 'c', 'd', 'e', 'f'].map(conv3), input) },
  ];
  return {
    stackedVsLarge: stackedVersusLargeKernels(config.kernels, config.channels, config.size),
    classic: config.measureClassic ? receptiveFieldChecks(classicStacks()) : [],
    maps,
  };
}

export interface BlockStudyResults {
  summary: BlockSummaryRow[];
  placements: Row[];
}

/** Section 4 (a, b): the block table and the BN/add/ReLU placement study (no training). */
export function runBlockStudy(config: Pick<ArchitecturesConfig, 'blocks' | 'placements'>): BlockStudyResults {
  return { summary: blockSummary(config.blocks.input, config.blocks.growthRate), placements: residualPlacementSignals(config.placements) };
}

export interface ArchitecturesResults {
  linear: LinearCollapseResults;
  receptiveFields: ReceptiveFieldResults;
  gradients: VanishingGradientsResults;
  blocks: BlockStudyResults;
  budget: BudgetComparisonResults;
  elapsedMs: number;
}

/** Every section in order (the notebook calls the sections one by one instead). */
export async function runArchitectures(config: ArchitecturesConfig, options: { progress?: boolean; cacheRoot?: string } = {}): Promise<ArchitecturesResults> {
  const started = performance.now();
  const linear = runLinearCollapse(config.linear);
  const receptiveFields = runReceptiveFields(config.geometry);
  const gradients = await runVanishingGradients(config.gradients, options);
  const blocks = runBlockStudy(config);
  const budget = await runBudgetComparison(config.budget, options);
  return { linear, receptiveFields, gradients, blocks, budget, elapsedMs: performance.now() - started };
}

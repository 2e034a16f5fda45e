/**
 * Notebook 05 — teaching notebook on CNN architectures (the original architectures course): linear collapse, receptive fields, vanishing
 * gradients, building blocks. Transfer learning is the sibling module transfer.ts. Each section is a function of
 * its part of the config (so the notebook can run and explain them one at a time); `runArchitectures` runs all.
 * Trained runs are result-cache entries (namespaces 'architectures-vanishing', 'architectures-budget').
 */
import type { Row } from '../../report/table';
import {
  classicStacks,
  measureReceptiveField,
  receptiveFieldChecks,
  stackedVersusLargeKernels,
  type MeasuredReceptiveField,
} from './geometry';
import { linearCollapseCheck, pointwiseConvCheck, type LinearCollapseResult, type PointwiseResult } from './linear';
import {
  blockSummary,
  residualPlacementSignals,
  runBudgetComparison,
  type BlockSummaryRow,
  type BudgetComparisonResults,
} from './blocks';
import { runVanishingGradients, type VanishingGradientsResults } from './gradients';
import type { ConvStackLayer } from '../../models/receptiveField';
import type { ArchitecturesConfig } from './config';


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

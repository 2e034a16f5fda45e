// Descriptive summaries of the typed records of notebook 04 for its figures and its feature-similarity table: mean
// and 95% Student-t interval per group, as the other notebooks' figure bands (report/groups meanCIByGroup).
import { meanInterval } from '../../stats/intervals';
import type { PcArchitecture, PcDataset } from '../parameterChange/config';
import type { SignFlipResults } from './run';
import { finiteOrNull, type SfFeaturePair } from './records';

/** Mean and 95% interval of a group (t from two values on); null where not defined (no value; lo/hi for n < 2). */
export interface SfBand {
  mean: number | null;
  lo: number | null;
  hi: number | null;
  n: number;
}

/** The band of the finite values (null and non-finite values are left out). */
export function meanBand(values: readonly (number | null)[]): SfBand {
  const ci = meanInterval(values.filter((v): v is number => v !== null && Number.isFinite(v)), { tFrom: 2 });
  return { mean: finiteOrNull(ci.mean), lo: finiteOrNull(ci.lo), hi: finiteOrNull(ci.hi), n: ci.n };
}

/** The category of a compared pair, e.g. 'seed (sgd)', 'optimizer', 'orig vs flip-all'. */
export function featurePairCategory(p: Pick<SfFeaturePair, 'pairType' | 'optimizer' | 'perturbation'>): string {
  const type = p.pairType;
  if (type === 'seed') return `seed (${String(p.optimizer)})`;
  if (type === 'init') return `init (${String(p.optimizer)})`;
  if (type === 'original-vs-retrained') return `orig vs ${String(p.perturbation)} (${String(p.optimizer)})`;
  if (type === 'control-vs-retrained') return `control vs ${String(p.perturbation)} (${String(p.optimizer)})`;
  return 'sgd vs adam';
}

export const SF_SUMMARY_MEASURES = ['greedyMeanAbsR', 'hungarianMeanAbsR', 'hungarianMeanAbsRLive', 'cka', 'ckaDebiased', 'relativeParameterDistance'] as const;
export type SfSummaryMeasure = (typeof SF_SUMMARY_MEASURES)[number];

/** The similarity measures of the pairs of one architecture × dataset × kind of pair. */
export interface SfFeatureSummary {
  architecture: PcArchitecture;
  dataset: PcDataset;
  /** featurePairCategory of its pairs. */
  category: string;
  n: number;
  measures: Record<SfSummaryMeasure, SfBand>;
}

/** Mean (95% CI) of every similarity measure per architecture × dataset × pair category, in first-seen order. */
export function featureSimilaritySummary(results: Pick<SignFlipResults, 'pairs'>): SfFeatureSummary[] {
  const groups = new Map<string, { architecture: PcArchitecture; dataset: PcDataset; category: string; pairs: SfFeaturePair[] }>();
  for (const p of results.pairs) {
    const category = featurePairCategory(p);
    const key = JSON.stringify([p.architecture, p.dataset, category]);
    const g = groups.get(key) ?? { architecture: p.architecture, dataset: p.dataset, category, pairs: [] };
    g.pairs.push(p);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ architecture, dataset, category, pairs }) => {
    const measures = Object.fromEntries(SF_SUMMARY_MEASURES.map((m) => [m, meanBand(pairs.map((p) => p[m]))])) as Record<SfSummaryMeasure, SfBand>;
    return { architecture, dataset, category, n: pairs.length, measures };
  });
}

// Feature similarity of the models of one architecture × dataset: the compared pairs, the sorted-correlation heatmaps
// and the CKA matrix of every model of the group.
import { l2Distance, l2Norm } from '../../probe/distance';
import type { ParameterSnapshot } from '../../probe/snapshot';
import { writeSnapshot } from '../../probe/snapshot';
import {
  centreFeatures,
  compareFeatures,
  extractFeatures,
  linearCKAMatrix,
  sortedCorrelationGrid,
  type CentredFeatures,
} from '../../probe/featureSimilarity';
import { buildParameterChangeModel, parameterChangeData } from '../parameterChange/run';
import type { ParameterChangeCell, PcArchitecture, PcDataset, PcInit, PcOptimizer } from '../parameterChange/config';
import type { SignFlipConfig } from './config';
import { firstExamples } from './retrain';
import { finiteOrNull, type SfCkaEntry, type SfExcludedModel, type SfFeaturePair, type SfPairType } from './records';

/** A model whose features take part in the comparisons. */
export interface ModelEntry {
  id: string;
  /** Short label for figures, e.g. 'sgd·ku·s0' or 'sgd·ku·s0 ⟲flip-all'. */
  label: string;
  architecture: PcArchitecture;
  dataset: PcDataset;
  optimizer: PcOptimizer;
  init: PcInit;
  seed: number;
  /** '' for a base (original) model. */
  perturbation: string;
  snapshot: ParameterSnapshot;
  cell: ParameterChangeCell;
}

/** One heatmap of sorted |correlations| of a pair of models. */
export interface SortedCorrelationHeatmap {
  architecture: PcArchitecture;
  dataset: PcDataset;
  title: string;
  pairType: SfPairType;
  /** |r| with rows/columns in greedy-matched order (as the original) and in Hungarian order. */
  greedy: number[][];
  hungarian: number[][];
  greedyMeanAbsR: number;
  hungarianMeanAbsR: number;
  ckaDebiased: number;
}

/** CKA of every pair of models of one architecture × dataset. */
export interface CkaMatrix {
  architecture: PcArchitecture;
  dataset: PcDataset;
  labels: string[];
  cka: number[][];
  ckaDebiased: number[][];
}

/** What the comparisons of the groups add to the results (appended to, group after group). */
export interface GroupOutputs {
  excluded: SfExcludedModel[];
  pairs: SfFeaturePair[];
  cka: SfCkaEntry[];
  ckaMatrices: CkaMatrix[];
  heatmaps: SortedCorrelationHeatmap[];
}

function relative(distance: number, norm: number): number | null {
  return norm > 0 && Number.isFinite(distance) ? distance / norm : null;
}

/** Penultimate features of every entry on the test images; entries with non-finite features are left out (and said why). */
async function usableFeatures(
  config: SignFlipConfig,
  entries: readonly ModelEntry[],
  out: GroupOutputs,
): Promise<{ usable: ModelEntry[]; features: Map<string, CentredFeatures>; examples: number }> {
  const first = entries[0] as ModelEntry;
  const data = await parameterChangeData(first.cell);
  const test = firstExamples(data.test, config.features.examples);
  const features = new Map<string, CentredFeatures>();
  const model = buildParameterChangeModel(first.cell);
  const usable: ModelEntry[] = [];
  try {
    for (const e of entries) {
      writeSnapshot(model, e.snapshot);
      const raw = await extractFeatures(model, test);
      // A retrained flip-all model whose BN running variance is still negative outputs NaN in inference mode.
      const bad = raw.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        out.excluded.push({ architecture: e.architecture, dataset: e.dataset, model: e.label, reason: `non-finite penultimate features (${raw.data.filter((v) => !Number.isFinite(v)).length} of ${raw.data.length} values)` });
        continue;
      }
      features.set(e.id, centreFeatures(raw));
      usable.push(e);
    }
  } finally {
    model.dispose();
  }
  return { usable, features, examples: test.count };
}

/** Compares the features of the group's models: pairs across seeds, optimisers, inits and perturbations; heatmaps; CKA. */
export async function compareGroup(config: SignFlipConfig, architecture: PcArchitecture, dataset: PcDataset, allEntries: readonly ModelEntry[], out: GroupOutputs): Promise<void> {
  if (allEntries.length < 2) return;
  const { usable: entries, features, examples } = await usableFeatures(config, allEntries, out);
  if (entries.length < 2) return;
  const f = (e: ModelEntry): CentredFeatures => features.get(e.id) as CentredFeatures;
  const base = entries.filter((e) => e.perturbation === '');
  const pair = (type: SfPairType, a: ModelEntry, b: ModelEntry, optimizer: PcOptimizer | null, perturbation: string | null = null): SfFeaturePair => {
    const c = compareFeatures(f(a), f(b));
    const norm = l2Norm(a.snapshot);
    return {
      pairType: type, architecture, dataset, modelA: a.label, modelB: b.label,
      optimizerA: a.optimizer, optimizerB: b.optimizer, initA: a.init, initB: b.init, seedA: a.seed, seedB: b.seed,
      perturbationA: a.perturbation, perturbationB: b.perturbation, optimizer, perturbation,
      units: c.unitsA, deadA: c.deadA, deadB: c.deadB,
      greedyMeanAbsR: finiteOrNull(c.greedyMeanAbsR), hungarianMeanAbsR: finiteOrNull(c.hungarianMeanAbsR),
      hungarianMeanAbsRLive: finiteOrNull(c.hungarianMeanAbsRLive), hungarianMedianAbsR: finiteOrNull(c.hungarianMedianAbsR),
      shareAbove09: finiteOrNull(c.hungarianShareAbove09), shareBelow05: finiteOrNull(c.hungarianShareBelow05), bestMatchMeanAbsR: finiteOrNull(c.bestMatchMeanAbsR),
      cka: finiteOrNull(c.cka), ckaDebiased: finiteOrNull(c.ckaDebiased),
      relativeParameterDistance: relative(l2Distance(a.snapshot, b.snapshot), norm),
      examples,
    };
  };
  const heatmapOf = (title: string, type: SfPairType, a: ModelEntry, b: ModelEntry): void => {
    const c = compareFeatures(f(a), f(b));
    out.heatmaps.push({
      architecture, dataset, title, pairType: type,
      greedy: sortedCorrelationGrid(c.correlation, c.greedy), hungarian: sortedCorrelationGrid(c.correlation, c.hungarian),
      greedyMeanAbsR: c.greedyMeanAbsR, hungarianMeanAbsR: c.hungarianMeanAbsR, ckaDebiased: c.ckaDebiased,
    });
  };
  // Across seeds, optimisers and inits (base models).
  for (let i = 0; i < base.length; i++) {
    for (let j = i + 1; j < base.length; j++) {
      const a = base[i] as ModelEntry;
      const b = base[j] as ModelEntry;
      const sameOpt = a.optimizer === b.optimizer;
      const sameInit = a.init === b.init;
      const sameSeed = a.seed === b.seed;
      if (sameOpt && sameInit && !sameSeed) out.pairs.push(pair('seed', a, b, a.optimizer));
      else if (!sameOpt && sameInit && sameSeed) out.pairs.push(pair('optimizer', a, b, null));
      else if (sameOpt && !sameInit && sameSeed) out.pairs.push(pair('init', a, b, a.optimizer));
    }
  }
  // Original vs retrained after each perturbation, and the control retrain vs the others.
  for (const r of entries.filter((e) => e.perturbation !== '')) {
    const orig = base.find((b) => b.optimizer === r.optimizer && b.init === r.init && b.seed === r.seed);
    if (orig !== undefined) out.pairs.push(pair('original-vs-retrained', orig, r, r.optimizer, r.perturbation));
    const ctrl = entries.find((e) => e.perturbation === 'none' && e.optimizer === r.optimizer && e.init === r.init && e.seed === r.seed);
    if (ctrl !== undefined && r.perturbation !== 'none') out.pairs.push(pair('control-vs-retrained', ctrl, r, r.optimizer, r.perturbation));
  }
  // Heatmaps: first seed pair of each optimiser; the first perturbed model vs its flip and its distortion.
  for (const optimizer of config.optimizers) {
    const [a, b] = base.filter((e) => e.optimizer === optimizer && e.init === config.inits[0]);
    if (a !== undefined && b !== undefined) heatmapOf(`${a.label} vs ${b.label}`, 'seed', a, b);
  }
  const firstPerturbed = entries.find((e) => e.perturbation !== '');
  if (firstPerturbed !== undefined) {
    const orig = base.find((b) => b.optimizer === firstPerturbed.optimizer && b.init === firstPerturbed.init && b.seed === firstPerturbed.seed);
    for (const kind of ['flip-all', 'shift-1e-6']) {
      const r = entries.find((e) => e.perturbation === kind && e.optimizer === firstPerturbed.optimizer && e.init === firstPerturbed.init && e.seed === firstPerturbed.seed);
      if (orig !== undefined && r !== undefined) heatmapOf(`${orig.label} vs ${orig.label} ⟲${kind}`, 'original-vs-retrained', orig, r);
    }
  }
  // CKA of every pair of models of the group.
  const matrix = linearCKAMatrix(entries.map(f));
  out.ckaMatrices.push({ architecture, dataset, labels: entries.map((e) => e.label), ...matrix });
  entries.forEach((a, i) => {
    entries.forEach((b, j) => {
      if (j <= i) return;
      out.cka.push({
        architecture, dataset, modelA: a.label, modelB: b.label,
        cka: finiteOrNull((matrix.cka[i] as number[])[j] as number), ckaDebiased: finiteOrNull((matrix.ckaDebiased[i] as number[])[j] as number),
      });
    });
  });
}

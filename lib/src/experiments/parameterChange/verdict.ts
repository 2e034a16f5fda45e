/**
 * The verdicts of notebook 02, decided by the project's rules from the trained models that met their convergence
 * criterion: one interval per group (architecture × dataset × optimiser, never pooled), n shown, Holm–Bonferroni over
 * the cells a claim looks at, paired designs where two models share a start (same seed = same init and data order),
 * and interaction tests where a claim says "depends on" or "for huge networks".
 */
import type { Tolerance } from '../../probe/distance';
import { linearFit } from '../../stats/correlation';
import { holmAdjust, holmVerdicts, verdictAll } from '../../stats/multiple';
import { studentTPpf } from '../../stats/special';
import { welchTTest } from '../../stats/twoSample';
import { verdictBoth, type VerdictStatus } from '../../stats/verdict';
import { meanInterval, type MeanCI } from '../../stats/intervals';
import type { Scale } from '../../util/scale';
import { SEED_RECIPES, type ParameterChangeConfig, type PcArchitecture, type PcDataset, type PcOptimizer } from './config';
import type { PcRun } from './records';

/** The statistics of one group of independently trained models against a threshold. */
export interface PcCell {
  architecture: PcArchitecture;
  dataset: PcDataset;
  optimizer: PcOptimizer;
  recipe: 'tuned' | 'seed';
  /** Mean over the converged models with its 95% interval and n. */
  value: MeanCI;
  /** Models of the group below their convergence criterion (or diverged), left out. */
  excluded: number;
  threshold: number;
  holdsWhen: 'above' | 'below';
  /** Two-sided one-sample t-test against the threshold, and Holm-adjusted over the claim's cells. */
  p: number;
  pHolm: number;
  status: VerdictStatus;
}

export interface PcClaim {
  /** The seed's words. */
  claim: string;
  cells: PcCell[];
  /** Cells with a test (n ≥ 5): the k of the Holm correction. */
  k: number;
  excludedModels: number;
  status: VerdictStatus;
}

/** A paired or per-model quantity per group, tested against 0. */
export interface PcEffect {
  label: string;
  value: MeanCI;
  p: number;
  pHolm: number;
  status: VerdictStatus;
}

/** Does an effect differ between two groups? Welch's t-test on the per-model (or per-pair) values of both. */
export interface PcInteraction {
  label: string;
  /** Mean of group A − mean of group B, with Welch's 95% interval. */
  difference: MeanCI;
  p: number;
  pHolm: number;
}

export interface ParameterChangeVerdict {
  scale: Scale;
  headline: Tolerance;
  compare: 'best' | 'last';
  /** Models trained and models left out of the verdicts (below their criterion or diverged). */
  models: number;
  excludedModels: number;
  /** "ResNet keeps > 60% unchanged" and "LeNet and VGG > 90% changed", one Holm family, tuned optimisers. */
  resnetUnchanged: PcClaim;
  lenetVggChanged: PcClaim;
  headlineStatus: VerdictStatus;
  /** The same claim with the seed's own optimiser settings (null: not in the config). */
  seedRecipe: PcClaim | null;
  /** The relative tolerances under which the claim holds for EVERY converged grid model. */
  window: { resnetRtolNeeded: number | null; lenetVggRtolAllowed: number | null; window: [number, number] | null };
  /** With BN − without BN (same seed: same init of the shared layers and data order), per optimiser. */
  batchNorm: { effects: PcEffect[]; interaction: PcInteraction | null; status: VerdictStatus; excludedModels: number } | null;
  /** Per seed: slope of log relative distance on log width; lazy training predicts < 0. */
  width: { effects: PcEffect[]; widths: number[]; status: VerdictStatus; excludedModels: number } | null;
  /** Per architecture × dataset, log(distance of Adam / distance of SGD) per seed (same init, same data order). */
  sgdVsAdam: { effects: (PcEffect & { architecture: PcArchitecture; dataset: PcDataset })[]; interactions: PcInteraction[]; status: VerdictStatus; excludedModels: number };
}

const CLAIMS = {
  resnet: 'ResNet had > 60% of its parameters unchanged regardless of dataset, optimizer, initial point',
  lenetVgg: 'LeNet and VGG had > 90% of their parameters changed',
  bn: 'our explanation test, not a claim of the seed: the unchanged share of ResNet comes from BatchNorm (the same ResNet without BN changes more)',
  lazy: 'blaming lazy training (the seed\'s explanation; tested as: the wider the net, the less it moves relative to its start)',
  sgd: 'SGD finds a close local minimum for huge networks',
};
export const PARAMETER_CHANGE_CLAIMS = CLAIMS;

const usable = (r: PcRun): boolean => r.meetsCriterion && !r.diverged;

function seedOf(...parts: (string | number)[]): number {
  let h = 2166136261;
  for (const c of parts.join('|')) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

/** One interval per group; Holm over the groups; the claim holds only when every group holds. */
function claimOver(
  claim: string,
  groups: { architecture: PcArchitecture; dataset: PcDataset; optimizer: PcOptimizer; recipe: 'tuned' | 'seed'; runs: PcRun[]; threshold: number; holdsWhen: 'above' | 'below' }[],
  metric: (r: PcRun) => number | null,
): PcCell[] {
  const values = groups.map((g) => g.runs.filter(usable).map(metric).filter((v): v is number => v !== null && Number.isFinite(v)));
  // One family per threshold direction would split the correction; every cell is tested against its own threshold
  // and the p-values are adjusted together.
  const tests = groups.map((g, i) => holmVerdicts([values[i] as number[]], g.threshold, g.holdsWhen)[0] as { p: number; status: VerdictStatus });
  const pHolm = holmAdjust(tests.map((t) => t.p));
  return groups.map((g, i) => {
    const t = tests[i] as { p: number; status: VerdictStatus };
    const adjusted = pHolm[i] as number;
    return {
      architecture: g.architecture, dataset: g.dataset, optimizer: g.optimizer, recipe: g.recipe,
      // A share's interval cannot leave [0, 1].
      value: meanInterval(values[i] as number[], { seed: seedOf(claim, g.architecture, g.dataset, g.optimizer, g.recipe), bounds: [0, 1] }),
      excluded: g.runs.length - (values[i] as number[]).length,
      threshold: g.threshold, holdsWhen: g.holdsWhen,
      p: t.p, pHolm: adjusted,
      status: Number.isFinite(adjusted) && adjusted < 0.05 ? t.status : 'inconclusive',
    };
  });
}

function toClaim(claim: string, cells: PcCell[]): PcClaim {
  return {
    claim, cells,
    k: cells.filter((c) => Number.isFinite(c.p)).length,
    excludedModels: cells.reduce((s, c) => s + c.excluded, 0),
    status: verdictAll(cells.map((c) => c.status)),
  };
}

/** Effects tested against 0 (holds on the claimed side), Holm over the effects. */
function effectsAgainstZero(items: { label: string; values: number[] }[], holdsWhen: 'above' | 'below', seedLabel: string): PcEffect[] {
  const v = holmVerdicts(items.map((x) => x.values), 0, holdsWhen);
  return items.map((x, i) => ({
    label: x.label,
    value: meanInterval(x.values, { seed: seedOf(seedLabel, x.label) }),
    p: (v[i] as { p: number }).p,
    pHolm: (v[i] as { pHolm: number }).pHolm,
    status: (v[i] as { status: VerdictStatus }).status,
  }));
}

/** Welch's comparison of two independent groups of values (NaN fields when either has < 2 values or both are constant). */
export function welchInteraction(label: string, a: readonly number[], b: readonly number[]): PcInteraction {
  const none: PcInteraction = { label, difference: { mean: NaN, lo: NaN, hi: NaN, n: a.length + b.length, method: 'none' }, p: NaN, pHolm: NaN };
  if (a.length < 2 || b.length < 2) return none;
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  const constant = (xs: readonly number[]): boolean => xs.every((x) => x === xs[0]);
  if (constant(a) && constant(b)) {
    // No sampling variance on either side (SciPy: NaN): the difference is exact.
    return { label, difference: { mean: ma - mb, lo: ma - mb, hi: ma - mb, n: a.length + b.length, method: 'all equal' }, p: ma === mb ? 1 : 0, pHolm: NaN };
  }
  try {
    const w = welchTTest(a, b);
    const se = (ma - mb) / w.t;
    const tCrit = studentTPpf(0.975, w.df);
    const lo = Number.isFinite(se) ? ma - mb - tCrit * Math.abs(se) : NaN;
    const hi = Number.isFinite(se) ? ma - mb + tCrit * Math.abs(se) : NaN;
    return { label, difference: { mean: ma - mb, lo, hi, n: a.length + b.length, method: `Welch t 95% (df ${w.df.toFixed(1)})` }, p: w.p, pHolm: NaN };
  } catch {
    return none;
  }
}


function withHolm(items: PcInteraction[]): PcInteraction[] {
  const adj = holmAdjust(items.map((x) => x.p));
  return items.map((x, i) => ({ ...x, pHolm: adj[i] as number }));
}

/** The verdict numbers from the run records (and the config that made them). */
export function parameterChangeVerdict(runs: readonly PcRun[], config: ParameterChangeConfig): ParameterChangeVerdict {
  const grid = runs.filter((r) => r.inGrid);
  const groupRuns = (a: PcArchitecture, d: PcDataset, o: PcOptimizer, rs: readonly PcRun[] = grid): PcRun[] =>
    rs.filter((r) => r.architecture === a && r.dataset === d && r.optimizer === o);
  const unchanged = (r: PcRun): number | null => r.unchangedWeights;

  // The headline claim: one Holm family over every ResNet cell and every LeNet / VGG cell of the tuned grid.
  type Group = Parameters<typeof claimOver>[1][number];
  const groups: Group[] = [];
  for (const architecture of config.architectures) {
    for (const dataset of config.datasets) {
      for (const optimizer of config.optimizers) {
        const resnet = architecture === 'resnet18';
        groups.push({
          architecture, dataset, optimizer, recipe: 'tuned', runs: groupRuns(architecture, dataset, optimizer),
          threshold: resnet ? 0.6 : 0.1, holdsWhen: resnet ? 'above' : 'below',
        });
      }
    }
  }
  const cells = claimOver('headline', groups, unchanged);
  const resnetUnchanged = toClaim(CLAIMS.resnet, cells.filter((c) => c.architecture === 'resnet18'));
  const lenetVggChanged = toClaim(CLAIMS.lenetVgg, cells.filter((c) => c.architecture !== 'resnet18'));

  let seedRecipe: PcClaim | null = null;
  if (config.seedRecipeTest !== null) {
    const seedRuns = runs.filter((r) => r.inSeedRecipe);
    const sg: Group[] = [];
    for (const architecture of config.seedRecipeTest.architectures) {
      const optimizer = SEED_RECIPES[architecture].optimizer;
      for (const dataset of config.seedRecipeTest.datasets) {
        const resnet = architecture === 'resnet18';
        sg.push({ architecture, dataset, optimizer, recipe: 'seed', runs: groupRuns(architecture, dataset, optimizer, seedRuns), threshold: resnet ? 0.6 : 0.1, holdsWhen: resnet ? 'above' : 'below' });
      }
    }
    seedRecipe = toClaim(`${CLAIMS.resnet}; ${CLAIMS.lenetVgg} (the seed's optimiser settings)`, claimOver('seed-recipe', sg, unchanged));
  }

  // Tolerance window over every converged grid model (descriptive: where would the claim hold for all of them?).
  const resnetRuns = grid.filter((r) => r.architecture === 'resnet18' && usable(r));
  const otherRuns = grid.filter((r) => r.architecture !== 'resnet18' && usable(r));
  const needed = resnetRuns.length === 0 || resnetRuns.some((r) => r.rtolFor60Unchanged === null) ? null : Math.max(...resnetRuns.map((r) => r.rtolFor60Unchanged as number));
  const allowed = otherRuns.length === 0 || otherRuns.some((r) => r.rtolFor90Changed === null) ? null : Math.min(...otherRuns.map((r) => r.rtolFor90Changed as number));

  // BatchNorm: paired by seed within each dataset × optimiser (the two models share the data order and the seed).
  let batchNorm: ParameterChangeVerdict['batchNorm'] = null;
  if (config.batchNormTest !== null) {
    const rs = runs.filter((r) => r.inBatchNormTest && r.architecture === 'resnet18');
    const perCell: { label: string; values: number[]; optimizer: PcOptimizer; dataset: PcDataset }[] = [];
    for (const dataset of config.batchNormTest.datasets) {
      for (const optimizer of config.batchNormTest.optimizers) {
        const values: number[] = [];
        for (const seed of config.batchNormTest.seeds) {
          const withBn = rs.find((r) => r.batchNorm && r.dataset === dataset && r.optimizer === optimizer && r.seed === seed && r.init === config.batchNormTest?.inits[0]);
          const without = rs.find((r) => !r.batchNorm && r.dataset === dataset && r.optimizer === optimizer && r.seed === seed && r.init === config.batchNormTest?.inits[0]);
          if (withBn && without && usable(withBn) && usable(without) && withBn.unchangedWeights !== null && without.unchangedWeights !== null) {
            values.push(withBn.unchangedWeights - without.unchangedWeights);
          }
        }
        perCell.push({ label: `${dataset} ${optimizer}`, values, optimizer, dataset });
      }
    }
    const effects = effectsAgainstZero(perCell, 'above', 'bn');
    const sgd = perCell.find((c) => c.optimizer === 'sgd');
    const adam = perCell.find((c) => c.optimizer === 'adam');
    batchNorm = {
      effects,
      interaction: sgd && adam && config.batchNormTest.datasets.length === 1 ? welchInteraction('BN effect: SGD − Adam', sgd.values, adam.values) : null,
      status: verdictAll(effects.map((e) => e.status)),
      excludedModels: rs.filter((r) => !usable(r)).length,
    };
  }

  // Width: one curve per seed (independent models at each width), its log–log slope.
  let width: ParameterChangeVerdict['width'] = null;
  if (config.widthTest !== null) {
    const rs = runs.filter((r) => r.inWidthTest);
    const widths = [...new Set(rs.map((r) => r.width as number))].sort((a, b) => a - b);
    const items: { label: string; values: number[] }[] = [];
    for (const dataset of config.widthTest.datasets) {
      for (const optimizer of config.widthTest.optimizers) {
        const slopes: number[] = [];
        for (const seed of config.widthTest.seeds) {
          const curve = rs.filter((r) => r.dataset === dataset && r.optimizer === optimizer && r.seed === seed && usable(r) && r.relativeDistance !== null);
          if (curve.length < 2 || new Set(curve.map((r) => r.width)).size < 2) continue;
          slopes.push(linearFit(curve.map((r) => Math.log(r.width as number)), curve.map((r) => Math.log(r.relativeDistance as number))).b);
        }
        items.push({ label: `${dataset} ${optimizer}`, values: slopes });
      }
    }
    const effects = effectsAgainstZero(items, 'below', 'width');
    width = { effects, widths, status: verdictAll(effects.map((e) => e.status)), excludedModels: rs.filter((r) => !usable(r)).length };
  }

  // SGD vs Adam: same seed = same init and data order, so the pair is the unit.
  const sgdItems: { label: string; values: number[]; architecture: PcArchitecture; dataset: PcDataset }[] = [];
  if (config.optimizers.includes('sgd') && config.optimizers.includes('adam')) {
    for (const architecture of config.architectures) {
      for (const dataset of config.datasets) {
        const values: number[] = [];
        for (const seed of config.seeds) {
          for (const init of config.inits) {
            const pick = (o: PcOptimizer): PcRun | undefined => grid.find((r) => r.architecture === architecture && r.dataset === dataset && r.optimizer === o && r.seed === seed && r.init === init);
            const s = pick('sgd');
            const a = pick('adam');
            if (s && a && usable(s) && usable(a) && s.distance !== null && a.distance !== null && s.distance > 0) values.push(Math.log(a.distance / s.distance));
          }
        }
        sgdItems.push({ label: `${architecture} ${dataset}`, values, architecture, dataset });
      }
    }
  }
  // The seed's claim is about its largest net (ResNet-18): Holm over the ResNet cells; the other nets are the contrast.
  const resnetItems = sgdItems.filter((x) => x.architecture === 'resnet18');
  const resnetEffects = effectsAgainstZero(resnetItems, 'above', 'sgd');
  const otherEffects = effectsAgainstZero(sgdItems.filter((x) => x.architecture !== 'resnet18'), 'above', 'sgd');
  const effects = sgdItems.map((x) => {
    const e = [...resnetEffects, ...otherEffects].find((y) => y.label === x.label) as PcEffect;
    return { ...e, architecture: x.architecture, dataset: x.dataset };
  });
  const interactions = withHolm(config.datasets.flatMap((dataset) => {
    const r = sgdItems.find((x) => x.architecture === 'resnet18' && x.dataset === dataset);
    return config.architectures.filter((a) => a !== 'resnet18').map((a) => {
      const o = sgdItems.find((x) => x.architecture === a && x.dataset === dataset);
      return welchInteraction(`${dataset}: ResNet − ${a}`, r?.values ?? [], o?.values ?? []);
    });
  }));
  const claimModels = runs.filter((r) => r.inGrid || r.inSeedRecipe || r.inBatchNormTest || r.inWidthTest);
  return {
    scale: config.scale,
    headline: config.tolerance.headline,
    compare: config.compare,
    models: runs.length,
    excludedModels: claimModels.filter((r) => !usable(r)).length,
    resnetUnchanged,
    lenetVggChanged,
    headlineStatus: verdictBoth(resnetUnchanged.status, lenetVggChanged.status),
    seedRecipe,
    window: { resnetRtolNeeded: needed, lenetVggRtolAllowed: allowed, window: needed !== null && allowed !== null && needed <= allowed ? [needed, allowed] : null },
    batchNorm,
    width,
    sgdVsAdam: {
      effects,
      interactions,
      status: verdictAll(resnetEffects.map((e) => e.status)),
      excludedModels: grid.filter((r) => !usable(r)).length,
    },
  };
}

/**
 * Mask rules: which kernels count as "similar on both datasets" and are frozen (factor 0) or damped (factor 1e-3)
 * during fine-tuning, from per-kernel distances of one statistic.
 */
import type { ParameterInfo } from '../models/parameters';
import type { Row } from '../report/table';
import { median } from '../stats/index';
import { channelGradientFactors, type GradientFactors } from '../models/gradientFactors';
import type { KernelStatistic } from './kernelStatistics';

/** How selected (similar) kernels are chosen from their distances. */
export type MaskRule =
  /** Per layer, the round(percentile/100 · C) kernels with the smallest distance (ties by kernel index). */
  | { kind: 'per-layer-percentile'; percentile: number }
  /** Every kernel whose distance is <= the median distance over all compared kernels of all layers. */
  | { kind: 'global-median' }
  /** Every kernel whose distance is <= maxDistance. */
  | { kind: 'fixed-threshold'; maxDistance: number }
  /** Every kernel whose test p-value is > alpha (the original study's Welch rule "p > 0.1 = similar"; welch-t and ks only). */
  | { kind: 'p-value'; alpha: number };

/** A mask request: which statistic, which rule. */
export type MaskSpec = MaskRule & { statistic: KernelStatistic };

/** Short stable label of a rule, e.g. 'pct50', 'median', 'd<=0.1', 'p>0.1'. */
export function maskRuleLabel(rule: MaskRule): string {
  switch (rule.kind) {
    case 'per-layer-percentile':
      return `pct${rule.percentile}`;
    case 'global-median':
      return 'median';
    case 'fixed-threshold':
      return `d<=${rule.maxDistance}`;
    case 'p-value':
      return `p>${rule.alpha}`;
  }
}

/** Per-layer distances (and p-values where the statistic has them) of one statistic. */
export interface LayerDistances {
  layer: string;
  distance: Float64Array;
  pValue: Float64Array | null;
}

function checkRule(rule: MaskRule): void {
  const bad = (msg: string): never => {
    throw new Error(`mask rule ${JSON.stringify(rule)}: ${msg}`);
  };
  switch (rule.kind) {
    case 'per-layer-percentile':
      if (!(rule.percentile >= 0 && rule.percentile <= 100)) bad(`percentile must be in [0, 100], got ${rule.percentile}`);
      break;
    case 'fixed-threshold':
      if (Number.isNaN(rule.maxDistance)) bad('maxDistance is NaN');
      break;
    case 'p-value':
      if (!(rule.alpha >= 0 && rule.alpha < 1)) bad(`alpha must be in [0, 1), got ${rule.alpha}`);
      break;
    case 'global-median':
      break;
    default:
      bad(`unknown kind; expected per-layer-percentile, global-median, fixed-threshold or p-value`);
  }
}

/** 1 = selected (similar, to be masked), per layer and kernel. */
export function selectKernels(distances: readonly LayerDistances[], rule: MaskRule): Uint8Array[] {
  checkRule(rule);
  switch (rule.kind) {
    case 'per-layer-percentile':
      return distances.map(({ distance }) => {
        const count = Math.round((rule.percentile / 100) * distance.length);
        const order = Array.from(distance, (_, i) => i).sort((i, j) => (distance[i] as number) - (distance[j] as number) || i - j);
        const selected = new Uint8Array(distance.length);
        for (let k = 0; k < count; k++) selected[order[k] as number] = 1;
        return selected;
      });
    case 'global-median': {
      const all = distances.flatMap(({ distance }) => Array.from(distance));
      const finite = all.filter(Number.isFinite);
      const m = finite.length > 0 ? median(finite) : Infinity;
      return distances.map(({ distance }) => Uint8Array.from(distance, (d) => (d <= m ? 1 : 0)));
    }
    case 'fixed-threshold':
      return distances.map(({ distance }) => Uint8Array.from(distance, (d) => (d <= rule.maxDistance ? 1 : 0)));
    case 'p-value':
      return distances.map(({ layer, pValue }) => {
        if (!pValue) throw new Error(`mask rule p-value: the statistic has no p-values for layer '${layer}' (use welch-t or ks)`);
        return Uint8Array.from(pValue, (p) => (p > rule.alpha ? 1 : 0));
      });
  }
}

/** Per-kernel mask of one statistic and rule; turns into gradient factors for `gradientMaskHook`. */
export class KernelMask {
  constructor(
    readonly statistic: KernelStatistic,
    readonly rule: MaskRule,
    readonly layers: readonly { layer: string; selected: Uint8Array; distance: Float64Array }[],
    private readonly parameterInfo: readonly ParameterInfo[],
    private readonly batchNormOf: Readonly<Record<string, string>>,
  ) {}

  /** Selected kernels over all compared layers. */
  get selectedCount(): number {
    return this.layers.reduce((s, l) => s + l.selected.reduce((a, b) => a + b, 0), 0);
  }

  get kernelCount(): number {
    return this.layers.reduce((s, l) => s + l.selected.length, 0);
  }

  /** Share of compared kernels that are selected (masked). */
  get selectedFraction(): number {
    return this.kernelCount === 0 ? 0 : this.selectedCount / this.kernelCount;
  }

  /** Per conv layer: one factor per output channel, `factor` for selected kernels, 1 for the others. */
  channelFactors(factor: number): Record<string, Float32Array> {
    if (!(factor >= 0 && factor <= 1)) throw new Error(`KernelMask.channelFactors: factor must be in [0, 1], got ${factor}`);
    const out: Record<string, Float32Array> = {};
    for (const l of this.layers) out[l.layer] = Float32Array.from(l.selected, (s) => (s ? factor : 1));
    return out;
  }

  /**
   * Element-wise gradient factors for `gradientMaskHook`: the kernel weights and bias of every selected kernel (and
   * the gamma/beta of the BatchNorm right after its conv, unless `batchNorm: false`) get `factor` (0 = frozen
   * bit-exactly, 1e-3 = the original damping); all other parameters are left out (factor 1).
   */
  factors(factor: number, options: { batchNorm?: boolean } = {}): GradientFactors {
    return channelGradientFactors(this.parameterInfo, this.channelFactors(factor), options.batchNorm === false ? undefined : this.batchNormOf);
  }

  /** One row per kernel: layer, kernel, distance, selected. */
  rows(): Row[] {
    return this.layers.flatMap((l) =>
      Array.from(l.selected, (s, k) => ({
        statistic: this.statistic,
        rule: maskRuleLabel(this.rule),
        layer: l.layer,
        kernel: k,
        distance: l.distance[k] as number,
        selected: s === 1,
      })),
    );
  }

  /** One row per layer: selected / total kernels. */
  layerRows(): Row[] {
    return this.layers.map((l) => {
      const selected = l.selected.reduce((a, b) => a + b, 0);
      return { statistic: this.statistic, rule: maskRuleLabel(this.rule), layer: l.layer, selected, kernels: l.selected.length, fraction: selected / l.selected.length };
    });
  }
}

// The transfer verdict of notebook 05: paired differences of target accuracy between starts.
import type { Row } from '../../report/table';
import { meanCI } from '../../stats/intervals';
import { TRANSFER_CONV_LAYERS, TRANSFER_PAIRS, classCount, type TransferConfig, type TransferStart } from './config';

/** Mean and 95% Student-t CI of per-seed differences a − b (seeds present in both), or nulls with fewer than 2 pairs. */
function pairedDifference(runs: readonly Row[], a: (r: Row) => boolean, b: (r: Row) => boolean): { mean: number | null; lo: number | null; hi: number | null; n: number } {
  const bySeed = new Map<unknown, number>();
  for (const r of runs) if (b(r) && typeof r['testAccuracy'] === 'number') bySeed.set(r['seed'], r['testAccuracy']);
  const diffs: number[] = [];
  for (const r of runs) {
    const other = bySeed.get(r['seed']);
    if (a(r) && typeof r['testAccuracy'] === 'number' && other !== undefined) diffs.push(r['testAccuracy'] - other);
  }
  if (diffs.length < 2) return { mean: diffs.length === 1 ? (diffs[0] as number) : null, lo: null, hi: null, n: diffs.length };
  const ci = meanCI(diffs);
  return { mean: ci.mean, lo: ci.lo, hi: ci.hi, n: diffs.length };
}

/**
 * Per pair × target size: the k with the best mean target accuracy, the accuracies the notebook's text quotes, and
 * (from the per-seed `runs`) paired differences with 95% CIs: head only (k = max) − fine-tune all (k = min), i.e.
 * what freezing every pretrained layer costs, and best k − from scratch, i.e. what pretraining buys.
 */
export function transferVerdict(config: TransferConfig, summary: readonly Row[], runs: readonly Row[] = []): Row[] {
  return config.pairs.flatMap((pairId) => config.target.sizes.map((perClass) => {
    const pair = TRANSFER_PAIRS[pairId];
    const get = (start: TransferStart, k: number): Row | undefined =>
      summary.find((r) => r['pair'] === pairId && r['perClass'] === perClass && r['start'] === start && r['k'] === k);
    const sweep = config.freezeLevels.map((k) => ({ k, row: get('pretrained', k) })).filter((x) => typeof x.row?.['mean'] === 'number');
    const best = sweep.reduce<{ k: number; row: Row | undefined } | null>((acc, x) => (acc === null || (x.row?.['mean'] as number) > (acc.row?.['mean'] as number) ? x : acc), null);
    const mean = (r: Row | undefined): number | null => (r && typeof r['mean'] === 'number' ? r['mean'] : null);
    const kMax = Math.max(...config.freezeLevels);
    const kMin = Math.min(...config.freezeLevels);
    const cell = runs.filter((r) => r['pair'] === pairId && r['perClass'] === perClass && r['diverged'] !== true);
    const prefixed = (name: string, d: { mean: number | null; lo: number | null; hi: number | null; n: number }): Row =>
      ({ [name]: d.mean, [`${name}Lo`]: d.lo, [`${name}Hi`]: d.hi, [`${name}Pairs`]: d.n });
    return {
      pair: pairId,
      label: pair.label,
      distance: pair.distance,
      perClass,
      bestK: best ? best.k : null,
      bestAccuracy: best ? mean(best.row) : null,
      bestLo: best?.row?.['lo'] ?? null,
      bestHi: best?.row?.['hi'] ?? null,
      fineTuneAllAccuracy: mean(get('pretrained', kMin)),
      headOnlyAccuracy: mean(get('pretrained', kMax)),
      scratchAccuracy: mean(get('scratch', 0)),
      scratchLo: get('scratch', 0)?.['lo'] ?? null,
      scratchHi: get('scratch', 0)?.['hi'] ?? null,
      randomFrozenAccuracy: mean(get('random-frozen', TRANSFER_CONV_LAYERS)),
      chance: 1 / classCount(pair, 'target'),
      ...prefixed('headMinusFineTune', pairedDifference(cell, (r) => r['start'] === 'pretrained' && r['k'] === kMax, (r) => r['start'] === 'pretrained' && r['k'] === kMin)),
      ...prefixed('bestMinusScratch', best ? pairedDifference(cell, (r) => r['start'] === 'pretrained' && r['k'] === best.k, (r) => r['start'] === 'scratch') : { mean: null, lo: null, hi: null, n: 0 }),
    };
  }));
}

// Per-group summaries of tidy result rows.
import { meanInterval } from '../stats/intervals';
import type { Cell, Row } from './table';

/**
 * Mean and 95% Student-t CI (stats/intervals meanInterval, t from two values on: these are descriptive table and
 * figure bands, not verdicts) of one column per group of `by` columns, in first-seen group order; a table cell, so a
 * missing mean or bound is null (lo/hi null for n < 2). Non-finite and null values are left out.
 */
export function meanCIByGroup(rows: readonly Row[], by: readonly string[], value: string): Row[] {
  const groups = new Map<string, { keys: Row; values: number[] }>();
  for (const r of rows) {
    const keys: Row = {};
    for (const k of by) keys[k] = r[k] ?? null;
    const id = JSON.stringify(by.map((k) => keys[k]));
    let g = groups.get(id);
    if (g === undefined) {
      g = { keys, values: [] };
      groups.set(id, g);
    }
    const v: Cell | undefined = r[value];
    if (typeof v === 'number' && Number.isFinite(v)) g.values.push(v);
  }
  const out: Row[] = [];
  for (const { keys, values } of groups.values()) {
    const ci = meanInterval(values, { tFrom: 2 });
    const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
    out.push({ ...keys, mean: orNull(ci.mean), lo: orNull(ci.lo), hi: orNull(ci.hi), n: ci.n });
  }
  return out;
}

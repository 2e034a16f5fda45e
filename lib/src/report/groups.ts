// Per-group summaries of tidy result rows.
import { meanCI } from '../stats/intervals';
import type { Cell, Row } from './table';

/**
 * Mean and 95% Student-t CI of one column per group of `by` columns, in first-seen group order (lo/hi null for n < 2);
 * non-finite and null values are left out.
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
    const n = values.length;
    const mean = n === 0 ? null : values.reduce((a, b) => a + b, 0) / n;
    let lo: number | null = null;
    let hi: number | null = null;
    if (n >= 2) {
      const ci = meanCI(values);
      lo = ci.lo;
      hi = ci.hi;
    }
    out.push({ ...keys, mean, lo, hi, n });
  }
  return out;
}

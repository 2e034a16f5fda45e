import { strict as assert } from 'assert';
import type { Figure, Trace } from '../../lib/src/plot/types';

export interface ExpectedFigure {
  /** Exact number of traces (CI bands included). */
  traces?: number;
  /** At least this many traces. */
  minTraces?: number;
  title?: RegExp;
  /** Title of the first x / y axis. */
  xTitle?: RegExp;
  yTitle?: RegExp;
}

function finiteValues(t: Trace): number[] {
  switch (t.type) {
    case 'scatter':
    case 'bar':
      assert.equal(t.x.length, t.y.length, `trace '${t.name}': ${t.x.length} x values but ${t.y.length} y values`);
      return (t.y as (number | null)[]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    case 'heatmap':
      return t.z.flat().filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    case 'histogram':
      return t.x.filter(Number.isFinite);
    case 'image':
      return t.z.flat(2).filter(Number.isFinite);
  }
}

/** A figure with real content: the expected traces and titles, and every trace carries finite data. */
export function assertFigureContent(fig: Figure, expected: ExpectedFigure): void {
  if (expected.traces !== undefined) assert.equal(fig.data.length, expected.traces, `trace count of '${fig.layout.title?.text}'`);
  if (expected.minTraces !== undefined) assert.ok(fig.data.length >= expected.minTraces, `${fig.data.length} traces, expected ≥ ${expected.minTraces}`);
  if (expected.title) assert.match(fig.layout.title?.text ?? '', expected.title);
  if (expected.xTitle) assert.match(fig.layout.xaxis?.title?.text ?? '', expected.xTitle);
  if (expected.yTitle) assert.match(fig.layout.yaxis?.title?.text ?? '', expected.yTitle);
  for (const t of fig.data) assert.ok(finiteValues(t).length > 0, `trace '${t.name ?? t.type}' of '${fig.layout.title?.text}' has no finite value`);
}

/** The y values of the named scatter or bar trace. */
export function traceY(fig: Figure, name: string): (number | null)[] {
  const t = fig.data.find((d) => d.name === name);
  assert.ok(t && (t.type === 'scatter' || t.type === 'bar'), `no scatter or bar trace '${name}' in '${fig.layout.title?.text}'; traces: ${fig.data.map((d) => d.name).join(', ')}`);
  return t.y;
}

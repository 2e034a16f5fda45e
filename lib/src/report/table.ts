import { writeFileAtomic } from '../util/atomic';
import { escapeHtml } from '../util/html';

/** One row of a tidy results table: one observation, one column per variable. */
export type Cell = number | string | boolean | null;
export type Row = Record<string, Cell>;

function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function csvCell(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a header of the union of all row keys (in first-seen order). */
export function toCsv(rows: readonly Row[]): string {
  const cols = columnsOf(rows);
  const lines = [cols.map((c) => csvCell(c)).join(',')];
  for (const r of rows) lines.push(cols.map((c) => csvCell(r[c])).join(','));
  return lines.join('\n') + '\n';
}

/** Writes rows as CSV atomically (a crash never leaves a half-written table). */
export function writeCsv(rows: readonly Row[], file: string): void {
  writeFileAtomic(file, toCsv(rows));
}

/** Minimal structural type of a danfo DataFrame, so lib/ does not leak danfo's types everywhere. */
export interface DataFrameLike {
  shape: number[];
  columns: string[];
  toCSV(options?: object): string | void;
}

/**
 * The rows as a danfo DataFrame (danfojs-node is loaded on first use: it pulls in a tfjs copy and takes ~1 s).
 * Missing cells become null.
 */
export function toDataFrame(rows: readonly Row[]): DataFrameLike {
  const cols = columnsOf(rows);
  const danfo = require('danfojs-node') as { DataFrame: new (data: Cell[][], options: { columns: string[] }) => DataFrameLike };
  return new danfo.DataFrame(rows.map((r) => cols.map((c) => r[c] ?? null)), { columns: cols });
}

function formatCell(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
  }
  return String(v);
}

/** "96 rows × 9 columns (dataset, width, …)": what a table holds, for when no rows are shown. */
function tableSummary(rows: readonly Row[], cols: readonly string[]): string {
  const names = cols.length <= 6 ? cols.join(', ') : `${cols.slice(0, 6).join(', ')}, …`;
  return `${rows.length} row${rows.length === 1 ? '' : 's'} × ${cols.length} column${cols.length === 1 ? '' : 's'}${cols.length > 0 ? ` (${names})` : ''}`;
}

/** Where the rest is: the CSV file when known. */
function csvPlace(csvFile: string | undefined): string {
  return csvFile === undefined ? 'the CSV' : csvFile;
}

/**
 * An HTML table of the first `maxRows` rows (for notebooks). With `maxRows` < 1, or no rows, a one-line summary
 * pointing at the CSV instead: an empty table with only a header tells the reader nothing.
 */
export function htmlTable(rows: readonly Row[], maxRows = 30, csvFile?: string): string {
  const cols = columnsOf(rows);
  const where = csvFile === undefined ? csvPlace(csvFile) : `<code>${escapeHtml(csvFile)}</code>`;
  if (maxRows < 1 || rows.length === 0) {
    return `<p class="netstats-table">${escapeHtml(tableSummary(rows, cols))}: ${rows.length === 0 ? 'nothing to show' : `all in ${where}`}.</p>`;
  }
  const head = `<tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = rows
    .slice(0, maxRows)
    .map((r) => `<tr>${cols.map((c) => `<td>${escapeHtml(formatCell(r[c]))}</td>`).join('')}</tr>`)
    .join('\n');
  const more = rows.length > maxRows ? `<p>${rows.length - maxRows} more rows in ${where}.</p>` : '';
  return `<table class="netstats-table">\n${head}\n${body}\n</table>${more}`;
}

/** A fixed-width text table of the first `maxRows` rows (for terminals); with `maxRows` < 1 or no rows, one line. */
export function textTable(rows: readonly Row[], maxRows = 30, csvFile?: string): string {
  const cols = columnsOf(rows);
  if (maxRows < 1 || rows.length === 0) {
    return `${tableSummary(rows, cols)}: ${rows.length === 0 ? 'nothing to show' : `all in ${csvPlace(csvFile)}`}.`;
  }
  const shown = rows.slice(0, maxRows).map((r) => cols.map((c) => formatCell(r[c])));
  const widths = cols.map((c, j) => Math.max(c.length, ...shown.map((r) => (r[j] as string).length)));
  const padded = (cells: string[]): string => cells.map((s, j) => s.padEnd(widths[j] as number)).join('  ');
  const lines = [padded(cols), ...shown.map(padded)];
  if (rows.length > maxRows) lines.push(`... ${rows.length - maxRows} more rows in ${csvPlace(csvFile)}`);
  return lines.join('\n');
}

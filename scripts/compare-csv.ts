/**
 * tsx scripts/compare-csv.ts FIGURES_A FIGURES_B [--rtol 1e-6] [--atol 0] [--notebooks 01,02,...]
 * Compares the CSV tables two `npm run reproduce` runs wrote (NETSTATS_FIGURES/<notebook>/<table>.csv), cell by cell.
 * Numbers agree within the tolerance |a − b| ≤ atol + rtol · max(|a|, |b|) (atol for quantities that are 0 up to
 * the backend's rounding, such as the distance between two retrains from one start); other cells must match exactly.
 * Columns that time a run (seconds, elapsed, fromCache, …) differ from run to run and are counted apart, not compared.
 * Prints, per notebook: files compared, cells equal (of compared), max relative difference, and every file that is
 * missing on one side or whose header or row count differs. Exit status 1 when anything differs beyond the tolerance.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Columns whose values are wall times or cache hits: they differ between runs by design. */
const TIMING_COLUMN = /[sS]econds|[eE]lapsed|[a-z]Ms$|^ms$|^fromCache$|^(wall|run|train)?[tT]ime$/;

/** RFC 4180 fields of a CSV text (quoted fields may hold commas, quotes and newlines). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function asNumber(cell: string): number | null {
  if (cell.trim() === '') return null;
  const special: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };
  if (cell in special) return special[cell] as number;
  const v = Number(cell);
  return Number.isNaN(v) ? null : v;
}

/** Absolute and relative difference of two cells: 0 when equal, Infinity when they cannot be compared as numbers. */
export function cellDifference(a: string, b: string): { absolute: number; relative: number } {
  const none = { absolute: 0, relative: 0 };
  const apart = { absolute: Infinity, relative: Infinity };
  if (a === b) return none;
  const x = asNumber(a);
  const y = asNumber(b);
  if (x === null || y === null) return apart;
  if (Number.isNaN(x) && Number.isNaN(y)) return none;
  if (x === y) return none;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return apart;
  return { absolute: Math.abs(x - y), relative: Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y)) };
}

export interface NotebookComparison {
  notebook: string;
  files: number;
  cells: number;
  equal: number;
  /** Cells within the tolerance (equal ones included). */
  within: number;
  timingCells: number;
  timingColumns: Set<string>;
  maxRelative: number;
  /** Where the largest difference is: file, column, row. */
  maxAt: string;
  problems: string[];
}

function csvFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.csv')).sort() : [];
}

export function compareNotebook(notebook: string, dirA: string, dirB: string, tolerance: { rtol: number; atol: number }): NotebookComparison {
  const out: NotebookComparison = { notebook, files: 0, cells: 0, equal: 0, within: 0, timingCells: 0, timingColumns: new Set<string>(), maxRelative: 0, maxAt: '', problems: [] };
  const a = csvFiles(dirA);
  const b = csvFiles(dirB);
  for (const f of a.filter((x) => !b.includes(x))) out.problems.push(`${f}: only in A`);
  for (const f of b.filter((x) => !a.includes(x))) out.problems.push(`${f}: only in B`);
  for (const file of a.filter((x) => b.includes(x))) {
    const ra = parseCsv(fs.readFileSync(path.join(dirA, file), 'utf8'));
    const rb = parseCsv(fs.readFileSync(path.join(dirB, file), 'utf8'));
    const header = ra[0] ?? [];
    if (JSON.stringify(header) !== JSON.stringify(rb[0] ?? [])) {
      out.problems.push(`${file}: header differs (A: ${header.join(',')} | B: ${(rb[0] ?? []).join(',')})`);
      continue;
    }
    if (ra.length !== rb.length) {
      out.problems.push(`${file}: ${ra.length - 1} rows in A, ${rb.length - 1} in B`);
      continue;
    }
    out.files++;
    let beyond = 0;
    for (let i = 1; i < ra.length; i++) {
      const rowA = ra[i] as string[];
      const rowB = rb[i] as string[];
      header.forEach((column, j) => {
        if (TIMING_COLUMN.test(column)) {
          out.timingCells++;
          out.timingColumns.add(column);
          return;
        }
        const d = cellDifference(rowA[j] ?? '', rowB[j] ?? '');
        out.cells++;
        if (d.absolute === 0) out.equal++;
        if (d.relative > out.maxRelative) {
          out.maxRelative = d.relative;
          out.maxAt = `${file} ${column} row ${i}: ${rowA[j]} vs ${rowB[j]}`;
        }
        const x = Math.abs(asNumber(rowA[j] ?? '') ?? 0);
        const y = Math.abs(asNumber(rowB[j] ?? '') ?? 0);
        // Equal cells are within any tolerance (NaN on both sides included: the bound itself would be NaN there).
        if (d.absolute === 0 || d.absolute <= tolerance.atol + tolerance.rtol * Math.max(x, y)) out.within++;
        else beyond++;
      });
    }
    if (beyond > 0) out.problems.push(`${file}: ${beyond} cell(s) differ beyond the tolerance`);
  }
  return out;
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const [rootA, rootB] = args.filter((x, i) => !x.startsWith('--') && !(i > 0 && (args[i - 1] as string).startsWith('--')));
  if (rootA === undefined || rootB === undefined) throw new Error('usage: compare-csv.ts FIGURES_A FIGURES_B [--rtol 1e-6] [--atol 0] [--notebooks 01,02]');
  const rtol = Number(option('--rtol') ?? '1e-6');
  const atol = Number(option('--atol') ?? '0');
  if (!(rtol >= 0)) throw new Error(`--rtol must be a number ≥ 0, got ${option('--rtol')}`);
  if (!(atol >= 0)) throw new Error(`--atol must be a number ≥ 0, got ${option('--atol')}`);
  const prefixes = (option('--notebooks') ?? '').split(',').filter((x) => x !== '');
  const names = [...new Set([...fs.readdirSync(rootA), ...fs.readdirSync(rootB)])]
    .filter((n) => /^\d\d-/.test(n) && (prefixes.length === 0 || prefixes.some((p) => n.startsWith(p))))
    .sort();
  let failed = false;
  console.log(`CSV tables of ${rootA} (A) against ${rootB} (B), tolerance |a − b| ≤ ${atol} + ${rtol}·max(|a|, |b|)`);
  for (const name of names) {
    const c = compareNotebook(name, path.join(rootA, name), path.join(rootB, name), { rtol, atol });
    console.log(`${name}: ${c.files} file(s) compared, ${c.equal} of ${c.cells} cells equal, ${c.within} within the tolerance, max relative difference ${c.maxRelative === 0 ? 0 : c.maxRelative.toExponential(3)}` +
      `${c.maxAt ? ` (${c.maxAt})` : ''}; ${c.timingCells} timing cells not compared${c.timingColumns.size > 0 ? ` (${[...c.timingColumns].join(', ')})` : ''}`);
    for (const p of c.problems) console.log(`  ${p}`);
    if (c.problems.length > 0 || c.files === 0) failed = true;
  }
  if (names.length === 0) {
    console.log('no notebook folders found');
    failed = true;
  }
  process.exitCode = failed ? 1 : 0;
}

// Run as a script, not when a test imports the functions.
if (require.main === module) main();

import * as fs from 'fs';
import * as path from 'path';
import { assertWritableDir, writeFileAtomic } from '../util/atomic';
import { insideNotebookKernel } from '../util/notebookKernel';
import { cacheDir, figuresDir } from '../util/paths';
import { scaleFromEnv, type Scale } from '../util/scale';
import { htmlTable, textTable, writeCsv, type Row } from './table';
import { plotlyBundleText } from '../plot/bundle';
import { figureSnippet, standaloneHtml } from '../plot/html';
import type { Figure } from '../plot/types';

/** The part of tslab's display API that netstats uses. */
interface TslabDisplay {
  html(s: string): void;
  markdown(s: string): void;
}

/** tslab's display when running inside a tslab kernel, else null (plain Node: tests, CLI). */
export function tslabDisplay(): TslabDisplay | null {
  // Outside a kernel tslab's display throws "Not ready".
  if (!insideNotebookKernel()) return null;
  return (require('tslab') as { display: TslabDisplay }).display;
}

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

function checkName(kind: string, name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new Error(`${kind} name '${name}' must be lower-case letters, digits, '.', '_' or '-' (it becomes a file name)`);
  }
}

/** What a notebook uses to show and save its figures and tables. */
export interface NotebookContext {
  /** Notebook name, e.g. '03-activation-variance'; figures go to figures/<name>/. */
  readonly name: string;
  readonly dir: string;
  readonly scale: Scale;
  /** Shows the figure inline (in tslab) and writes <dir>/<figName>.json + .html; PNG/SVG come from the export step. */
  show(figure: Figure, figName: string): void;
  /** Shows the first rows and writes all rows to <dir>/<tableName>.csv. */
  table(rows: readonly Row[], tableName: string, options?: { maxRows?: number }): void;
  /** Markdown text (e.g. a verdict computed from the results). */
  markdown(text: string): void;
}

let bundleEmitted = false;

/** Opens the figure/table context of one notebook. */
export function notebook(name: string, options: { figuresRoot?: string } = {}): NotebookContext {
  checkName('notebook', name);
  const root = options.figuresRoot ?? figuresDir();
  const dir = path.join(root, name);
  // A notebook's first cell: fail here, naming the folder, rather than after its first model has trained.
  assertWritableDir(dir, 'the figures folder (NETSTATS_FIGURES)');
  assertWritableDir(cacheDir(), 'the result cache (NETSTATS_CACHE)');
  const scale = scaleFromEnv();
  let figureCount = 0;
  return {
    name,
    dir,
    scale,
    show(figure: Figure, figName: string) {
      checkName('figure', figName);
      writeFileAtomic(path.join(dir, `${figName}.json`), JSON.stringify({ ...figure, meta: { notebook: name, scale } }));
      writeFileAtomic(path.join(dir, `${figName}.html`), standaloneHtml(figure, `${name}: ${figName}`, '../plotly.min.js'));
      const display = tslabDisplay();
      if (display) {
        // The bundle is emitted once per kernel (= per notebook); later figures reuse window.Plotly.
        const prefix = bundleEmitted ? '' : `<script>${plotlyBundleText()}</script>\n`;
        bundleEmitted = true;
        display.html(prefix + figureSnippet(figure, `netstats-${name}-${figName}-${++figureCount}`));
      } else {
        process.stdout.write(`[figure] ${path.join(dir, figName)}.html\n`);
      }
    },
    table(rows: readonly Row[], tableName: string, tableOptions: { maxRows?: number } = {}) {
      checkName('table', tableName);
      const csvFile = path.join(dir, `${tableName}.csv`);
      writeCsv(rows, csvFile);
      // Named relative to where the reader is (a notebook runs in notebooks/) unless the absolute path is shorter.
      const relative = path.relative(process.cwd(), csvFile);
      const shownPath = relative.length < csvFile.length ? relative : csvFile;
      const display = tslabDisplay();
      if (display) display.html(htmlTable(rows, tableOptions.maxRows ?? 20, shownPath));
      else process.stdout.write(`${textTable(rows, tableOptions.maxRows ?? 20, shownPath)}\n`);
    },
    markdown(text: string) {
      const display = tslabDisplay();
      if (display) display.markdown(text);
      else process.stdout.write(`${text}\n`);
    },
  };
}

/**
 * The notebooks as a person uses them: a real notebook server with the project's kernelspec, each notebook opened in
 * Chromium (playwright-core), Cell > Run All at tiny scale, then what the page shows is checked: no error output, no
 * stderr box (red in the classic notebook: progress and warnings must not land there), at least one rendered plotly
 * figure where the notebook shows figures, and the verdict written under its "Verdict" heading. One screenshot per
 * notebook goes to figures/screenshots/ (not committed). Run with `npm run test:browser` (it builds the library first).
 *
 * Environment: NETSTATS_CHROMIUM (default /usr/bin/chromium), NETSTATS_PYTHON (default /usr/bin/python3, which must
 * have Debian's jupyter-notebook), NETSTATS_DATA as for the notebooks, NETSTATS_BROWSER_TIMEOUT_S per notebook
 * (default 1200), NETSTATS_BROWSER_ONLY (name prefixes, comma-separated).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { listNotebooks } from '../../lib/src/cli/notebooks';
import { locateDataset } from '../../lib/src/data/locations';
import type { DatasetName } from '../../lib/src/data/types';
import { repoRoot } from '../../lib/src/util/paths';
import { startJupyterServer, type JupyterServer } from './jupyterServer';

const root = repoRoot();
const only = (process.env['NETSTATS_BROWSER_ONLY'] ?? '').split(',').filter((s) => s.length > 0);
const notebooks = listNotebooks(root, only);
const timeoutMs = 1000 * Number(process.env['NETSTATS_BROWSER_TIMEOUT_S'] ?? 1200);
const screenshotDir = path.join(root, 'figures', 'screenshots');

/** Data a notebook cannot run without (everything else it needs comes with npm or Debian). */
const NEEDS: Record<string, readonly DatasetName[]> = {
  '01-distribution-masking': ['cifar10'],
  '05-architectures-and-transfer': ['cifar10'],
};

/** Why the notebook cannot run here, or null when its data is present. */
function missingData(name: string): string | null {
  for (const dataset of NEEDS[name] ?? []) {
    for (const split of ['train', 'test'] as const) {
      try {
        locateDataset(dataset, split);
      } catch {
        return `${dataset} (${split}) not found: set NETSTATS_DATA to the folder holding it (see datasets/README.md)`;
      }
    }
  }
  return null;
}

interface CodeCellSource {
  cell_type: string;
  source: string | string[];
}
const text = (src: string | string[]): string => (Array.isArray(src) ? src.join('') : src);

/** What the page should show for this notebook, read from its source. */
function expectations(file: string): { hasFigures: boolean; verdictCell: number | null } {
  const cells = (JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: CodeCellSource[] }).cells;
  const hasFigures = cells.some((c) => c.cell_type === 'code' && /\bnb\.show\(/.test(text(c.source)));
  const heading = cells.findIndex((c) => c.cell_type === 'markdown' && /^#+\s.*\bverdict\b/im.test(text(c.source).split('\n')[0] ?? ''));
  if (heading < 0) return { hasFigures, verdictCell: null };
  const next = cells.findIndex((c, i) => i > heading && c.cell_type === 'code');
  return { hasFigures, verdictCell: next < 0 ? null : next };
}

/** What the finished page holds, read in the browser. */
interface PageState {
  codeCells: number;
  unexecuted: number[];
  stderrBoxes: string[];
  errorOutputs: string[];
  plotlyFigures: number;
  verdictText: string | null;
}

async function waitUntilRunAllEnds(page: Page, deadline: number): Promise<void> {
  for (;;) {
    const state = await page.evaluate(() => {
      const w = window as unknown as { Jupyter: { notebook: { get_cells(): { cell_type: string; input_prompt_number?: unknown }[] } }; netstatsKernelDead?: boolean };
      const running = w.Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code' && c.input_prompt_number === '*').length;
      const idle = document.querySelector('#kernel_indicator_icon')?.classList.contains('kernel_idle_icon') ?? false;
      return { running, idle, dead: w.netstatsKernelDead === true };
    });
    if (state.dead) throw new Error('the kernel died during Run All');
    if (state.running === 0 && state.idle) return;
    if (Date.now() > deadline) throw new Error(`Run All did not finish in ${timeoutMs / 1000} s (${state.running} cells still queued)`);
    await page.waitForTimeout(2000);
  }
}

async function readPage(page: Page, verdictCell: number | null): Promise<PageState> {
  return page.evaluate((verdictIndex) => {
    const w = window as unknown as { Jupyter: { notebook: { get_cells(): { cell_type: string; input_prompt_number?: unknown; element: ArrayLike<HTMLElement> }[] } } };
    const cells = w.Jupyter.notebook.get_cells();
    const code = cells.map((c, i) => ({ c, i })).filter(({ c }) => c.cell_type === 'code');
    // (no named helper functions in here: tsx wraps them in a __name() call that does not exist in the page)
    const verdictEl = verdictIndex === null ? null : (cells[verdictIndex]?.element[0] ?? null);
    const rendered = verdictEl ? Array.from(verdictEl.querySelectorAll('.output_markdown, .output_html')).map((e) => (e.textContent ?? '').trim()).join('\n') : null;
    return {
      codeCells: code.length,
      unexecuted: code.filter(({ c }) => typeof c.input_prompt_number !== 'number').map(({ i }) => i),
      stderrBoxes: Array.from(document.querySelectorAll('.output_stderr')).map((el) => (el.textContent ?? '').trim().slice(0, 400)),
      errorOutputs: Array.from(document.querySelectorAll('.output_error')).map((el) => (el.textContent ?? '').trim().slice(0, 400)),
      plotlyFigures: document.querySelectorAll('.js-plotly-plot .main-svg').length,
      verdictText: rendered,
    };
  }, verdictCell);
}

/** The classic notebook scrolls inside #site; let the page grow so a full-page screenshot holds every cell. */
async function screenshot(page: Page, file: string): Promise<void> {
  await page.addStyleTag({
    content: 'html, body { height: auto !important; overflow: visible !important; } #site { height: auto !important; overflow: visible !important; }',
  });
  await page.screenshot({ path: file, fullPage: true });
}

describe('notebooks in a browser (Jupyter + Chromium)', function () {
  this.timeout(timeoutMs + 120_000);
  let server: JupyterServer | undefined;
  let browser: Browser | undefined;
  const figuresRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-browser-figures-'));
  const committed = new Map(notebooks.map((nb) => [nb, fs.readFileSync(nb)]));

  before(async function () {
    this.timeout(180_000);
    assert.ok(notebooks.length > 0, `no notebooks match ${only.join(', ') || 'notebooks/*.ipynb'}`);
    fs.mkdirSync(screenshotDir, { recursive: true });
    // Progress is left on (no NETSTATS_QUIET): it must show in place on stdout, never as stderr boxes.
    server = await startJupyterServer(root, path.join(root, 'notebooks'), {
      NETSTATS_SCALE: 'tiny',
      NETSTATS_FIGURES: figuresRoot,
      NETSTATS_QUIET: '0',
    });
    const specs = await server.api<{ kernelspecs: Record<string, { spec: { display_name: string } }> }>('/api/kernelspecs');
    assert.equal(specs.kernelspecs['tslab']?.spec.display_name, 'TypeScript (netstats tslab)', `the server does not see the project's kernelspec: ${JSON.stringify(Object.keys(specs.kernelspecs))}`);
    browser = await chromium.launch({
      executablePath: process.env['NETSTATS_CHROMIUM'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  after(async function () {
    this.timeout(60_000);
    try {
      await browser?.close();
    } finally {
      await server?.stop();
      fs.rmSync(figuresRoot, { recursive: true, force: true });
    }
    // The page never saves (autosave is turned off), so the committed notebooks stay as they were; if one changed
    // anyway, put it back and say so.
    const changed = [...committed].filter(([nb, bytes]) => !fs.readFileSync(nb).equals(bytes));
    for (const [nb, bytes] of changed) fs.writeFileSync(nb, bytes);
    assert.deepEqual(changed.map(([nb]) => path.basename(nb)), [], 'the browser run saved outputs into these notebooks (restored)');
  });

  for (const file of notebooks) {
    const name = path.basename(file, '.ipynb');
    it(`${name}: Run All shows figures and the verdict, with no error or stderr output`, async function () {
      const missing = missingData(name);
      if (missing !== null) {
        console.log(`    skipped ${name}: ${missing}`);
        this.skip();
      }
      const s = server as JupyterServer;
      const { hasFigures, verdictCell } = expectations(file);
      const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
      const pageErrors: string[] = [];
      page.on('pageerror', (err) => pageErrors.push(err.message));
      try {
        await page.goto(`${s.url}/notebooks/${encodeURIComponent(path.basename(file))}?token=${s.token}`);
        await page.waitForFunction(
          () => {
            const w = window as unknown as { Jupyter?: { notebook?: { _fully_loaded?: boolean; kernel?: { is_connected(): boolean } | null } } };
            return w.Jupyter?.notebook?._fully_loaded === true && w.Jupyter.notebook.kernel?.is_connected() === true;
          },
          undefined,
          { timeout: 120_000 },
        );
        await page.evaluate(() => {
          const w = window as unknown as {
            Jupyter: { notebook: { set_autosave_interval(ms: number): void; execute_all_cells(): void; events: { on(ev: string, f: () => void): void } } };
            netstatsKernelDead?: boolean;
          };
          w.Jupyter.notebook.set_autosave_interval(0);
          w.Jupyter.notebook.events.on('kernel_dead.Kernel', () => (w.netstatsKernelDead = true));
          w.Jupyter.notebook.execute_all_cells();
        });
        await waitUntilRunAllEnds(page, Date.now() + timeoutMs);
        // let plotly finish drawing the last figures
        await page.waitForTimeout(1500);
        const state = await readPage(page, verdictCell);
        await screenshot(page, path.join(screenshotDir, `${name}.png`));
        const problems: string[] = [];
        if (state.errorOutputs.length > 0) problems.push(`error output:\n${state.errorOutputs.join('\n---\n')}`);
        if (state.stderrBoxes.length > 0) problems.push(`${state.stderrBoxes.length} stderr box(es):\n${state.stderrBoxes.join('\n---\n')}`);
        if (state.unexecuted.length > 0) problems.push(`code cells not run (an earlier cell failed?): ${state.unexecuted.join(', ')}`);
        if (hasFigures && state.plotlyFigures === 0) problems.push('no rendered plotly figure');
        if (verdictCell !== null && !(state.verdictText && state.verdictText.length > 20)) problems.push(`no verdict shown by cell ${verdictCell}`);
        if (name !== '00-setup' && verdictCell === null) problems.push('no "Verdict" section in the notebook');
        if (pageErrors.length > 0) console.log(`    ${name}: page script errors (not failing the test): ${pageErrors.slice(0, 5).join(' | ')}`);
        console.log(`    ${name}: ${state.codeCells} code cells, ${state.plotlyFigures} plotly figures, screenshot figures/screenshots/${name}.png`);
        assert.deepEqual(problems, [], `${name}:\n${problems.join('\n')}`);
      } finally {
        // Shut this notebook's kernel down (the next notebook gets a fresh one, as "Run All" after opening would).
        const sessions = await s.api<{ id: string; path: string }[]>('/api/sessions').catch(() => []);
        for (const session of sessions) await s.api(`/api/sessions/${session.id}`, 'DELETE').catch(() => undefined);
        await page.close();
      }
    });
  }
});

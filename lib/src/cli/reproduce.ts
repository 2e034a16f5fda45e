/**
 * npm run reproduce [-- NOTEBOOK_PREFIX...] [--no-export] [--queue redis://host:port]
 * A preflight first lists, per notebook, the data it needs at NETSTATS_SCALE (default quick), what is present and the
 * command that gets the rest. Then every notebook whose data is present is executed headless; its figures are
 * rendered to PNG + SVG with one headless Chromium, the executed notebook becomes one standalone page
 * figures/<notebook>/<notebook>.html, and scale and date are recorded in figures/README.md. A failing notebook
 * (its failing cell and the cell's real error are printed) does not stop the others. The summary at the end lists
 * what ran, what was skipped and why, and what failed; the exit status is non-zero when anything was skipped or failed.
 * With --queue, a notebook whose experiment has a cell plan first has its missing cells computed by the workers of
 * that queue (npm run worker) into the shared NETSTATS_CACHE; the notebook then runs here and reads them from the cache.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { exportFigures, listFigureSpecs } from '../plot/export';
import { writeFileAtomic } from '../util/atomic';
import { clockDuration } from '../util/format';
import { cacheDir, figuresDir, repoRoot } from '../util/paths';
import { scaleFromEnv, type Scale } from '../util/scale';
import { failureSummary, listNotebooks, runNotebook } from './notebooks';
import { checkBeforeRun } from './runChecks';
import { dataLabel, dataPresent, howToGetAll, notebookDataNeeds } from './notebookData';
import { notebookPageHtml, type NotebookJson } from './notebookPage';
import { ensureMinifiedPlotly } from '../plot/bundle';
import { figuresReadme, readManifest, removeFigureSpecs, removeStaleFigures } from './figureFolder';
import { takeOption } from './options';
import { runCellsOnQueue } from '../queue/coordinator';
import { parseQueueUrl, type QueueServer } from '../queue/redisUrl';
import { notebookCells } from '../queue/registry';

/** Short commit of the checkout, with '+changes' when tracked files differ from it; 'unknown' outside git. */
function checkoutCommit(root: string): string {
  try {
    const run = (args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const changed = run(['status', '--porcelain', '--untracked-files=no', '--', 'lib', 'notebooks', 'scripts', 'jupyter']) !== '';
    return `${run(['rev-parse', '--short', 'HEAD'])}${changed ? '+changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

const SCALE_RANK: Record<Scale, number> = { tiny: 0, quick: 1, standard: 2, full: 3 };

async function main(): Promise<void> {
  const { value: queueUrl, rest: argv } = takeOption(process.argv.slice(2), '--queue');
  const queue: QueueServer | undefined = queueUrl === undefined ? undefined : parseQueueUrl(queueUrl, '--queue');
  const noExport = argv.includes('--no-export');
  const unknown = argv.filter((a) => a.startsWith('--') && a !== '--no-export');
  if (unknown.length > 0) throw new Error(`unknown option(s) ${unknown.join(' ')} (known: --no-export, --queue redis://host:port)`);
  const only = argv.filter((a) => !a.startsWith('--'));
  const root = repoRoot();
  checkBeforeRun((line) => console.log(`reproduce: ${line}`));
  const scale = scaleFromEnv();
  const figRoot = figuresDir();
  const notebooks = listNotebooks(root, only);
  if (notebooks.length === 0) throw new Error(`no notebooks matched ${only.join(', ') || '(all)'} in ${path.join(root, 'notebooks')}`);
  console.log(`reproduce: ${notebooks.length} notebook(s) at scale '${scale}', figures -> ${figRoot}`);
  const manifestFile = path.join(figRoot, 'manifest.json');
  const manifest = readManifest(manifestFile);
  // Preflight: the data each notebook needs at this scale, what is here, how to get the rest.
  console.log('\npreflight (data per notebook):');
  const skipped = new Map<string, string>();
  for (const nbFile of notebooks) {
    const name = path.basename(nbFile, '.ipynb');
    const needs = notebookDataNeeds(name, scale);
    const missing = needs.filter((d) => !dataPresent(d));
    const present = needs.filter((d) => !missing.includes(d));
    console.log(`  ${name}: needs ${needs.map(dataLabel).join(', ') || 'no dataset'}; present: ${present.map(dataLabel).join(', ') || 'none'}${missing.length ? `; MISSING: ${missing.map(dataLabel).join(', ')}` : ''}`);
    const getThem = howToGetAll(missing);
    for (const how of getThem) console.log(`      get it: ${how}`);
    if (missing.length > 0) skipped.set(name, `${missing.map(dataLabel).join(', ')} not found (get: ${getThem.join('; ')})`);
  }
  const start = Date.now();
  const commit = checkoutCommit(root);
  const ran: string[] = [];
  const failed: string[] = [];
  for (const [i, nbFile] of notebooks.entries()) {
    const name = path.basename(nbFile, '.ipynb');
    if (skipped.has(name)) {
      console.log(`\n[${i + 1}/${notebooks.length}] ${name} SKIPPED: ${skipped.get(name)}`);
      continue;
    }
    console.log(`\n[${i + 1}/${notebooks.length}] ${name} (elapsed ${clockDuration(Date.now() - start)})`);
    // Under the configured cache, so that runs with different caches never share a temp path.
    const executedOut = path.join(cacheDir(), 'executed', scale, `${name}.ipynb`);
    if (queue !== undefined) {
      const plan = notebookCells(name);
      if (plan === undefined) console.log(`  ${name} has no cell plan for a queue: it trains here`);
      else {
        try {
          await runCellsOnQueue({ server: queue, parameter: '--queue', plan, scale, log: (line) => console.log(`  queue: ${line}`) });
        } catch (err) {
          console.error(`\nreproduce: ${name} FAILED on the queue: ${err instanceof Error ? err.message : String(err)}`);
          failed.push(name);
          continue;
        }
      }
    }
    removeFigureSpecs(path.join(figRoot, name));
    const run = await runNotebook(root, nbFile, {
      env: { NETSTATS_SCALE: scale, NETSTATS_FIGURES: figRoot },
      executedOut,
      echo: (chunk) => process.stdout.write(chunk),
    });
    if (!run.ok) {
      console.error(`\nreproduce: ${name} FAILED after ${clockDuration(run.elapsedMs)} (${failureSummary(run)})`);
      failed.push(name);
      continue;
    }
    const specs = listFigureSpecs(figRoot, [name]);
    const stale = removeStaleFigures(path.join(figRoot, name), name, specs.map((s) => path.basename(s, '.json')));
    if (stale.length > 0) console.log(`  removed figures of an earlier run that this one did not draw: ${stale.join(', ')}`);
    if (!noExport) await exportFigures(specs, { figuresRoot: figRoot, log: (l) => console.log(l) });
    const finishedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const page = writeNotebookPage(executedOut, figRoot, name, `${name} · scale ${scale} · executed ${finishedAt} by npm run reproduce`);
    console.log(`  page: ${page.startsWith(root) ? path.relative(root, page) : page}`);
    const previous = manifest[name];
    // figures/README.md describes the committed files: the latest run at the largest scale so far.
    if (!previous || SCALE_RANK[scale] >= SCALE_RANK[previous.scale]) {
      manifest[name] = { scale, finishedAt, elapsedMs: run.elapsedMs, commit, figures: specs.map((s) => path.basename(s, '.json')) };
    }
    // Recorded after every notebook, so that an interrupted run still describes the files it did write.
    writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
    writeFileAtomic(path.join(figRoot, 'README.md'), figuresReadme(manifest));
    ran.push(name);
    console.log(`[${i + 1}/${notebooks.length}] ${name} done in ${clockDuration(run.elapsedMs)}`);
  }
  console.log(`\nreproduce summary (scale '${scale}', ${clockDuration(Date.now() - start)}):`);
  console.log(`  ran (${ran.length}): ${ran.join(', ') || 'none'}`);
  console.log(`  skipped (${skipped.size}):${skipped.size ? '' : ' none'}`);
  for (const [name, why] of skipped) console.log(`    ${name}: ${why}`);
  console.log(`  failed (${failed.length}): ${failed.join(', ') || 'none'}`);
  if (skipped.size > 0 || failed.length > 0) process.exitCode = 1;
}

/** Writes figures/<name>/<name>.html from the executed notebook; returns its path. */
function writeNotebookPage(executed: string, figRoot: string, name: string, subtitle: string): string {
  ensureMinifiedPlotly(figRoot);
  const nb = JSON.parse(fs.readFileSync(executed, 'utf8')) as NotebookJson;
  const page = path.join(figRoot, name, `${name}.html`);
  writeFileAtomic(page, notebookPageHtml(nb, { title: name, subtitle, bundleHref: '../plotly.min.js' }));
  return page;
}

main().catch((err: unknown) => {
  console.error(`reproduce: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

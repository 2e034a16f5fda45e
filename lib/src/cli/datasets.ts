/**
 * `npm run datasets`: what was found where, counts, label histograms, checksum verdicts, Tiny Darknet.
 *
 *   npm run datasets                     report (through the cache: the first run parses and caches everything)
 *   npm run datasets -- --no-cache       re-read the sources (nothing is written to the cache)
 *   npm run datasets -- --evaluate       also Tiny Darknet's top-1 / top-5 accuracy on the ImageNet sample
 *   npm run datasets -- --require-all    exit 1 when a dataset or the model is missing (CI acceptance)
 *   npm run datasets -- --json           machine-readable report on stdout
 *   npm run datasets -- --fetch [name...] download what is missing (cifar10, darknet-tiny, imagenet-sample; default all)
 *                                        into the first data folder, verified; NETSTATS_MIRROR=<base URL> replaces
 *                                        the origins, HTTPS_PROXY is honoured
 *
 * Exit status 1 when a dataset could not be read, a checksum does not match, (--require-all) something is missing,
 * or (--fetch) a download failed.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, selectBackend } from '../backend/select';
import { createProgress } from '../util/progress';
import { envHttpUrl } from '../util/env';
import {
  CANONICAL_LABEL_HISTOGRAMS,
  datasetCacheDir,
  datasetTopKAccuracy,
  defaultDataPath,
  DownloadError,
  FETCHABLE,
  fetchDataset,
  isDataPresent,
  manualRoute,
  type FetchableName,
  findDatasets,
  loadDataset,
  loadTinyDarknet,
  systemDataLocations,
  type DatasetReport,
} from '../data/index';

interface ModelReport {
  status: 'found' | 'missing' | 'error';
  dir?: string;
  parameters?: number;
  inputShape?: (number | null)[];
  outputShape?: (number | null)[];
  checksum?: string;
  checksumMismatch?: boolean;
  loadMs?: number;
  evaluation?: { count: number; top1: number; top5: number; backend: string; seconds: number };
  message?: string;
}

const shapeText = (shape: (number | null)[] | undefined): string => (shape ?? []).map((d) => d ?? 'N').join(', ');

function histogramVerdict(r: DatasetReport): string {
  const canonical = CANONICAL_LABEL_HISTOGRAMS[r.name]?.[r.split];
  if (!canonical || !r.histogram) return '';
  return canonical.length === r.histogram.length && canonical.every((n, i) => n === r.histogram?.[i])
    ? ' (equals the canonical histogram)'
    : ` (DIFFERS from the canonical ${canonical.join(' ')})`;
}

function formatHistogram(r: DatasetReport): string {
  const h = r.histogram ?? [];
  if (h.length > 20) {
    const min = Math.min(...h);
    const max = Math.max(...h);
    return `${h.length} classes, ${min === max ? `${min} each` : `${min}..${max} per class`}`;
  }
  return h.map((n, i) => `${r.classNames?.[i] ?? i}:${n}`).join('  ');
}

async function modelReport(evaluate: boolean, quiet: boolean): Promise<ModelReport> {
  const start = Date.now();
  try {
    // Loaded even when its files differ from the pinned digest, to report on it; the exit status then says 1.
    const darknet = await loadTinyDarknet({ allowChecksumMismatch: true });
    const report: ModelReport = {
      status: 'found',
      dir: darknet.dir,
      parameters: darknet.model.countParams(),
      inputShape: darknet.model.inputs[0]?.shape,
      outputShape: darknet.model.outputs[0]?.shape,
      checksum: `${darknet.checksum.verdict} (tree sha256 ${darknet.checksum.sha256.slice(0, 16)}...${darknet.checksum.verdict === 'mismatch' ? `, EXPECTED ${darknet.checksum.expected}` : ''})`,
      checksumMismatch: darknet.checksum.verdict === 'mismatch',
      loadMs: Date.now() - start,
    };
    if (evaluate) {
      const sample = await loadDataset('imagenet-sample', 'test', { quiet });
      const t = Date.now();
      const progress = createProgress({ label: 'Tiny Darknet on the ImageNet sample', total: sample.count, unit: 'images', quiet });
      const acc = await datasetTopKAccuracy(darknet.model, sample, { batchSize: 25, onBatch: (done) => progress.update(done) });
      progress.finish();
      report.evaluation = { count: acc.count, top1: acc.top1, top5: acc.top5, backend: tf.getBackend(), seconds: (Date.now() - t) / 1000 };
    }
    darknet.model.dispose();
    return report;
  } catch (err) {
    const missing = (err as Error).name === 'DataNotFoundError';
    return { status: missing ? 'missing' : 'error', message: (err as Error).message, loadMs: Date.now() - start };
  }
}

/** `--fetch [name...]`: installs each missing dataset into the first data folder; stops at the first failure. */
async function fetchMissing(names: FetchableName[]): Promise<number> {
  const dataDir = defaultDataPath()[0] ?? 'datasets';
  const mirror = envHttpUrl('NETSTATS_MIRROR');
  console.log(`datasets: fetching into ${dataDir}${mirror ? ` from the mirror ${mirror}` : ''}`);
  for (const name of names) {
    if (isDataPresent(name)) {
      console.log(`${name}: present, not fetched`);
      continue;
    }
    const start = Date.now();
    try {
      const dir = await fetchDataset(name, { dataDir, mirror, log: (l) => console.log(l) });
      console.log(`${name}: installed in ${dir} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
    } catch (err) {
      const offline = err instanceof DownloadError && err.kind === 'offline';
      console.error(`${name}: FAILED: ${(err as Error).message}`);
      console.error(`  by hand: ${manualRoute(name)}`);
      if (offline) {
        const rest = names.slice(names.indexOf(name) + 1).filter((n) => !isDataPresent(n));
        if (rest.length > 0) console.error(`datasets: offline, so not tried: ${rest.join(', ')} (by hand: see datasets/README.md)`);
      }
      return 1;
    }
  }
  return 0;
}

const OPTIONS = ['--no-cache', '--evaluate', '--require-all', '--json', '--fetch'];

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--fetch')) {
    const names = argv.filter((a) => !a.startsWith('--'));
    const unknown = names.filter((n) => !(FETCHABLE as readonly string[]).includes(n));
    const others = argv.filter((a) => a.startsWith('--') && a !== '--fetch');
    if (unknown.length > 0 || others.length > 0) {
      console.error(`datasets: --fetch takes dataset names (${FETCHABLE.join(', ')}); got ${[...unknown, ...others].join(' ')}`);
      return 2;
    }
    return fetchMissing(names.length > 0 ? (names as FetchableName[]) : [...FETCHABLE]);
  }
  const args = new Set(argv);
  for (const a of args) {
    if (!OPTIONS.includes(a)) {
      console.error(`datasets: unknown option ${a} (options: ${OPTIONS.join(' ')})`);
      return 2;
    }
  }
  const json = args.has('--json');
  const log = json ? (): void => undefined : (line = ''): void => console.log(line);
  // Model loading and evaluation use the project's backend choice (also silences tfjs's cpu banner).
  log(describeBackend(await selectBackend()));
  log(`data folders searched: ${defaultDataPath().join(', ')}`);
  log(`  then: ${[...systemDataLocations('mnist'), ...systemDataLocations('fashion-mnist')].join(', ')}`);
  log(`cache: ${args.has('--no-cache') ? 'off (--no-cache)' : datasetCacheDir()}`);
  log();

  const reports = await findDatasets({ noCache: args.has('--no-cache'), quiet: json });
  let failed = false;
  for (const r of reports) {
    const title = `${r.name} ${r.split}`.padEnd(22);
    if (r.status !== 'found') {
      log(`${title} ${r.status.toUpperCase()}: ${r.message?.split('\n').join('\n    ')}`);
      if (r.status === 'error' || args.has('--require-all')) failed = true;
      log();
      continue;
    }
    const [h, w, c] = r.shape ?? [0, 0, 0];
    log(`${title} ${String(r.count).padStart(6)} images ${h}x${w}x${c}  from ${r.source}  (${r.fromCache ? 'cache' : 'source'}, ${r.loadMs} ms)`);
    log(`  labels: ${formatHistogram(r)}${histogramVerdict(r)}`);
    if (histogramVerdict(r).includes('DIFFERS')) failed = true;
    for (const v of r.checksums ?? []) {
      const expected = v.verdict === 'unknown' ? 'no known value' : v.verdict === 'ok' ? 'matches the known value' : `EXPECTED ${v.expected}`;
      log(`  ${v.kind} ${path.basename(v.file)}: ${v.verdict.toUpperCase()} ${v.sha256.slice(0, 16)}... (${expected})`);
      if (v.verdict === 'mismatch') failed = true;
    }
    for (const n of r.notes ?? []) log(`  note: ${n}`);
    log();
  }

  const model = await modelReport(args.has('--evaluate'), json);
  if (model.status === 'found') {
    log(`Tiny Darknet: loaded from ${model.dir} in ${model.loadMs} ms; ${model.parameters?.toLocaleString('en-US')} parameters, input [${shapeText(model.inputShape)}], output [${shapeText(model.outputShape)}]`);
    log(`  checksum: ${model.checksum}`);
    if (model.checksumMismatch) failed = true;
    if (model.evaluation) {
      const e = model.evaluation;
      log(`  ImageNet sample (${e.count} images): top-1 ${(100 * e.top1).toFixed(1)}%, top-5 ${(100 * e.top5).toFixed(1)}% (${e.backend}, ${e.seconds.toFixed(1)} s)`);
    }
  } else {
    log(`Tiny Darknet: ${model.status.toUpperCase()}: ${model.message}`);
    if (model.status === 'error' || args.has('--require-all')) failed = true;
  }
  if (json) console.log(JSON.stringify({ datasets: reports.map((r) => ({ ...r, classNames: undefined })), model }, null, 2));
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // The message names the file or setting at fault; a stack trace would only bury it (as in `npm run reproduce`).
    console.error(`datasets: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

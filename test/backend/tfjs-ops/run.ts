// `npm run test:tfjs-ops`: runs tfjs-core's own jasmine op specs (specFiles.ts) plus our targeted MaxPoolGrad specs on
// the wasm backend: stock, wasm + kernel pack with the native addon, and wasm + pack without it (NETSTATS_NATIVE=0).
// Stock wasm never loads the addon, so it runs once. Fails (exit 1) when a spec that passes on stock wasm fails with
// the pack in either configuration, or when one of our targeted specs fails with the pack.
// The specs are ES modules with extension-less imports that must share one tfjs-core instance with the backend and
// the pack, so esbuild bundles them all (ES-module entries of every tfjs package); the addon's loader stays outside
// the bundle (it finds the .node file relative to its own source file) and is loaded through tsx.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as esbuild from 'esbuild';
import { counts, regressions, type RunOutcome, type SpecOutcome } from './outcome';
import { tfjsSpecPaths } from './specFiles';

const root = path.resolve(__dirname, '..', '..', '..');
const ourSpecs = [path.join(__dirname, 'maxPoolGrad.spec.ts')];
const OUR_PREFIX = 'netstats ';

async function buildBundle(outFile: string, only: RegExp | null): Promise<void> {
  const specs = [...tfjsSpecPaths(), ...ourSpecs].filter((s) => only === null || only.test(path.basename(s)));
  if (specs.length === 0) throw new Error(`tfjs-ops: no spec file matches ${String(only)}`);
  const addon = path.join(root, 'lib', 'src', 'backend', 'native', 'addon.ts');
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: outFile,
    mainFields: ['module', 'main'],
    logLevel: 'warning',
    external: ['jasmine-core', 'jasmine-core/*'],
    plugins: [{
      name: 'tfjs-ops',
      setup(build) {
        build.onResolve({ filter: /^tfjs-ops-specs$/ }, () => ({ path: 'tfjs-ops-specs', namespace: 'tfjs-ops' }));
        build.onLoad({ filter: /.*/, namespace: 'tfjs-ops' }, () => ({
          // require, not import: tfjs-core's package.json declares its modules free of side effects, which would
          // let esbuild drop a bare import of a spec file.
          contents: specs.map((s) => `require(${JSON.stringify(s)});`).join('\n'),
          resolveDir: root,
          loader: 'js',
        }));
        build.onResolve({ filter: /native\/addon$/ }, () => ({ path: addon, external: true }));
      },
    }],
  });
}

function runConfig(bundle: string, label: string, env: NodeJS.ProcessEnv, outDir: string): RunOutcome {
  const results = path.join(outDir, `${label.replace(/[^a-z0-9]+/gi, '-')}.json`);
  process.stdout.write(`tfjs-ops: running ${label} ...\n`);
  const started = Date.now();
  const child = spawnSync(process.execPath, ['--import', 'tsx', bundle], {
    cwd: root,
    env: { ...process.env, ...env, TFJS_OPS_RESULTS: results, TFJS_OPS_WASM_DIR: path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) }, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 15 * 60 * 1000,
  });
  if (child.status !== 0 || !fs.existsSync(results)) {
    throw new Error(`tfjs-ops: ${label} exited with ${String(child.status ?? child.signal)}:\n${(child.stderr ?? '').slice(-3000)}`);
  }
  const run = JSON.parse(fs.readFileSync(results, 'utf8')) as RunOutcome;
  const c = counts(run.outcomes.filter((o) => !o.name.startsWith(OUR_PREFIX)));
  const ours = counts(run.outcomes.filter((o) => o.name.startsWith(OUR_PREFIX)));
  process.stdout.write(`tfjs-ops: ${run.config}: tfjs specs ${c.passed} passed, ${c.failed} failed, ${c.other} other; `
    + `our MaxPoolGrad specs ${ours.passed} passed, ${ours.failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  return run;
}

function listFailures(title: string, list: readonly SpecOutcome[], limit = 40): void {
  if (list.length === 0) return;
  process.stdout.write(`${title} (${list.length}):\n`);
  for (const o of list.slice(0, limit)) process.stdout.write(`  ${o.name}\n    ${o.status}: ${o.message}\n`);
  if (list.length > limit) process.stdout.write(`  ... and ${list.length - limit} more\n`);
}

async function main(): Promise<void> {
  // Inside the project's node_modules so that the bundle resolves jasmine-core like any project file.
  const cacheDir = path.join(root, 'node_modules', '.cache');
  fs.mkdirSync(cacheDir, { recursive: true });
  const outDir = fs.mkdtempSync(path.join(cacheDir, 'netstats-tfjs-ops-'));
  const bundle = path.join(outDir, 'bundle.cjs');
  // An optional argument restricts the run to spec files whose name matches it (a regular expression), for debugging.
  const only = process.argv[2] !== undefined ? new RegExp(process.argv[2]) : null;
  await buildBundle(bundle, only);
  const stock = runConfig(bundle, 'stock wasm', { TFJS_OPS_PACK: '0' }, outDir);
  const configs = [
    runConfig(bundle, 'wasm + pack, native addon', { TFJS_OPS_PACK: '1', NETSTATS_NATIVE: '' }, outDir),
    runConfig(bundle, 'wasm + pack, no addon', { TFJS_OPS_PACK: '1', NETSTATS_NATIVE: '0' }, outDir),
  ];
  const stockTfjs = stock.outcomes.filter((o) => !o.name.startsWith(OUR_PREFIX));
  listFailures('tfjs-ops: specs failing on stock wasm (not held against the pack)', stockTfjs.filter((o) => o.status === 'failed'), 10);
  let bad = 0;
  for (const run of configs) {
    const lost = regressions(stockTfjs, run.outcomes);
    const ours = run.outcomes.filter((o) => o.name.startsWith(OUR_PREFIX));
    const oursFailed = ours.filter((o) => o.status !== 'passed');
    if (ours.length === 0 && only === null) oursFailed.push({ name: `${OUR_PREFIX}specs`, status: 'missing', message: 'targeted specs did not run' });
    listFailures(`tfjs-ops: ${run.config}: specs that pass on stock wasm but fail here`, lost);
    listFailures(`tfjs-ops: ${run.config}: targeted MaxPoolGrad specs failing`, oursFailed);
    bad += lost.length + oursFailed.length;
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  process.stdout.write(bad === 0 ? 'tfjs-ops: OK, no spec that passes on stock wasm fails with the pack\n' : `tfjs-ops: FAILED, ${bad} regressions\n`);
  process.exit(bad === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});

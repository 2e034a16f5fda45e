// Entry of the bundle that runs tfjs-core's jasmine op specs on the wasm backend (built by run.ts with esbuild, so
// that the specs, the wasm backend and the kernel pack share one ES-module instance of tfjs-core).
// Environment: TFJS_OPS_PACK=1 registers the kernel pack on wasm first; TFJS_OPS_RESULTS names the JSON file that
// receives one {name, status, message} per spec; TFJS_OPS_WASM_DIR is the folder of tfjs-backend-wasm's .wasm files. NETSTATS_NATIVE=0 keeps the native addon out, as everywhere.
import * as fs from 'fs';
import * as path from 'path';
import type { SpecOutcome } from './outcome';

interface JasmineResult { fullName: string; status: string; failedExpectations: { message: string }[] }
interface JasmineEnv {
  addReporter(r: { specDone(result: JasmineResult): void }): void;
  configure(c: { random: boolean }): void;
  execute(): Promise<unknown>;
}
interface JasmineBoot { getEnv(): JasmineEnv; DEFAULT_TIMEOUT_INTERVAL: number }

async function main(): Promise<void> {
  const resultsFile = process.env.TFJS_OPS_RESULTS;
  if (resultsFile === undefined || resultsFile === '') throw new Error('tfjs-ops entry: TFJS_OPS_RESULTS must name the results file');
  // Globals first (describe, it, expect), then the test environment, then the spec modules, which call describe.
  const jasmineCore = require('jasmine-core') as { boot(): JasmineBoot };
  const jasmine = jasmineCore.boot();
  jasmine.DEFAULT_TIMEOUT_INTERVAL = 60000;
  const env = jasmine.getEnv();
  env.configure({ random: false });
  const util = require('@tensorflow/tfjs-core/dist/jasmine_util') as {
    setTestEnvs(envs: { name: string; backendName: string; isDataSync: boolean }[]): void;
  };
  util.setTestEnvs([{ name: 'wasm', backendName: 'wasm', isDataSync: true }]);
  // The full tfjs package (gradients, chained ops, layers), as the library and the pack use it, in both configurations.
  require('@tensorflow/tfjs');
  const tf = require('@tensorflow/tfjs-core') as { setBackend(name: string): Promise<boolean>; ready(): Promise<void> };
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
  const wasmDir = process.env.TFJS_OPS_WASM_DIR;
  if (wasmDir === undefined || wasmDir === '') throw new Error('tfjs-ops entry: TFJS_OPS_WASM_DIR must name the folder of the .wasm files');
  wasm.setWasmPaths(wasmDir + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-ops entry: tf.setBackend("wasm") failed');
  await tf.ready();
  let packNote = 'stock wasm';
  if (process.env.TFJS_OPS_PACK === '1') {
    const pack = require('../../../lib/src/backend/kernels/register') as typeof import('../../../lib/src/backend/kernels/register');
    const report = pack.registerKernelPack('wasm');
    packNote = `wasm + pack (${report.registered.length} kernels; addon ${report.native.active ? 'active' : `inactive: ${report.native.reason}`})`;
  }
  // The spec modules are listed by run.ts in a virtual module of the bundle.
  require('tfjs-ops-specs');
  const outcomes: SpecOutcome[] = [];
  env.addReporter({
    specDone(r) {
      outcomes.push({ name: r.fullName, status: r.status, message: r.failedExpectations[0]?.message.split('\n')[0] ?? '' });
    },
  });
  await env.execute();
  const tmp = `${resultsFile}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ config: packNote, outcomes }));
  fs.renameSync(tmp, resultsFile);
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`tfjs-ops entry: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(2);
});

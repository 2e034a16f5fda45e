import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { envFlag, envInteger, envValue, MAX_NATIVE_THREADS } from '../util/env';
import { silenceCpuBackendBanner } from './tfjsInternals';

/** Backends in order of preference. 'tensorflow' is tfjs-node's (and tfjs-node-gpu's) name. */
export type BackendChoice = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendChoice[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

/** What the kernel pack (lib/src/backend/kernels) reports when it registers its kernels. */
export interface KernelPackSummary {
  backend: string;
  registered: string[];
  native: { active: boolean; reason: string; threads: number };
  /** The pack's patches of tfjs layers and optimizers: on, or off with the reason (e.g. a tfjs internal it needs is missing). */
  hooks: { hook: string; on: boolean; reason: string }[];
  /** tfjs internals of the backend's tensor memory that are missing; any one keeps the whole pack off. */
  internalsMissing: string[];
}

export interface BackendReport {
  /** The choice that is active, e.g. 'wasm'. */
  choice: BackendChoice;
  /** tfjs's own name of the active backend, e.g. 'wasm' or 'tensorflow'. */
  tfBackend: string;
  /** Why this one: forced by NETSTATS_BACKEND, or the first that loaded. */
  reason: string;
  /** Every better choice that was skipped, with the reason. */
  skipped: { choice: BackendChoice; reason: string }[];
  /** Present when our kernel pack was registered on the active backend. */
  kernelPack?: KernelPackSummary;
}

interface KernelPackModule {
  registerKernelPack(backendName: 'wasm' | 'cpu'): KernelPackSummary;
}

function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}

function loadNativeTfjs(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): void {
  let manifest: { name?: string };
  try {
    manifest = require(`${pkg}/package.json`) as { name?: string };
  } catch {
    throw new Error(`${pkg} is not installed (it needs libtensorflow, downloaded by its install script)`);
  }
  // danfojs-node's overrides alias @tensorflow/tfjs-node to plain tfjs: that is not the native backend.
  if (manifest.name !== pkg) throw new Error(`${pkg} is an alias of ${manifest.name ?? 'another package'}, not the native binding`);
  require(pkg);
  if (tf.findBackend('tensorflow') === null) throw new Error(`${pkg} loaded but registered no 'tensorflow' backend for this tfjs copy`);
}

function wasmDistDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
}

async function activate(choice: BackendChoice): Promise<string> {
  switch (choice) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      loadNativeTfjs(choice === 'tfjs-node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tf.setBackend("tensorflow") failed');
      return 'tensorflow';
    case 'wasm': {
      const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
      wasm.setWasmPaths(wasmDistDir() + path.sep);
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
      return 'wasm';
    }
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new Error('tf.setBackend("cpu") failed');
      return 'cpu';
  }
}

function loadKernelPack(): KernelPackModule | { error: string } {
  try {
    return require('./kernels/register') as KernelPackModule;
  } catch (err) {
    return { error: errorText(err) };
  }
}

let lastReport: BackendReport | null = null;

/** The report of the last selectBackend() call, or null if none was made. */
export function backendReport(): BackendReport | null {
  return lastReport;
}

/**
 * Selects the compute backend: tfjs-node-gpu, then tfjs-node, then wasm (with our kernel pack), then cpu.
 * `NETSTATS_BACKEND` (or options.force) forces one; a forced backend that fails to load is an error.
 * Idempotent: a second call with the same choice returns the first report (`reselect` forces a new selection).
 */
export async function selectBackend(
  options: { force?: BackendChoice | string; kernelPack?: boolean; reselect?: boolean } = {},
): Promise<BackendReport> {
  const forced = options.force ?? envValue('NETSTATS_BACKEND');
  // The addon's settings are read while a backend is tried, where a failure means "try the next one": check them
  // here so that a bad value stops the run instead of silently changing backend.
  envInteger('NETSTATS_THREADS', 1, MAX_NATIVE_THREADS);
  envFlag('NETSTATS_NATIVE');
  envFlag('NETSTATS_ONEDNN');
  if (forced !== undefined && forced !== '' && !(BACKEND_ORDER as readonly string[]).includes(forced)) {
    throw new Error(`NETSTATS_BACKEND must be one of ${BACKEND_ORDER.join(', ')}; got '${forced}'`);
  }
  if (lastReport && !options.reselect && (!forced || lastReport.choice === forced)) return lastReport;
  silenceCpuBackendBanner();
  const candidates = forced ? [forced as BackendChoice] : BACKEND_ORDER;
  const skipped: BackendReport['skipped'] = [];
  for (const choice of candidates) {
    try {
      const tfBackend = await activate(choice);
      await tf.ready();
      const report: BackendReport = {
        choice,
        tfBackend,
        reason: forced ? `forced by NETSTATS_BACKEND=${forced}` : skipped.length === 0 ? 'first choice' : 'first that loaded',
        skipped,
      };
      if ((choice === 'wasm' || choice === 'cpu') && options.kernelPack !== false) {
        const pack = loadKernelPack();
        if ('registerKernelPack' in pack) report.kernelPack = pack.registerKernelPack(choice);
        else report.reason += ` (kernel pack unavailable: ${pack.error})`;
      }
      lastReport = report;
      return report;
    } catch (err) {
      if (forced) throw new Error(`NETSTATS_BACKEND=${forced} could not be activated: ${errorText(err)}`);
      skipped.push({ choice, reason: errorText(err) });
    }
  }
  throw new Error(`no tfjs backend could be activated: ${skipped.map((s) => `${s.choice}: ${s.reason}`).join('; ')}`);
}

/** One paragraph for logs and the setup notebook. */
export function describeBackend(report: BackendReport): string {
  const lines = [`backend: ${report.choice} (tfjs '${report.tfBackend}'), ${report.reason}`];
  for (const s of report.skipped) lines.push(`  skipped ${s.choice}: ${s.reason}`);
  if (report.kernelPack) {
    const k = report.kernelPack;
    lines.push(k.internalsMissing.length > 0
      ? `  kernel pack: off on ${k.backend}, tfjs internals missing: ${k.internalsMissing.join('; ')}`
      : `  kernel pack: ${k.registered.length} kernels on ${k.backend}`);
    const on = k.hooks.filter((h) => h.on).map((h) => h.hook);
    if (k.internalsMissing.length === 0) lines.push(`  hooks on: ${on.length > 0 ? on.join(', ') : 'none'}`);
    for (const h of k.hooks) if (!h.on && k.internalsMissing.length === 0) lines.push(`  hook ${h.hook} off: ${h.reason}`);
    lines.push(`  native addon: ${k.native.active ? `active, ${k.native.threads} threads` : 'inactive'} (${k.native.reason})`);
  }
  return lines.join('\n');
}

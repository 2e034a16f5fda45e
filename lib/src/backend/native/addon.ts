// Loads the optional N-API addon (lib/native, built by scripts/build-native.sh). Everything works
// without it; `nativeStatus()` says whether it is active and why not.
import * as os from 'os';
import * as path from 'path';

/** Convolution geometry, 15 int32 entries: B,H,W,C, OH,OW,CO, KH,KW, SH,SW, DH,DW, padTop,padLeft. */
export type ConvGeometry = Int32Array;

export interface NativeKernels {
  /** y[B,OH,OW,CO] = conv(x[B,H,W,C], w[KH,KW,C,CO]). */
  conv2d(x: Float32Array, w: Float32Array, y: Float32Array, g: ConvGeometry): void;
  /** dx[B,H,W,C] from dy[B,OH,OW,CO] and w. */
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, g: ConvGeometry): void;
  /** dw[KH,KW,C,CO] from x and dy. */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, g: ConvGeometry): void;
  /** dx: dy routed to the first maximum of each window of x (geometry CO == C). */
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, g: ConvGeometry): void;
  /** c[i] = op(a[i]) op(b[i]) for i < batch; a stride of 0 broadcasts that operand. */
  batchMatMul(a: Float32Array, b: Float32Array, c: Float32Array, batch: number, m: number, n: number, k: number,
    transposeA: number, transposeB: number, strideA: number, strideB: number): void;
  sgemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transposeA: number, transposeB: number): void;
  setThreads(n: number): void;
  info(): { threads: number; blas: string };
}

export interface NativeStatus {
  active: boolean;
  reason: string;
  threads: number;
  kernels: NativeKernels | null;
}

export const nativeAddonPath = path.resolve(__dirname, '../../../native/build/Release/netstats_native.node');

let cached: NativeStatus | null = null;

function defaultThreads(): number {
  const fromEnv = Number(process.env.NETSTATS_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Loads the addon once; NETSTATS_NATIVE=0 disables it, NETSTATS_THREADS sets its thread count. */
export function nativeStatus(): NativeStatus {
  if (cached !== null) return cached;
  if (process.env.NETSTATS_NATIVE === '0') {
    cached = { active: false, reason: 'disabled by NETSTATS_NATIVE=0', threads: 1, kernels: null };
    return cached;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded: unknown = require(nativeAddonPath);
    const kernels = loaded as NativeKernels;
    if (typeof kernels.conv2d !== 'function' || typeof kernels.batchMatMul !== 'function') {
      throw new Error('addon is missing expected functions (stale build? run npm run build:native)');
    }
    const threads = defaultThreads();
    kernels.setThreads(threads);
    const info = kernels.info();
    cached = { active: true, reason: `native addon loaded (${info.blas}), ${info.threads} threads`, threads: info.threads, kernels };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    cached = { active: false, reason: `native addon unavailable: ${message} (build it with npm run build:native)`, threads: 1, kernels: null };
  }
  return cached;
}

let enabled = true;

/** The addon's kernels when loaded and enabled, else null (kernels then take their wasm/JS path). */
export function nativeKernels(): NativeKernels | null {
  return enabled ? nativeStatus().kernels : null;
}

/** Switches the native path off/on at run time (tests compare both paths in one process). */
export function setNativeKernelsEnabled(on: boolean): void {
  enabled = on;
}

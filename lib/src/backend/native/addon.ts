// Loads the optional N-API addon (lib/native, built by scripts/build-native.sh). Everything works
// without it; `nativeStatus()` says whether it is active and why not.
import * as os from 'os';
import * as path from 'path';
import { envFlag, envInteger, MAX_NATIVE_THREADS } from '../../util/env';

/** Convolution geometry, 15 int32 entries: B,H,W,C, OH,OW,CO, KH,KW, SH,SW, DH,DW, padTop,padLeft. */
export type ConvGeometry = Int32Array;

export interface NativeKernels {
  /** y[B,OH,OW,CO] = conv(x[B,H,W,C], w[KH,KW,C,CO]) (+ bias[CO]) (then ReLU when relu is 1). */
  conv2d(x: Float32Array, w: Float32Array, y: Float32Array, g: ConvGeometry, bias: Float32Array | null, relu: number): void;
  /** dx[B,H,W,C] from dy[B,OH,OW,CO] and w. */
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, g: ConvGeometry): void;
  /** dw[KH,KW,C,CO] from x and dy. */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, g: ConvGeometry): void;
  /** y: the maximum of each window of x, as tfjs cpu (geometry CO == C). */
  maxPool(x: Float32Array, y: Float32Array, g: ConvGeometry): void;
  /** dx: dy routed to the first maximum of each window of x (geometry CO == C). */
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, g: ConvGeometry): void;
  /** c[i] = op(a[i]) op(b[i]) for i < batch; a stride of 0 broadcasts that operand. */
  batchMatMul(a: Float32Array, b: Float32Array, c: Float32Array, batch: number, m: number, n: number, k: number,
    transposeA: number, transposeB: number, strideA: number, strideB: number): void;
  sgemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transposeA: number, transposeB: number): void;
  /** Batch norm in training mode over x[rows, channels]: batch mean/variance (biased) and y. */
  batchNormTrain(x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, y: Float32Array, mean: Float32Array,
    variance: Float32Array, rows: number, channels: number, epsilon: number): void;
  /** Gradient of batchNormTrain with respect to x, gamma and beta. */
  batchNormTrainGrad(x: Float32Array, dy: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array | null,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, rows: number, channels: number, epsilon: number): void;
  /** out[c] = sum over r of x[r, c]. */
  columnSums(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** out[i] = a[i % na] op b[i % nb] (na, nb divide n); op 0 add, 1 sub, 2 mul, 3 dy * step(x) (a = dy, b = x). */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, na: number, nb: number, n: number): void;
  /** dz = relu ? dy * step(y) : dy (tfjs's ReLU gradient, y = relu(x)); db[c] = sum over rows of dz[r, c]. */
  biasActGrad(dy: Float32Array, y: Float32Array, dz: Float32Array, db: Float32Array, rows: number, cols: number, relu: number): void;
  /** In place: y[r, c] = act(y[r, c] + bias[c]), act ReLU when relu is 1 (NaN stays NaN), else the identity. */
  biasAct(y: Float32Array, bias: Float32Array | null, rows: number, cols: number, relu: number): void;
  /** out[i] = max(x[i], 0) (NaN stays NaN). */
  relu(x: Float32Array, out: Float32Array, n: number): void;
  /** out[i] = x[i] < 0 ? alpha * x[i] : x[i] (alpha rounded to float32; NaN stays NaN). */
  leakyRelu(x: Float32Array, out: Float32Array, n: number, alpha: number): void;
  /** dx[i] = x[i] > 0 ? dy[i] : dy[i] * alpha (tfjs's LeakyRelu gradient). */
  leakyReluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, n: number, alpha: number): void;
  /** y[r, c] = (x[r, c] - mean[c]) * inv[c] + offset[c] (batch norm in inference mode, inv = scale / sqrt(variance + eps)). */
  channelAffine(x: Float32Array, mean: Float32Array, inv: Float32Array, offset: Float32Array, y: Float32Array, rows: number, cols: number): void;
  /** SGD (PyTorch formulas, float32 op by op) over one parameter; buf null: first step; outBuf null: no momentum. */
  sgdUpdate(p: Float32Array, g: Float32Array, buf: Float32Array | null, mask: Float32Array | null, outP: Float32Array,
    outBuf: Float32Array | null, lr: number, momentum: number, oneMinusDampening: number, nesterov: number, weightDecay: number): void;
  /** Adam (PyTorch formulas, float32 op by op) over one parameter. */
  adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, mask: Float32Array | null, outP: Float32Array,
    outM: Float32Array, outV: Float32Array, lrOverBc1: number, beta1: number, oneMinusBeta1: number, beta2: number,
    oneMinusBeta2: number, sqrtBc2: number, eps: number, weightDecay: number): void;
  /**
   * probs = softmax(logits[n, c]) by rows; loss[0] = mean cross-entropy against labels[n] (row sums in float64);
   * correct[0] = rows whose first arg-max is the label. Returns -1, or the first row whose label is outside 0..c-1.
   */
  softmaxXent(logits: Float32Array, labels: Int32Array, probs: Float32Array, loss: Float32Array, correct: Float32Array,
    n: number, c: number): number;
  /** dlogits = scale * (probs - onehot(labels)); returns -1, or the first row whose label is outside 0..c-1. */
  softmaxXentGrad(probs: Float32Array, labels: Int32Array, dlogits: Float32Array, scale: number, n: number, c: number): number;
  setThreads(n: number): void;
  info(): { threads: number; blas: string };
  /** Which path the convolutions take: oneDNN (when the addon was built with it) or the addon's own C kernels. */
  onednn(): OnednnStatus;
  /** Switches the oneDNN convolutions on (1) or off (0, the C kernels run) and resets onednn()'s call counts. */
  setOnednn(on: number): void;
}

/** The convolutions' path: oneDNN's version (null when the addon was built without it), the implementations it
 * chose for the latest forward / input-gradient / filter-gradient calls, and the calls since the last reset that
 * it computed or left to the C kernels, in that order of kinds. */
export interface OnednnStatus {
  version: string | null;
  enabled: boolean;
  forward: string | null;
  backwardData: string | null;
  backwardWeights: string | null;
  computed: [number, number, number];
  fellBack: [number, number, number];
  /** Calls whose oneDNN kernel wrote past its scratchpad (caught by a guard band; the C kernels redid them). */
  scratchpadOverruns: number;
}

/** One line for reports: which path ran the convolutions (and how many calls fell back to the C kernels). */
export function describeConvPath(s: OnednnStatus): string {
  if (s.version === null) return 'convolutions: C kernels (addon built without oneDNN; apt-get install libdnnl-dev, then npm run build:native)';
  if (!s.enabled) return `convolutions: C kernels (oneDNN ${s.version} switched off by NETSTATS_ONEDNN=0)`;
  const impls = `forward ${s.forward ?? '-'}, input grad ${s.backwardData ?? '-'}, filter grad ${s.backwardWeights ?? '-'}`;
  const fell = s.fellBack.reduce((a, b) => a + b, 0), done = s.computed.reduce((a, b) => a + b, 0);
  const overruns = s.scratchpadOverruns > 0 ? ` (${s.scratchpadOverruns} after overrunning oneDNN's scratchpad)` : '';
  return `convolutions: oneDNN ${s.version} (${impls}); ${done} calls in oneDNN, ${fell} fell back to the C kernels${overruns}`;
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
  const fromEnv = envInteger('NETSTATS_THREADS', 1, MAX_NATIVE_THREADS);
  if (fromEnv !== undefined) return fromEnv;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Debian's oneDNN runs on OpenMP (libgomp), whose idle threads keep spinning for 300,000 pause instructions
 * (milliseconds) after each parallel region before they sleep. Between two oneDNN convolutions the addon's own thread
 * pool runs the other kernels, and a spinning OpenMP thread then takes a core from it; a spin about as long as the
 * pool's own (~20,000 pauses) avoids that. libgomp reads the setting once, when the addon loads it; a user's own
 * GOMP_SPINCOUNT or OMP_WAIT_POLICY wins.
 */
function limitOpenMpSpinning(): void {
  if (process.env.GOMP_SPINCOUNT === undefined && process.env.OMP_WAIT_POLICY === undefined) process.env.GOMP_SPINCOUNT = '20000';
}

/** Loads the addon once; NETSTATS_NATIVE=0 disables it, NETSTATS_ONEDNN=0 its oneDNN convolutions, NETSTATS_THREADS sets its thread count. */
export function nativeStatus(): NativeStatus {
  if (cached !== null) return cached;
  // Read both settings before loading: a bad value is an error, not a silent fallback to the JS kernels.
  const threads = defaultThreads();
  const onednn = envFlag('NETSTATS_ONEDNN');
  if (envFlag('NETSTATS_NATIVE') === false) {
    cached = { active: false, reason: 'disabled by NETSTATS_NATIVE=0', threads: 1, kernels: null };
    return cached;
  }
  try {
    limitOpenMpSpinning();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded: unknown = require(nativeAddonPath);
    const kernels = loaded as NativeKernels;
    if (typeof kernels.conv2d !== 'function' || typeof kernels.batchNormTrain !== 'function' || typeof kernels.columnSums !== 'function' ||
      typeof kernels.binary !== 'function' || typeof kernels.sgdUpdate !== 'function' ||
      typeof kernels.maxPool !== 'function' || typeof kernels.softmaxXent !== 'function' || typeof kernels.onednn !== 'function') {
      throw new Error('addon is missing expected functions (stale build? run npm run build:native)');
    }
    kernels.setThreads(threads);
    if (onednn === false) kernels.setOnednn(0);
    const info = kernels.info();
    const dnnl = kernels.onednn();
    const convPath = dnnl.version === null ? 'C convolutions' : `oneDNN ${dnnl.version} convolutions${dnnl.enabled ? '' : ' off (NETSTATS_ONEDNN=0)'}`;
    cached = { active: true, reason: `native addon loaded (${info.blas}; ${convPath}), ${info.threads} threads`, threads: info.threads, kernels };
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

// npm run bench [-- --torch] [--json] [--profile] [--models lenet5,mlp512,...] [--steps N] [--warmup N] [--warmup-s S]
//                 [--repeats N] [--backend wasm|cpu] [--threads N] [--torch-threads N]
// Training throughput of fixed benchmark models on this CPU (our backend + kernel pack), optionally
// side by side with PyTorch (scripts/bench_torch.py, same models, same thread count; each timed repeat of
// ours is followed by one of PyTorch, so both see the same machine load), plus peak RSS
// and GEMM GFLOP/s against the CPU's fp32 peak (backend/cpuPeak.ts, formula printed). The models are the library's
// (lib/src/models, the ones the notebooks train) at fixed shapes; scripts/bench_torch.py mirrors them.
// Every model first trains for a warm-up of at least --warmup steps and --warmup-s seconds, on both sides: V8
// keeps compiling tfjs's code during a process's first ~2000 training steps (an MLP-512 step takes ~2x longer at
// first), while training runs last minutes.
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import { createInterface } from 'readline';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/select';
import { describeConvPath, nativeStatus, type OnednnStatus } from '../backend/native/addon';
import { formatKernelProfile, profileKernels } from '../backend/kernels/profile';
import { cpuPeak } from '../backend/cpuPeak';
import { lenet5 as lenet5Model, mlp as mlpModel, resnet18, vggSmall as vggModel } from '../models';
import { softmaxCrossEntropy } from '../train/evaluate';


export interface BenchModel {
  name: string;
  inputShape: number[];
  batch: number;
  /** Lock-step replicas trained as one program (1 = an ordinary model). */
  replicas: number;
  /** Builds the model; returns the trainable variables and a forward function (training mode). */
  build(): { variables: tf.Variable[]; forward: (x: tf.Tensor) => tf.Tensor; dispose(): void };
}

function layersModel(make: () => tf.LayersModel): BenchModel['build'] {
  return () => {
    const model = make();
    return {
      variables: model.trainableWeights.map((w) => w.read() as tf.Variable),
      forward: (x) => model.apply(x, { training: true }) as tf.Tensor,
      dispose: () => model.dispose(),
    };
  };
}

// The models the notebooks train (lib/src/models), at the bench's fixed shapes; scripts/bench_torch.py mirrors them.
// Their ReLUs are separate Activation layers (probe targets); the kernel pack's layer hooks fuse a Dense/Conv2D
// with the ReLU right after it when nothing else reads the pre-activation (backend/kernels/layerHooks.ts).
const BENCH_SEED = 1;

/** LeNet-5, 'classic' 28×28×1 variant: conv6 k5 same, ReLU, pool, conv16 k5, ReLU, pool, fc 120-84-10. */
export function lenet5(): tf.LayersModel {
  return lenet5Model({ variant: 'classic', channels: 1, seed: BENCH_SEED });
}

/** MLP 784-width-10 with a ReLU. */
export function mlp(width: number): tf.LayersModel {
  return mlpModel({ hidden: width, seed: BENCH_SEED });
}

/** conv32-conv32-pool, conv64-conv64-pool, conv128-pool, dense128, dense10; 3x3 same convs with bias, ReLU, no BN. */
export function vggSmall(): tf.LayersModel {
  return vggModel({ stages: [2, 2, 1], width: 32, batchNorm: false, classifierHidden: [128], seed: BENCH_SEED });
}

/** ResNet-8: stem conv16-BN-ReLU, one basic block per stage (16, 32/2, 64/2; 1x1 conv+BN projection when
 * downsampling), GAP, dense10; BN with PyTorch's defaults. */
export function resnetSmall(): tf.LayersModel {
  return resnet18({ blocksPerStage: [1, 1, 1], width: 16, seed: BENCH_SEED });
}

/** R replicas of MLP 784-w-10 as one program: stacked weights [R, ...], batched matmul. */
function mlpReplicas(replicas: number, width: number): BenchModel['build'] {
  return () => {
    const glorot = (fanIn: number, fanOut: number, shape: number[]) =>
      tf.variable(tf.randomUniform(shape, -Math.sqrt(6 / (fanIn + fanOut)), Math.sqrt(6 / (fanIn + fanOut))));
    const w1 = glorot(784, width, [replicas, 784, width]), b1 = tf.variable(tf.zeros([replicas, 1, width]));
    const w2 = glorot(width, 10, [replicas, width, 10]), b2 = tf.variable(tf.zeros([replicas, 1, 10]));
    return {
      variables: [w1, b1, w2, b2],
      // x: [R, batch, 784] -> logits [R * batch, 10]
      forward: (x) => tf.reshape(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2), [-1, 10]),
      dispose: () => tf.dispose([w1, b1, w2, b2]),
    };
  };
}

export const BENCH_MODELS: readonly BenchModel[] = [
  { name: 'lenet5', inputShape: [28, 28, 1], batch: 64, replicas: 1, build: layersModel(lenet5) },
  { name: 'mlp512', inputShape: [784], batch: 128, replicas: 1, build: layersModel(() => mlp(512)) },
  { name: 'vgg_small', inputShape: [32, 32, 3], batch: 64, replicas: 1, build: layersModel(vggSmall) },
  { name: 'resnet_small', inputShape: [32, 32, 3], batch: 64, replicas: 1, build: layersModel(resnetSmall) },
  { name: 'mlp16', inputShape: [784], batch: 128, replicas: 1, build: layersModel(() => mlp(16)) },
  { name: 'mlp256', inputShape: [784], batch: 128, replicas: 1, build: layersModel(() => mlp(256)) },
  { name: 'mlp4096', inputShape: [784], batch: 128, replicas: 1, build: layersModel(() => mlp(4096)) },
  { name: 'mlp256_x11_lockstep', inputShape: [784], batch: 128, replicas: 11, build: mlpReplicas(11, 256) },
];

interface Options {
  torch: boolean; json: boolean; models: string[]; steps: number | null; warmup: number; warmupSeconds: number; repeats: number;
  backend: string; threads: number; torchThreads: number | null; profile: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    torch: false, json: false, models: BENCH_MODELS.map((m) => m.name), steps: null, warmup: 3, warmupSeconds: 8, repeats: 5,
    backend: process.env.NETSTATS_BACKEND ?? 'wasm', threads: nativeStatus().threads, torchThreads: null, profile: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${a} needs a value`);
      return v;
    };
    const count = (): number => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) throw new Error(`bench: ${a} needs a non-negative integer`);
      return v;
    };
    if (a === '--torch') o.torch = true;
    else if (a === '--json') o.json = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--models') o.models = value().split(',').filter((s) => s !== '');
    else if (a === '--steps') o.steps = count();
    else if (a === '--warmup') o.warmup = count();
    else if (a === '--warmup-s') {
      const v = Number(value());
      if (!(v >= 0 && Number.isFinite(v))) throw new Error(`bench: ${a} needs a non-negative number of seconds`);
      o.warmupSeconds = v;
    }
    else if (a === '--repeats') o.repeats = Math.max(1, count());
    else if (a === '--backend') o.backend = value();
    else if (a === '--threads') o.threads = Math.max(1, count());
    else if (a === '--torch-threads') o.torchThreads = Math.max(1, count());
    else throw new Error(`bench: unknown flag '${a}' (see the header of lib/src/cli/bench.ts)`);
  }
  const known = new Set(BENCH_MODELS.map((m) => m.name));
  for (const m of o.models) if (!known.has(m)) throw new Error(`bench: unknown model '${m}'; known: ${[...known].join(', ')}`);
  return o;
}

/** Steps per timed repeat: about half a second for every model (shorter repeats mostly time the cold start after
 * the other side's repeat: sleeping worker threads, caches that held the other process's data). */
function defaultSteps(model: BenchModel): number {
  if (model.name === 'vgg_small' || model.name === 'resnet_small') return 8;
  if (model.name === 'mlp4096' || model.replicas > 1) return 25;
  if (model.name === 'lenet5') return 100;
  return 250;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** One training step of a bench model (SGD momentum 0.9, softmax cross-entropy) on random data kept in JS memory. */
export function benchTrainer(model: BenchModel): { step(): void; sync(): void; dispose(): void; samplesPerStep: number } {
  const built = model.build();
  const optimizer = tf.train.momentum(0.01, 0.9);
  const perStep = model.batch * model.replicas;
  const inputSize = model.inputShape.reduce((a, b) => a * b, 1);
  // Data stays in JS memory and becomes a tensor one batch at a time (as the notebooks do).
  const batches = 4;
  const xs: Float32Array[] = [], ys: Int32Array[] = [];
  for (let b = 0; b < batches; b++) {
    const x = new Float32Array(perStep * inputSize);
    for (let i = 0; i < x.length; i++) x[i] = Math.random();
    xs.push(x);
    ys.push(Int32Array.from({ length: perStep }, () => Math.floor(Math.random() * 10)));
  }
  const xShape = model.replicas > 1 ? [model.replicas, model.batch, ...model.inputShape] : [model.batch, ...model.inputShape];
  let i = 0;
  return {
    samplesPerStep: perStep,
    step: () => {
      const b = i++ % batches;
      tf.tidy(() => {
        const x = tf.tensor(xs[b], xShape);
        const y = tf.tensor1d(ys[b], 'int32');
        // The project's loss (lib/src/train/evaluate.ts: one fused kernel with the pack), integer labels as torch's.
        optimizer.minimize(() => softmaxCrossEntropy(built.forward(x), y), false, built.variables);
      });
    },
    // A read forces any pending work before the clock stops.
    sync: () => { tf.tidy(() => built.variables[0].sum().dataSync()); },
    dispose: () => { optimizer.dispose(); built.dispose(); },
  };
}

type BenchTrainer = ReturnType<typeof benchTrainer>;

/** Which path ran a model's convolutions since `before` (a snapshot of the addon's counters): 'oneDNN <version>
 * (<forward> / <input grad> / <filter grad> implementations)', 'C kernels', 'mixed: ...', or null without the addon
 * or without convolutions. */
export function convPathSince(before: OnednnStatus | null, after: OnednnStatus | null): string | null {
  if (before === null || after === null) return null;
  const computed = after.computed.reduce((a, b) => a + b, 0) - before.computed.reduce((a, b) => a + b, 0);
  const fellBack = after.fellBack.reduce((a, b) => a + b, 0) - before.fellBack.reduce((a, b) => a + b, 0);
  if (computed === 0 && fellBack === 0) return null;
  const dnnl = `oneDNN ${after.version ?? '?'} (${after.forward ?? '-'} / ${after.backwardData ?? '-'} / ${after.backwardWeights ?? '-'})`;
  if (fellBack === 0) return dnnl;
  return computed === 0 ? 'C kernels' : `mixed: ${computed} calls ${dnnl}, ${fellBack} C kernels`;
}

/** Trains at least `steps` steps and for at least `seconds` (the JIT's warm-up). */
export function warmUp(trainer: BenchTrainer, steps: number, seconds: number): void {
  const t0 = performance.now();
  for (let done = 0; done < steps || performance.now() - t0 < seconds * 1000; done++) trainer.step();
  trainer.sync();
}

/** Samples per second of one timed repeat of `steps` steps. */
function timedRate(trainer: BenchTrainer, steps: number): number {
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) trainer.step();
  trainer.sync();
  return (trainer.samplesPerStep * steps) / ((performance.now() - t0) / 1000);
}

/** Per-kernel time of `steps` training steps after a warm-up (`warmup` steps, `warmupSeconds`), printed per step. */
export function profileTrain(model: BenchModel, backendName: string, steps: number, warmup: number, warmupSeconds = 0): string {
  const trainer = benchTrainer(model);
  warmUp(trainer, warmup, warmupSeconds);
  const p = profileKernels(backendName, () => {
    for (let s = 0; s < steps; s++) trainer.step();
    trainer.sync();
  });
  trainer.dispose();
  return formatKernelProfile(p, steps);
}

/** GFLOP/s of one 1024^3 fp32 GEMM: the backend's tf.matMul, and the native addon's sgemm when loaded. */
export function gemmGflops(): { backend: number; native: number | null } {
  const n = 1024, flop = 2 * n * n * n, reps = 5;
  const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
  tf.matMul(a, b).dispose();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  const backend = flop / (median(times) / 1000) / 1e9;
  const native = nativeStatus().kernels;
  if (native === null) return { backend, native: null };
  const av = new Float32Array(n * n).fill(0.5), bv = new Float32Array(n * n).fill(0.25), cv = new Float32Array(n * n);
  native.sgemm(av, bv, cv, n, n, n, 0, 0);
  const nt: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    native.sgemm(av, bv, cv, n, n, n, 0, 0);
    nt.push(performance.now() - t0);
  }
  return { backend, native: flop / (median(nt) / 1000) / 1e9 };
}

/** scripts/bench_torch.py in serve mode: one timed repeat per request, so repeats interleave with ours. */
export class TorchReference {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private closed = false;
  private stderr = '';

  private constructor(python: string, script: string, threads: number, blasThreads: number) {
    this.child = spawn(python, [script, '--serve', '--threads', String(threads), '--blas-threads', String(blasThreads)], { stdio: 'pipe' });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (this.waiting) { const w = this.waiting; this.waiting = null; w(line); } else this.lines.push(line);
    });
    this.child.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-2000); });
    const end = () => { this.closed = true; if (this.waiting) { const w = this.waiting; this.waiting = null; w(null); } };
    this.child.on('exit', end);
    this.child.on('error', (err) => { this.stderr += String(err.message); end(); });
  }

  private next(): Promise<string | null> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => { this.waiting = resolve; });
  }

  private failure(what: string): string {
    return `${what}: ${this.stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`;
  }

  /** Starts the reference; `reason` says why it is unavailable (no python, no torch). */
  static async start(threads: number, blasThreads: number): Promise<{ torch: TorchReference | null; reason: string }> {
    const script = path.resolve(__dirname, '../../../scripts/bench_torch.py');
    const python = process.env.NETSTATS_PYTHON ?? '/usr/bin/python3';
    const torch = new TorchReference(python, script, threads, blasThreads);
    const first = await torch.next();
    if (first === null) return { torch: null, reason: torch.failure(`could not run ${python} ${script}`) };
    try {
      const hello = JSON.parse(first) as { available: boolean; reason: string };
      if (!hello.available) { torch.close(); return { torch: null, reason: hello.reason }; }
      return { torch, reason: hello.reason };
    } catch {
      torch.close();
      return { torch: null, reason: torch.failure(`bench_torch.py answered '${first.slice(0, 200)}'`) };
    }
  }

  /** Samples per second of one timed repeat (warm-up, `warmup` steps and `warmupSeconds`, on the model's first request). */
  async rate(model: string, steps: number, warmup: number, warmupSeconds: number): Promise<number> {
    this.child.stdin.write(JSON.stringify({ model, steps, warmup, warmup_s: warmupSeconds }) + '\n');
    const line = await this.next();
    if (line === null) throw new Error(this.failure('bench_torch.py exited'));
    const reply = JSON.parse(line) as { samples_per_s?: number; error?: string };
    if (reply.samples_per_s === undefined) throw new Error(`bench_torch.py: ${reply.error ?? line}`);
    return reply.samples_per_s;
  }

  close(): void {
    if (!this.closed) this.child.stdin.end();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const report = await selectBackend({ force: o.backend });
  const native = nativeStatus();
  if (native.kernels !== null) native.kernels.setThreads(o.threads);
  const log = (s: string) => { if (!o.json) console.log(s); };
  log(`backend: ${report.choice}; kernel pack: ${report.kernelPack ? report.kernelPack.registered.join(', ') : 'none'}`);
  log(`native: ${native.reason}; threads ${o.threads}; cpus ${os.cpus().length}`);
  const convStatus = (): OnednnStatus | null => native.kernels?.onednn() ?? null;
  log(`warm-up per model: at least ${o.warmup} steps and ${o.warmupSeconds} s (PyTorch too); then ${o.repeats} timed repeats`);
  const models = BENCH_MODELS.filter((m) => o.models.includes(m.name));
  const steps: Record<string, number> = {};
  for (const m of models) steps[m.name] = o.steps ?? defaultSteps(m);
  if (o.profile) {
    for (const m of models) {
      const steps = o.steps ?? 3;
      console.log(`profile ${m.name} (${report.choice}, ${o.threads} threads), ${steps} steps after a warm-up of ` +
        `${o.warmup} steps and ${o.warmupSeconds} s:`);
      const convBefore = convStatus();
      console.log(profileTrain(m, report.tfBackend, steps, o.warmup, o.warmupSeconds));
      const path = convPathSince(convBefore, convStatus());
      if (path !== null) console.log(`  convolutions: ${path}`);
    }
    return;
  }
  // PyTorch's fair reference on N cores is its *best* configuration using at most N cores: Debian's torch runs
  // GEMMs in the system OpenBLAS, whose threads torch.set_num_threads does not limit, and torch N + OpenBLAS N
  // threads oversubscribe the cores (5x slower on MLPs here). So each configuration runs, and the fastest counts.
  const torches: { label: string; ref: TorchReference }[] = [];
  let torchReason = 'not requested (--torch)';
  if (o.torch) {
    const n = o.torchThreads ?? o.threads;
    const configs = n === 1 ? [[1, 1]] : [[n, 1], [1, n], [n, n]];
    for (const [t, b] of configs) {
      const started = await TorchReference.start(t as number, b as number);
      torchReason = started.reason;
      if (started.torch === null) break;
      torches.push({ label: `torch ${t}/blas ${b}`, ref: started.torch });
    }
    if (torches.length < configs.length) { for (const t of torches) t.ref.close(); torches.length = 0; }
  }
  const torch = torches.length > 0;
  // e.g. "torch 1.13.0a0, best of torch 2/blas 1, torch 1/blas 2, torch 2/blas 2" (the version without one config's threads)
  const torchDescription = torch
    ? `${torchReason.replace(/, \d+ threads, OpenBLAS \d+ threads$/, '')}, best of ${torches.map((t) => t.label).join(', ')}`
    : `skipped: ${torchReason}`;
  if (o.torch) log(torch ? `PyTorch reference: ${torchDescription} threads per model (repeats interleaved with ours)` : `torch ${torchDescription}`);
  const ours: Record<string, number> = {}, theirs: Record<string, number> = {};
  const theirsBy: Record<string, Record<string, number>> = {}, theirsBest: Record<string, string> = {};
  // The spread of the back-to-back pairs (our repeat r / torch's best configuration's repeat r): this machine's speed
  // drifts within minutes, and the range shows how far one run's ratio can be trusted.
  const pairRange: Record<string, [number, number]> = {};
  const convPath: Record<string, string | null> = {};
  for (const m of models) {
    const convBefore = convStatus();
    const trainer = benchTrainer(m);
    warmUp(trainer, o.warmup, o.warmupSeconds);
    const rates: number[] = [];
    const torchRates = new Map<string, number[]>(torches.map((t) => [t.label, []]));
    for (let r = 0; r < o.repeats; r++) {
      rates.push(timedRate(trainer, steps[m.name]));
      for (const t of torches) torchRates.get(t.label)?.push(await t.ref.rate(m.name, steps[m.name], o.warmup, o.warmupSeconds));
      // OpenMP and OpenBLAS worker threads spin for a while after their last job (up to ~0.1 s for OpenBLAS's
      // default timeout): let them go to sleep before our next repeat is timed.
      if (torch) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    trainer.dispose();
    convPath[m.name] = convPathSince(convBefore, convStatus());
    ours[m.name] = median(rates);
    if (torch) {
      const by: Record<string, number> = {};
      for (const [label, rs] of torchRates) by[label] = median(rs);
      const [bestLabel, best] = Object.entries(by).reduce((a, b) => (b[1] > a[1] ? b : a));
      theirsBy[m.name] = by;
      theirsBest[m.name] = bestLabel;
      const pairs = rates.map((r, i) => r / (torchRates.get(bestLabel)?.[i] ?? NaN));
      pairRange[m.name] = [Math.min(...pairs), Math.max(...pairs)];
      theirs[m.name] = best;
    }
    log(`${m.name.padEnd(22)} ${report.choice.padEnd(5)} ${ours[m.name].toFixed(0).padStart(8)} samples/s` +
      (torch ? `  torch ${theirs[m.name].toFixed(0).padStart(8)} samples/s  ratio ${(ours[m.name] / theirs[m.name]).toFixed(3)}` +
        ` (pairs ${pairRange[m.name].map((x) => x.toFixed(2)).join('-')})` +
        `  (${Object.entries(theirsBy[m.name] ?? {}).map(([l, v]) => `${l}: ${v.toFixed(0)}`).join(', ')})` : '') +
      (convPath[m.name] === null ? '' : `  conv: ${convPath[m.name]}`));
  }
  for (const t of torches) t.ref.close();
  const gemm = gemmGflops();
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  if (o.json) {
    for (const m of models) {
      const t = theirs[m.name];
      console.log(JSON.stringify({
        model: m.name, backend: report.choice, samples_per_s: Math.round(ours[m.name]),
        torch_samples_per_s: t === undefined ? null : Math.round(t), ratio: t === undefined ? null : Number((ours[m.name] / t).toFixed(3)),
        ratio_pairs_min_max: pairRange[m.name]?.map((x) => Number(x.toFixed(3))) ?? null,
        torch_config: theirsBest[m.name] ?? null, conv_path: convPath[m.name] ?? null,
        torch_by_config: theirsBy[m.name] === undefined ? null : Object.fromEntries(Object.entries(theirsBy[m.name] ?? {}).map(([l, v]) => [l, Math.round(v)])),
      }));
    }
  }
  const peak = cpuPeak(o.threads);
  const summary = {
    peak_rss_mib: Math.round(peakRssMiB), gemm_1024_gflops_backend: Number(gemm.backend.toFixed(1)),
    gemm_1024_gflops_native: gemm.native === null ? null : Number(gemm.native.toFixed(1)), peak_gflops: Math.round(peak.gflops), peak_formula: peak.formula,
    threads: o.threads, torch_threads: o.torchThreads ?? o.threads, native: native.reason, torch: torchDescription,
    conv_path: (() => { const s = convStatus(); return s === null ? 'no native addon: tfjs/JS convolutions' : describeConvPath(s); })(),
    load_average_1m: Number(os.loadavg()[0].toFixed(2)), repeats: o.repeats, warmup_steps: o.warmup, warmup_s: o.warmupSeconds,
  };
  if (o.json) console.log(JSON.stringify(summary));
  else {
    log(`peak RSS ${summary.peak_rss_mib} MiB; load average (1 min) ${summary.load_average_1m}`);
    log(summary.conv_path);
    log(`fp32 peak: ${peak.formula}`);
    log(`GEMM 1024^3: backend tf.matMul ${summary.gemm_1024_gflops_backend} GFLOP/s (${(100 * gemm.backend / peak.gflops).toFixed(0)}% of peak)` +
      (gemm.native === null ? '; native addon not loaded' : `; native sgemm ${summary.gemm_1024_gflops_native} GFLOP/s (${(100 * gemm.native / peak.gflops).toFixed(0)}% of peak)`));
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}

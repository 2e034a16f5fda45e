// Fused optimiser updates: one kernel call updates every parameter of a model (SGD with momentum,
// dampening, Nesterov and weight decay, or Adam; PyTorch formulas, as lib/src/train/optimizers.ts
// writes them with ~5-10 tfjs ops per parameter). Values equal that op-by-op float32 computation bit
// for bit (same operation order, float32 rounding after each operation, update masks included).
// `fusedSgdUpdate` / `fusedAdamUpdate` return NEW tensors (the caller assigns them to its variables
// and disposes nothing else); on a backend without the pack they run the same formulas as tfjs ops.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import type { KernelIO } from './io';
import { input, type PackKernel } from './types';

export const SGD_UPDATE = 'NetstatsSgdUpdate';
export const ADAM_UPDATE = 'NetstatsAdamUpdate';

/**
 * inPlace: the caller replaces each parameter (and buffer) by its result right away, so where nothing else shares a
 * tensor's memory the kernel writes the result into it and returns it (no allocation, no copy).
 */
export interface FusedSgdOptions { lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number; inPlace?: boolean }
export interface FusedAdamOptions { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; /** 1-based step count */ step: number; inPlace?: boolean }

export interface SgdEntry {
  param: tf.Tensor; grad: tf.Tensor;
  /** Momentum buffer; null on the first step (PyTorch: it starts as the gradient). Ignored without momentum. */
  buffer: tf.Tensor | null;
  /** Where the mask is 0 the parameter and its buffer keep their old values. */
  mask?: tf.Tensor;
}
export interface AdamEntry { param: tf.Tensor; grad: tf.Tensor; m: tf.Tensor; v: tf.Tensor; mask?: tf.Tensor }

const f = Math.fround;

function sgdScalars(o: FusedSgdOptions) {
  return { lr: f(o.lr), momentum: f(o.momentum ?? 0), oneMinusDampening: f(1 - (o.dampening ?? 0)), nesterov: o.nesterov === true, wd: f(o.weightDecay ?? 0) };
}

function adamScalars(o: FusedAdamOptions) {
  const beta1 = o.beta1 ?? 0.9, beta2 = o.beta2 ?? 0.999;
  const bc1 = 1 - beta1 ** o.step, bc2 = 1 - beta2 ** o.step;
  return {
    lrOverBc1: f(o.lr / bc1), beta1: f(beta1), oneMinusBeta1: f(1 - beta1), beta2: f(beta2), oneMinusBeta2: f(1 - beta2),
    sqrtBc2: f(Math.sqrt(bc2)), eps: f(o.eps ?? 1e-8), wd: f(o.weightDecay ?? 0),
  };
}

/** JS path of one SGD parameter (float32 after every operation, as the native code). */
function sgdJs(p: Float32Array, g: Float32Array, buf: Float32Array | null, mask: Float32Array | null, outP: Float32Array,
  outBuf: Float32Array | null, s: ReturnType<typeof sgdScalars>): void {
  for (let i = 0; i < p.length; i++) {
    const theta = p[i];
    let gi = g[i];
    if (s.wd !== 0) gi = f(gi + f(theta * s.wd));
    const keep = mask !== null && mask[i] === 0;
    if (outBuf !== null) {
      const b = buf !== null ? f(f(buf[i] * s.momentum) + f(gi * s.oneMinusDampening)) : gi;
      outBuf[i] = keep ? (buf !== null ? buf[i] : 0) : b;
      gi = s.nesterov ? f(gi + f(b * s.momentum)) : b;
    }
    outP[i] = keep ? theta : f(theta - f(gi * s.lr));
  }
}

function adamJs(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, mask: Float32Array | null, outP: Float32Array,
  outM: Float32Array, outV: Float32Array, s: ReturnType<typeof adamScalars>): void {
  for (let i = 0; i < p.length; i++) {
    const theta = p[i];
    let gi = g[i];
    if (s.wd !== 0) gi = f(gi + f(theta * s.wd));
    const mi = f(f(m[i] * s.beta1) + f(gi * s.oneMinusBeta1));
    const vi = f(f(v[i] * s.beta2) + f(f(gi * gi) * s.oneMinusBeta2));
    const keep = mask !== null && mask[i] === 0;
    outM[i] = keep ? m[i] : mi;
    outV[i] = keep ? v[i] : vi;
    const update = f(f(mi / f(f(f(Math.sqrt(vi)) / s.sqrtBc2) + s.eps)) * s.lrOverBc1);
    outP[i] = keep ? theta : f(theta - update);
  }
}

function checkSame(kernel: string, what: string, t: tf.TensorInfo, p: tf.TensorInfo): void {
  if (t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, p.shape)) {
    throw new Error(`kernel pack ${kernel}: ${what} must be float32 of the parameter's shape ${JSON.stringify(p.shape)}, got ${t.dtype} ${JSON.stringify(t.shape)}`);
  }
}

// Only wasm owns its tensors' memory: the cpu backend keeps the very typed array a tensor was made from (and hands it
// out again from dataSync), so writing there in place would change the caller's arrays.
// And only with the addon's kernels on: the wasm backend's own convolution and matmul kernels (used when the addon is
// absent or switched off) cache XNNPACK operators with the weights packed in, keyed by the weight tensor's memory, so a
// parameter changed in place keeps its old value for them (training then stalls after the first in-place step).
function ownsMemory(io: KernelIO): boolean {
  return io.backendName === 'wasm' && nativeKernels() !== null;
}

/** inputs p{i}, g{i}, b{i}? (buffer), k{i}? (mask); attrs count + the SGD options -> [p'0, b'0?, p'1, b'1?, ...]. */
export const sgdUpdateKernel: PackKernel = {
  name: SGD_UPDATE,
  applies: (backend, native) => backend === 'wasm' || native,
  run(io, inputs, attrs) {
    const count = attrs.count as number;
    const inPlace = attrs.inPlace === true && ownsMemory(io);
    const s = sgdScalars(attrs as unknown as FusedSgdOptions);
    const withMomentum = s.momentum !== 0;
    const outs: tf.TensorInfo[] = [];
    const work: (() => void)[] = [];
    for (let i = 0; i < count; i++) {
      const p = input(inputs, `p${i}`, SGD_UPDATE), g = input(inputs, `g${i}`, SGD_UPDATE);
      const buf = inputs[`b${i}`], mask = inputs[`k${i}`];
      checkSame(SGD_UPDATE, `g${i}`, g, p);
      if (buf !== undefined) checkSame(SGD_UPDATE, `b${i}`, buf, p);
      if (mask !== undefined) checkSame(SGD_UPDATE, `k${i}`, mask, p);
      // In place (attr inPlace: the caller replaces its tensors by the outputs) where nothing else shares them.
      const reuseP = inPlace && io.refCount(p) === 1;
      const reuseBuf = reuseP && buf !== undefined && withMomentum && io.refCount(buf) === 1;
      const outP = reuseP ? io.share(p) : io.alloc(p.shape, 'float32');
      const outBuf = !withMomentum ? null : reuseBuf && buf !== undefined ? io.share(buf) : io.alloc(p.shape, 'float32');
      outs.push(outP);
      if (outBuf !== null) outs.push(outBuf);
      // views are taken after every allocation (a wasm allocation may move the heap)
      work.push(() => {
        const args = [io.f32(p), io.f32(g), buf === undefined || !withMomentum ? null : io.f32(buf), mask === undefined ? null : io.f32(mask),
          io.f32(outP), outBuf === null ? null : io.f32(outBuf)] as const;
        const native = nativeKernels();
        if (native !== null) native.sgdUpdate(...args, s.lr, s.momentum, s.oneMinusDampening, s.nesterov ? 1 : 0, s.wd);
        else sgdJs(...args, s);
      });
    }
    for (const w of work) w();
    return outs;
  },
};

/** inputs p{i}, g{i}, m{i}, v{i}, k{i}? (mask); attrs count + the Adam options -> [p'0, m'0, v'0, p'1, ...]. */
export const adamUpdateKernel: PackKernel = {
  name: ADAM_UPDATE,
  applies: (backend, native) => backend === 'wasm' || native,
  run(io, inputs, attrs) {
    const count = attrs.count as number;
    const s = adamScalars(attrs as unknown as FusedAdamOptions);
    const inPlace = attrs.inPlace === true && ownsMemory(io);
    const outs: tf.TensorInfo[] = [];
    const work: (() => void)[] = [];
    for (let i = 0; i < count; i++) {
      const p = input(inputs, `p${i}`, ADAM_UPDATE), g = input(inputs, `g${i}`, ADAM_UPDATE);
      const m = input(inputs, `m${i}`, ADAM_UPDATE), v = input(inputs, `v${i}`, ADAM_UPDATE), mask = inputs[`k${i}`];
      for (const [t, name] of [[g, 'g'], [m, 'm'], [v, 'v']] as const) checkSame(ADAM_UPDATE, `${name}${i}`, t, p);
      if (mask !== undefined) checkSame(ADAM_UPDATE, `k${i}`, mask, p);
      const reuse = inPlace && io.refCount(p) === 1 && io.refCount(m) === 1 && io.refCount(v) === 1;
      const [outP, outM, outV] = reuse ? [io.share(p), io.share(m), io.share(v)]
        : [io.alloc(p.shape, 'float32'), io.alloc(p.shape, 'float32'), io.alloc(p.shape, 'float32')];
      outs.push(outP, outM, outV);
      work.push(() => {
        const args = [io.f32(p), io.f32(g), io.f32(m), io.f32(v), mask === undefined ? null : io.f32(mask), io.f32(outP), io.f32(outM), io.f32(outV)] as const;
        const native = nativeKernels();
        if (native !== null) {
          native.adamUpdate(...args, s.lrOverBc1, s.beta1, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.sqrtBc2, s.eps, s.wd);
        } else {
          adamJs(...args, s);
        }
      });
    }
    for (const w of work) w();
    return outs;
  },
};

function kernelAvailable(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

const select = (mask: tf.Tensor | undefined, updated: tf.Tensor, old: tf.Tensor): tf.Tensor =>
  mask ? tf.where(tf.cast(mask, 'bool'), updated, old) : updated;

/** One SGD step for many parameters: new parameters and momentum buffers (null without momentum). */
export function fusedSgdUpdate(entries: readonly SgdEntry[], options: FusedSgdOptions): { param: tf.Tensor; buffer: tf.Tensor | null }[] {
  const momentum = options.momentum ?? 0;
  const allFloat = entries.every((e) => e.param.dtype === 'float32' && e.grad.dtype === 'float32' && (e.mask === undefined || e.mask.dtype === 'float32'));
  if (kernelAvailable(SGD_UPDATE) && allFloat) {
    const inputs: tf.NamedTensorMap = {};
    entries.forEach((e, i) => {
      inputs[`p${i}`] = e.param; inputs[`g${i}`] = e.grad;
      if (e.buffer !== null && momentum !== 0) inputs[`b${i}`] = e.buffer;
      if (e.mask !== undefined) inputs[`k${i}`] = e.mask;
    });
    const attrs = { count: entries.length, lr: options.lr, momentum, dampening: options.dampening ?? 0, nesterov: options.nesterov === true,
      weightDecay: options.weightDecay ?? 0, inPlace: options.inPlace === true };
    const outs = tf.engine().runKernel(SGD_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const step = momentum !== 0 ? 2 : 1;
    return entries.map((_, i) => ({ param: outs[i * step], buffer: momentum !== 0 ? outs[i * step + 1] : null }));
  }
  // Same formulas as tfjs ops (lib/src/train/optimizers.ts).
  return entries.map((e) => {
    const [param, buffer] = tf.tidy((): tf.Tensor[] => sgdOps(e, options));
    return { param, buffer: buffer ?? null };
  });
}

/** The op-by-op SGD step of one parameter: [new param, new buffer (with momentum)], all new tensors. */
function sgdOps(e: SgdEntry, options: FusedSgdOptions): tf.Tensor[] {
  const momentum = options.momentum ?? 0;
  const theta = e.param;
  let g = e.grad;
  const wd = options.weightDecay ?? 0;
  if (wd !== 0) g = tf.add(g, tf.mul(theta, wd));
  let buffer: tf.Tensor | null = null;
  if (momentum !== 0) {
    const buf = e.buffer === null ? g : tf.add(tf.mul(e.buffer, momentum), tf.mul(g, 1 - (options.dampening ?? 0)));
    buffer = select(e.mask, buf, e.buffer ?? tf.zerosLike(theta));
    g = options.nesterov === true ? tf.add(g, tf.mul(buf, momentum)) : buf;
  }
  const param = select(e.mask, tf.sub(theta, tf.mul(g, options.lr)), theta);
  // a clone where an input passes through unchanged, so that every result is a new tensor
  const fresh = (t: tf.Tensor) => (t === theta || t === e.grad || t === e.buffer ? tf.clone(t) : t);
  return buffer === null ? [fresh(param)] : [fresh(param), fresh(buffer)];
}

/** One Adam step for many parameters: new parameters and moments. */
export function fusedAdamUpdate(entries: readonly AdamEntry[], options: FusedAdamOptions): { param: tf.Tensor; m: tf.Tensor; v: tf.Tensor }[] {
  if (!(options.step >= 1)) throw new Error(`fusedAdamUpdate: step must be >= 1 (1-based), got ${options.step}`);
  const allFloat = entries.every((e) => [e.param, e.grad, e.m, e.v, e.mask].every((t) => t === undefined || t.dtype === 'float32'));
  if (kernelAvailable(ADAM_UPDATE) && allFloat) {
    const inputs: tf.NamedTensorMap = {};
    entries.forEach((e, i) => {
      inputs[`p${i}`] = e.param; inputs[`g${i}`] = e.grad; inputs[`m${i}`] = e.m; inputs[`v${i}`] = e.v;
      if (e.mask !== undefined) inputs[`k${i}`] = e.mask;
    });
    const attrs = { count: entries.length, lr: options.lr, beta1: options.beta1 ?? 0.9, beta2: options.beta2 ?? 0.999,
      eps: options.eps ?? 1e-8, weightDecay: options.weightDecay ?? 0, step: options.step, inPlace: options.inPlace === true };
    const outs = tf.engine().runKernel(ADAM_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return entries.map((_, i) => ({ param: outs[3 * i], m: outs[3 * i + 1], v: outs[3 * i + 2] }));
  }
  const beta1 = options.beta1 ?? 0.9, beta2 = options.beta2 ?? 0.999, eps = options.eps ?? 1e-8;
  const bc1 = 1 - beta1 ** options.step, bc2 = 1 - beta2 ** options.step;
  return entries.map((e) => tf.tidy(() => {
    const theta = e.param;
    let g = e.grad;
    const wd = options.weightDecay ?? 0;
    if (wd !== 0) g = tf.add(g, tf.mul(theta, wd));
    const m = tf.add(tf.mul(e.m, beta1), tf.mul(g, 1 - beta1));
    const v = tf.add(tf.mul(e.v, beta2), tf.mul(tf.square(g), 1 - beta2));
    const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
    const update = tf.mul(tf.div(m, denom), options.lr / bc1);
    const keep = (t: tf.Tensor, old: tf.Tensor) => { const r = select(e.mask, t, old); return r === old ? tf.clone(old) : r; };
    return { param: keep(tf.sub(theta, update), theta), m: keep(m, e.m), v: keep(v, e.v) };
  }) as { param: tf.Tensor; m: tf.Tensor; v: tf.Tensor });
}

// Mean softmax cross-entropy with integer labels as ONE kernel (and one for its gradient). tfjs builds it from
// logSoftmax, oneHot, multiply, sum, mean and neg: ~17 kernels forward and ~15 backward per training step, plus 5
// more (argMax, equal, casts, sum) for the accuracy — on a [batch, classes] tensor that is tiny, so their per-call
// cost dominates (~0.5 ms of a 3.5 ms MLP step). NetstatsSoftmaxXent returns the mean loss, the number of rows whose
// first arg-max equals the label (tfjs argMax's tie rule) and the softmax, which its gradient reuses:
// dlogits = dy · (softmax − onehot) / n. Row sums are taken in float64. The native addon runs the same loops in C
// (about 0.1 ms of JS per MLP step otherwise); without it the JS loops below do.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import type { KernelIO } from './io';
import { input, type PackKernel } from './types';

export const SOFTMAX_XENT = 'NetstatsSoftmaxXent';
export const SOFTMAX_XENT_GRAD = 'NetstatsSoftmaxXentGrad';

function checkInputs(kernel: string, logits: tf.TensorInfo, labels: tf.TensorInfo): { n: number; c: number } {
  if (logits.dtype !== 'float32' || logits.shape.length !== 2) {
    throw new Error(`kernel pack ${kernel}: logits must be float32 [batch, classes], got ${logits.dtype} ${JSON.stringify(logits.shape)}`);
  }
  const [n, c] = logits.shape as [number, number];
  if (labels.dtype !== 'int32' || labels.shape.length !== 1 || labels.shape[0] !== n) {
    throw new Error(`kernel pack ${kernel}: labels must be int32 [${n}], got ${labels.dtype} ${JSON.stringify(labels.shape)}`);
  }
  if (c < 1) throw new Error(`kernel pack ${kernel}: logits need at least one class, got shape ${JSON.stringify(logits.shape)}`);
  return { n, c };
}

function labelError(kernel: string, label: number, row: number, classes: number): Error {
  return new Error(`kernel pack ${kernel}: label ${label} of row ${row} is outside 0..${classes - 1}`);
}

function checkLabel(kernel: string, label: number, row: number, classes: number): void {
  if (!(label >= 0 && label < classes)) throw labelError(kernel, label, row, classes);
}

export const softmaxXentKernel: PackKernel = {
  name: SOFTMAX_XENT,
  applies: (backend, native) => backend === 'wasm' || native,
  run(io: KernelIO, inputs) {
    const logits = input(inputs, 'logits', SOFTMAX_XENT), labels = input(inputs, 'labels', SOFTMAX_XENT);
    const { n, c } = checkInputs(SOFTMAX_XENT, logits, labels);
    const loss = io.alloc([], 'float32'), correct = io.alloc([], 'float32'), probs = io.alloc([n, c], 'float32');
    // views after every allocation (a wasm allocation may move the heap)
    const z = io.f32(logits), y = io.i32(labels), p = io.f32(probs);
    const native = nativeKernels();
    if (native !== null) {
      const bad = native.softmaxXent(z, y, p, io.f32(loss), io.f32(correct), n, c);
      if (bad >= 0) throw labelError(SOFTMAX_XENT, y[bad] as number, bad, c);
      return [loss, correct, probs];
    }
    let total = 0;
    let right = 0;
    for (let r = 0; r < n; r++) {
      const o = r * c;
      const label = y[r] as number;
      checkLabel(SOFTMAX_XENT, label, r, c);
      let max = z[o] as number;
      let arg = 0;
      for (let j = 1; j < c; j++) { const v = z[o + j] as number; if (v > max) { max = v; arg = j; } }
      let sum = 0;
      for (let j = 0; j < c; j++) sum += Math.exp((z[o + j] as number) - max);
      const logSum = Math.log(sum);
      for (let j = 0; j < c; j++) p[o + j] = Math.exp((z[o + j] as number) - max - logSum);
      total += max + logSum - (z[o + label] as number);
      if (arg === label) right += 1;
    }
    io.f32(loss)[0] = n > 0 ? total / n : NaN;
    io.f32(correct)[0] = right;
    return [loss, correct, probs];
  },
};

export const softmaxXentGradKernel: PackKernel = {
  name: SOFTMAX_XENT_GRAD,
  applies: (backend, native) => backend === 'wasm' || native,
  run(io: KernelIO, inputs) {
    const dy = input(inputs, 'dy', SOFTMAX_XENT_GRAD), probs = input(inputs, 'probs', SOFTMAX_XENT_GRAD);
    const labels = input(inputs, 'labels', SOFTMAX_XENT_GRAD);
    const { n, c } = checkInputs(SOFTMAX_XENT_GRAD, probs, labels);
    const out = io.alloc([n, c], 'float32');
    const p = io.f32(probs), y = io.i32(labels), d = io.f32(out);
    const scale = (io.f32(dy)[0] as number) / n;
    const native = nativeKernels();
    if (native !== null) {
      const bad = native.softmaxXentGrad(p, y, d, scale, n, c);
      if (bad >= 0) throw labelError(SOFTMAX_XENT_GRAD, y[bad] as number, bad, c);
      return out;
    }
    for (let r = 0; r < n; r++) {
      const o = r * c;
      for (let j = 0; j < c; j++) d[o + j] = scale * (p[o + j] as number);
      const label = y[r] as number;
      checkLabel(SOFTMAX_XENT_GRAD, label, r, c);
      d[o + label] = scale * ((p[o + label] as number) - 1);
    }
    return out;
  },
};

let gradientRegistered = false;

/** Registers the gradient of NetstatsSoftmaxXent (once per process): only the loss output is differentiable. */
export function registerSoftmaxXentGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: SOFTMAX_XENT,
    inputsToSave: ['labels'],
    outputsToSave: [false, false, true],
    gradFunc: (dys, saved) => {
      const [labels, probs] = saved as [tf.Tensor, tf.Tensor];
      const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
      return {
        logits: () => tf.engine().runKernel(SOFTMAX_XENT_GRAD, { dy, probs, labels }) as tf.Tensor,
        labels: () => tf.zerosLike(labels),
      };
    },
  });
}

/** Whether the active backend runs the fused loss. */
export function fusedSoftmaxXentAvailable(): boolean {
  return tf.getKernel(SOFTMAX_XENT, tf.getBackend()) !== undefined;
}

/**
 * Mean softmax cross-entropy of logits [n, classes] against integer labels [n], and the number of rows whose arg-max
 * is the label, from the fused kernel (differentiable in the logits). Call only where `fusedSoftmaxXentAvailable()`.
 */
export function fusedSoftmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): { loss: tf.Scalar; correct: tf.Scalar } {
  const [loss, correct, probs] = tf.engine().runKernel(SOFTMAX_XENT, { logits, labels }) as [tf.Scalar, tf.Scalar, tf.Tensor];
  probs.dispose();
  return { loss, correct };
}

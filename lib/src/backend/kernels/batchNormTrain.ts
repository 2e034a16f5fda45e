// Batch normalisation in training mode as ONE kernel forward and ONE kernel backward.
//
// tfjs-layers' BatchNormalization trains through tf.moments + tf.batchNorm: autodiff of that graph
// runs ~30 small elementwise/reduction kernels per layer and step (most of a ResNet step). The pack
// registers two kernels — NetstatsBatchNormTrain: x, scale, offset -> [y, mean, variance] (biased
// variance, as tf.moments), plus the layer's updated moving mean and variance when movingMean,
// movingVariance and attrs.momentum are given, and its gradient NetstatsBatchNormTrainGrad — and
// `batchNormLayerHook.ts` routes the layer's training-mode call through them when the backend has them.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import type { KernelIO } from './io';
import { input, type PackKernel } from './types';

export const BATCH_NORM_TRAIN = 'NetstatsBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'NetstatsBatchNormTrainGrad';

function channelsOf(x: tf.TensorInfo, kernel: string): { rows: number; channels: number } {
  if (x.shape.length < 1 || x.dtype !== 'float32') {
    throw new Error(`kernel pack ${kernel}: x must be a float32 tensor of rank >= 1, got ${x.dtype} ${JSON.stringify(x.shape)}`);
  }
  const channels = x.shape[x.shape.length - 1];
  const size = x.shape.reduce((a, b) => a * b, 1);
  return { rows: channels === 0 ? 0 : size / channels, channels };
}

function checkChannelVector(t: tf.TensorInfo | undefined, channels: number, kernel: string, name: string): void {
  if (t !== undefined && (t.shape.reduce((a, b) => a * b, 1) !== channels || t.dtype !== 'float32')) {
    throw new Error(`kernel pack ${kernel}: ${name} must be float32 with ${channels} entries, got ${t.dtype} ${JSON.stringify(t.shape)}`);
  }
}

/** JS reference path (wasm without the addon): same formulas as the native code, statistics in double. */
function batchNormTrainJs(x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, y: Float32Array,
  mean: Float32Array, variance: Float32Array, rows: number, channels: number, eps: number): void {
  const sum = new Float64Array(channels), sq = new Float64Array(channels);
  for (let r = 0; r < rows; r++) {
    const base = r * channels;
    for (let c = 0; c < channels; c++) { const d = x[base + c] - x[c]; sum[c] += d; sq[c] += d * d; }
  }
  const scale = new Float32Array(channels), offset = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = sum[c] / rows, v = Math.max(0, sq[c] / rows - m * m), mu = x[c] + m, rstd = 1 / Math.sqrt(v + eps);
    const g = gamma === null ? 1 : gamma[c], b = beta === null ? 0 : beta[c];
    mean[c] = mu; variance[c] = v;
    scale[c] = g * rstd; offset[c] = b - mu * g * rstd;
  }
  for (let r = 0; r < rows; r++) {
    const base = r * channels;
    for (let c = 0; c < channels; c++) y[base + c] = x[base + c] * scale[c] + offset[c];
  }
}

function batchNormTrainGradJs(x: Float32Array, dy: Float32Array, mean: Float32Array, variance: Float32Array,
  gamma: Float32Array | null, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, rows: number, channels: number,
  eps: number): void {
  const sumDy = new Float64Array(channels), sumDyX = new Float64Array(channels);
  for (let r = 0; r < rows; r++) {
    const base = r * channels;
    for (let c = 0; c < channels; c++) { sumDy[c] += dy[base + c]; sumDyX[c] += dy[base + c] * (x[base + c] - mean[c]); }
  }
  const k = new Float32Array(channels), kx = new Float32Array(channels), k0 = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const rstd = 1 / Math.sqrt(variance[c] + eps), g = gamma === null ? 1 : gamma[c];
    const sumDyXhat = sumDyX[c] * rstd;
    dbeta[c] = sumDy[c]; dgamma[c] = sumDyXhat;
    k[c] = g * rstd;
    kx[c] = -g * rstd * rstd * sumDyXhat / rows;
    k0[c] = -g * rstd * sumDy[c] / rows - kx[c] * mean[c];
  }
  for (let r = 0; r < rows; r++) {
    const base = r * channels;
    for (let c = 0; c < channels; c++) dx[base + c] = k[c] * dy[base + c] + kx[c] * x[base + c] + k0[c];
  }
}

function optionalF32(io: KernelIO, t: tf.TensorInfo | undefined): Float32Array | null {
  return t === undefined ? null : io.f32(t);
}

/** tfjs-layers' moving-average update in float32, op by op: moving - (moving - value) * (1 - momentum). */
function movingAverage(moving: Float32Array, value: Float32Array, momentum: number, out: Float32Array): void {
  const decay = Math.fround(1 - momentum);
  for (let c = 0; c < out.length; c++) out[c] = Math.fround(moving[c] - Math.fround(Math.fround(moving[c] - value[c]) * decay));
}

export const batchNormTrainKernel: PackKernel = {
  name: BATCH_NORM_TRAIN,
  applies: (backend, native) => backend === 'wasm' || native,
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', BATCH_NORM_TRAIN);
    const { scale, offset, movingMean, movingVariance } = inputs;
    const { rows, channels } = channelsOf(x, BATCH_NORM_TRAIN);
    checkChannelVector(scale, channels, BATCH_NORM_TRAIN, 'scale');
    checkChannelVector(offset, channels, BATCH_NORM_TRAIN, 'offset');
    const withMoving = movingMean !== undefined || movingVariance !== undefined;
    if (withMoving) {
      if (movingMean === undefined || movingVariance === undefined || typeof attrs.momentum !== 'number') {
        throw new Error(`kernel pack ${BATCH_NORM_TRAIN}: movingMean, movingVariance and attrs.momentum go together`);
      }
      checkChannelVector(movingMean, channels, BATCH_NORM_TRAIN, 'movingMean');
      checkChannelVector(movingVariance, channels, BATCH_NORM_TRAIN, 'movingVariance');
    }
    const eps = attrs.epsilon as number;
    const y = io.alloc(x.shape, 'float32');
    const mean = io.alloc([channels], 'float32'), variance = io.alloc([channels], 'float32');
    const newMoving = withMoving ? [io.alloc([channels], 'float32'), io.alloc([channels], 'float32')] : [];
    if (rows === 0) {
      io.f32(mean).fill(NaN); io.f32(variance).fill(NaN);
    } else {
      const native = nativeKernels();
      const args = [io.f32(x), optionalF32(io, scale), optionalF32(io, offset), io.f32(y), io.f32(mean), io.f32(variance)] as const;
      if (native !== null) native.batchNormTrain(...args, rows, channels, eps);
      else batchNormTrainJs(...args, rows, channels, eps);
    }
    if (movingMean !== undefined && movingVariance !== undefined) {
      const momentum = attrs.momentum as number;
      movingAverage(io.f32(movingMean), io.f32(mean), momentum, io.f32(newMoving[0]));
      movingAverage(io.f32(movingVariance), io.f32(variance), momentum, io.f32(newMoving[1]));
    }
    return [y, mean, variance, ...newMoving];
  },
};

/** inputs x, dy, mean, variance, scale?, dmean, dvariance -> [dx, dscale, doffset]. */
export const batchNormTrainGradKernel: PackKernel = {
  name: BATCH_NORM_TRAIN_GRAD,
  applies: (backend, native) => backend === 'wasm' || native,
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', BATCH_NORM_TRAIN_GRAD);
    const dy = input(inputs, 'dy', BATCH_NORM_TRAIN_GRAD);
    const mean = input(inputs, 'mean', BATCH_NORM_TRAIN_GRAD);
    const variance = input(inputs, 'variance', BATCH_NORM_TRAIN_GRAD);
    const dmean = input(inputs, 'dmean', BATCH_NORM_TRAIN_GRAD);
    const dvariance = input(inputs, 'dvariance', BATCH_NORM_TRAIN_GRAD);
    const { scale } = inputs;
    const { rows, channels } = channelsOf(x, BATCH_NORM_TRAIN_GRAD);
    for (const [t, name] of [[mean, 'mean'], [variance, 'variance'], [scale, 'scale'], [dmean, 'dmean'], [dvariance, 'dvariance']] as const) {
      checkChannelVector(t, channels, BATCH_NORM_TRAIN_GRAD, name);
    }
    const eps = attrs.epsilon as number;
    const dx = io.alloc(x.shape, 'float32');
    const dscale = io.alloc([channels], 'float32'), doffset = io.alloc([channels], 'float32');
    if (rows === 0) {
      io.f32(dscale).fill(0); io.f32(doffset).fill(0);
      return [dx, dscale, doffset];
    }
    const args = [io.f32(x), io.f32(dy), io.f32(mean), io.f32(variance), optionalF32(io, scale), io.f32(dx), io.f32(dscale),
      io.f32(doffset)] as const;
    const native = nativeKernels();
    if (native !== null) native.batchNormTrainGrad(...args, rows, channels, eps);
    else batchNormTrainGradJs(...args, rows, channels, eps);
    // Gradients arriving at the mean and variance outputs: d mean/dx = 1/N, d variance/dx = 2 (x - mean)/N.
    const dm = io.f32(dmean), dv = io.f32(dvariance);
    if (dm.some((v) => v !== 0) || dv.some((v) => v !== 0)) {
      const xv = io.f32(x), mv = io.f32(mean), dxv = io.f32(dx);
      for (let r = 0; r < rows; r++) {
        const base = r * channels;
        for (let c = 0; c < channels; c++) dxv[base + c] += (dm[c] + 2 * dv[c] * (xv[base + c] - mv[c])) / rows;
      }
    }
    return [dx, dscale, doffset];
  },
};

let gradientRegistered = false;

/** Registers the gradient of NetstatsBatchNormTrain (once per process; gradients are backend-independent). */
export function registerBatchNormTrainGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: BATCH_NORM_TRAIN,
    inputsToSave: ['x', 'scale'],
    outputsToSave: [false, true, true, false, false],
    gradFunc: (dys, saved, attrs) => {
      const [dy, dmean, dvariance, dMovingMean, dMovingVariance] = dys as tf.Tensor[];
      const [x, scale, mean, variance] = saved;
      const epsilon = attrs.epsilon as number;
      // One kernel computes all three gradients; tfjs asks for them one input at a time (x first when it
      // needs it at all), so the small scale/offset gradients are kept as plain arrays for the later calls.
      let small: { dscale: Float32Array; doffset: Float32Array } | null = null;
      const run = (): tf.Tensor[] => tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD,
        { x, dy, mean, variance, scale, dmean, dvariance }, { epsilon }) as tf.Tensor[];
      const smallGradients = () => {
        if (small === null) {
          const [dx, dscale, doffset] = run();
          small = { dscale: dscale.dataSync() as Float32Array, doffset: doffset.dataSync() as Float32Array };
          tf.dispose([dx, dscale, doffset]);
        }
        return small;
      };
      return {
        x: () => {
          const [dx, dscale, doffset] = run();
          small = { dscale: dscale.dataSync() as Float32Array, doffset: doffset.dataSync() as Float32Array };
          tf.dispose([dscale, doffset]);
          return dx;
        },
        scale: () => tf.tensor(smallGradients().dscale, scale.shape),
        offset: () => tf.tensor(smallGradients().doffset, scale.shape),
        // new moving = moving - (moving - batch statistic) * (1 - momentum): d/d moving = 1 - (1 - momentum).
        // (tfjs-layers writes the new moving statistics to variables, outside any gradient: these are for completeness.)
        movingMean: () => tf.mul(dMovingMean, 1 - Math.fround(1 - (attrs.momentum as number))),
        movingVariance: () => tf.mul(dMovingVariance, 1 - Math.fround(1 - (attrs.momentum as number))),
      };
    },
  });
}

// FusedBatchNorm (tf.batchNorm: batch norm with given statistics, as in inference mode) on the native addon, for
// float32 inputs whose mean, variance, offset and scale are per channel (the last axis) or scalars — what every
// BatchNormalization layer passes. The wasm backend's own kernel took twice as long as the convolutions of Tiny
// Darknet at 224×224. y = (x − mean)·inv + offset with inv = scale / sqrt(variance + ε) per channel, in float32.
// Other shapes (statistics of x's full shape, other dtypes) run the backend's own kernel.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import { broadcastPeriod } from './elementwise';
import { sizeOf } from './io';
import { runOriginal } from './original';
import { input, type PackKernel } from './types';

/** The channel vector of a statistic: its values when it has one per channel, repeated when it is a scalar. */
function perChannel(values: Float32Array, period: number, channels: number): Float32Array {
  return period === channels ? Float32Array.from(values.subarray(0, channels)) : new Float32Array(channels).fill(values[0] as number);
}

export const batchNormInferenceKernel: PackKernel = {
  name: tf.FusedBatchNorm,
  applies: (backend, native) => backend === 'wasm' && native,
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', tf.FusedBatchNorm);
    const stats = { mean: input(inputs, 'mean', tf.FusedBatchNorm), variance: input(inputs, 'variance', tf.FusedBatchNorm), offset: inputs['offset'], scale: inputs['scale'] };
    const native = nativeKernels();
    const channels = x.shape[x.shape.length - 1] ?? 0;
    const n = sizeOf(x.shape);
    const present = [stats.mean, stats.variance, stats.offset, stats.scale].filter((t): t is tf.TensorInfo => t !== undefined);
    const periods = present.map((t) => broadcastPeriod(t.shape, x.shape));
    if (native === null || x.dtype !== 'float32' || x.shape.length < 1 || channels < 1 || n === 0 ||
        present.some((t) => t.dtype !== 'float32') || periods.some((p) => p !== 1 && p !== channels)) {
      return runOriginal(io, tf.FusedBatchNorm, inputs, attrs);
    }
    const epsilon = typeof attrs['varianceEpsilon'] === 'number' ? attrs['varianceEpsilon'] : 0.001;
    const read = (t: tf.TensorInfo | undefined, fill: number): Float32Array =>
      t === undefined ? new Float32Array(channels).fill(fill) : perChannel(io.f32(t), broadcastPeriod(t.shape, x.shape) ?? 1, channels);
    const mean = read(stats.mean, 0), variance = read(stats.variance, 1), offset = read(stats.offset, 0), scale = read(stats.scale, 1);
    const inv = Float32Array.from(scale, (s, c) => s / Math.fround(Math.sqrt(Math.fround((variance[c] as number) + epsilon))));
    const out = io.alloc(x.shape, 'float32');
    // Views are taken after the allocation: it may grow the wasm heap and detach earlier views.
    native.channelAffine(io.f32(x), mean, inv, offset, io.f32(out), n / channels, channels);
    return out;
  },
};

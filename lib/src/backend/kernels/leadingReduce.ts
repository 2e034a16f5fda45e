// Sum / Mean over a contiguous block of axes that leaves the last axis alone: the leading axes
// ([batch, height, width] of NHWC, as bias and batch-norm gradients do) or middle ones (global
// average pooling over [height, width]). The wasm originals transpose the whole tensor first so that
// reduced axes are innermost; column sums over the [outer, rows, cols] view avoid that copy (native:
// multithreaded, statistics in double).
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import type { KernelIO } from './io';
import { runOriginal } from './original';
import { input } from './types';

/** [first, end) of the reduced axes when they are contiguous and do not include the last axis, else null. */
export function reducedBlock(axes: number[], rank: number): [number, number] | null {
  if (axes.length === 0) return null;
  const sorted = [...axes].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1] + 1) return null;
  const first = sorted[0], end = sorted[sorted.length - 1] + 1;
  return end < rank ? [first, end] : null;
}

export function reduceLeading(io: KernelIO, kernel: 'Sum' | 'Mean', inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo {
  const x = input(inputs, 'x', kernel);
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
  const block = reducedBlock(axes, x.shape.length);
  if (x.dtype !== 'float32' || block === null) return runOriginal(io, kernel, inputs, attrs);
  const [first, end] = block;
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const outer = size(x.shape.slice(0, first)), rows = size(x.shape.slice(first, end)), cols = size(x.shape.slice(end));
  const outShape = attrs.keepDims === true
    ? x.shape.map((d, i) => (i >= first && i < end ? 1 : d))
    : x.shape.filter((_, i) => i < first || i >= end);
  const out = io.alloc(outShape, 'float32');
  const xv = io.f32(x), ov = io.f32(out);
  const native = nativeKernels();
  for (let o = 0; o < outer; o++) {
    const xo = xv.subarray(o * rows * cols, (o + 1) * rows * cols), oo = ov.subarray(o * cols, (o + 1) * cols);
    if (native !== null) {
      native.columnSums(xo, oo, rows, cols);
    } else {
      const acc = new Float64Array(cols);
      for (let r = 0; r < rows; r++) {
        const base = r * cols;
        for (let c = 0; c < cols; c++) acc[c] += xo[base + c];
      }
      oo.set(acc);
    }
  }
  if (kernel === 'Mean') for (let i = 0; i < ov.length; i++) ov[i] /= rows;
  return out;
}

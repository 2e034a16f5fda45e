// Sum / Mean over the leading axes (e.g. [batch, height, width] of NHWC, as batch-norm gradients and
// moments do). The wasm originals transpose the whole tensor first so that reduced axes are
// innermost; a column-sum pass over the [rows, cols] view avoids that copy (native: multithreaded).
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import type { KernelIO } from './io';
import { runOriginal } from './original';
import { input } from './types';

/** Number of leading axes reduced, or 0 when the axes are not exactly 0..k-1 (k < rank). */
function leadingAxes(axes: number[], rank: number): number {
  const sorted = [...axes].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) if (sorted[i] !== i) return 0;
  return sorted.length < rank ? sorted.length : 0;
}

export function reduceLeading(io: KernelIO, kernel: 'Sum' | 'Mean', inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo {
  const x = input(inputs, 'x', kernel);
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
  const k = leadingAxes(axes, x.shape.length);
  if (x.dtype !== 'float32' || k === 0) return runOriginal(io, kernel, inputs, attrs);
  const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
  const restShape = x.shape.slice(k);
  const cols = restShape.reduce((a, b) => a * b, 1);
  const outShape = attrs.keepDims === true ? [...x.shape.slice(0, k).map(() => 1), ...restShape] : restShape;
  const out = io.alloc(outShape, 'float32');
  const xv = io.f32(x), ov = io.f32(out);
  const native = nativeKernels();
  if (native !== null) {
    native.columnSums(xv, ov, rows, cols);
    if (kernel === 'Mean') for (let c = 0; c < cols; c++) ov[c] /= rows;
    return out;
  }
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += xv[base + c];
  }
  const scale = kernel === 'Mean' ? 1 / rows : 1;
  for (let c = 0; c < cols; c++) ov[c] = acc[c] * scale;
  return out;
}

// Shape bookkeeping for (batched) matrix products, shared by BatchMatMul and _FusedMatMul.
import * as tf from '@tensorflow/tfjs';
import { sizeOf } from './io';

export interface MatMulShape {
  batch: number; m: number; n: number; k: number;
  batchA: number; batchB: number;
  outShape: number[];
}

export function matMulShape(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): MatMulShape {
  const ra = a.shape.length, rb = b.shape.length;
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  if (k !== kb) {
    throw new Error(`kernel pack matMul: inner dimensions differ: a ${JSON.stringify(a.shape)} (transposeA=${transposeA}) ` +
      `and b ${JSON.stringify(b.shape)} (transposeB=${transposeB})`);
  }
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batchA = sizeOf(a.shape.slice(0, -2)), batchB = sizeOf(b.shape.slice(0, -2));
  return { batch: Math.max(batchA, batchB), m, n, k, batchA, batchB, outShape: [...outer, m, n] };
}

/** True when batch broadcasting is the simple kind (equal batch sizes, or one side has batch 1). */
export function simpleBatch(s: MatMulShape): boolean {
  return s.batchA === s.batchB || s.batchA === 1 || s.batchB === 1;
}

// Convolution / pooling geometry shared by the kernels: tfjs attrs -> Conv2DInfo -> the native
// addon's 15-int layout (B,H,W,C, OH,OW,CO, KH,KW, SH,SW, DH,DW, padTop,padLeft).
import * as tf from '@tensorflow/tfjs';

export type ConvInfo = tf.backend_util.Conv2DInfo;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

export function pair(v: number | [number, number] | number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export function assertNHWC(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`kernel pack ${kernel}: dataFormat '${String(dataFormat)}' is not supported (expected NHWC)`);
  }
}

export function convInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap, depthwise = false): ConvInfo {
  const strides = pair(attrs.strides as number | [number, number]);
  const dilations = pair((attrs.dilations ?? 1) as number | [number, number]);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number], strides, dilations,
    attrs.pad as Pad, attrs.dimRoundingMode as Rounding, depthwise, 'channelsLast');
}

export function poolInfo(xShape: number[], attrs: tf.NamedAttrMap): ConvInfo {
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number], pair(attrs.filterSize as number | [number, number]),
    pair(attrs.strides as number | [number, number]), 1, attrs.pad as Pad, attrs.dimRoundingMode as Rounding);
}

/**
 * Why a gradient kernel must not take its fast path: `dy` does not have the forward output's shape (tfjs's op specs
 * call conv2dTranspose with such shapes; tfjs's kernels then read dy with its own strides). null when it matches.
 */
export function dyShapeMismatch(dy: tf.TensorInfo, c: ConvInfo): string | null {
  const want = c.outShape;
  const same = dy.shape.length === want.length && dy.shape.every((d, i) => d === want[i]);
  return same ? null : `dy has shape [${dy.shape.join(',')}], the forward output shape is [${want.join(',')}]`;
}

export function nativeGeometry(c: ConvInfo): Int32Array {
  return Int32Array.from([
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth, c.outChannels,
    c.filterHeight, c.filterWidth, c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth,
    c.padInfo.top, c.padInfo.left,
  ]);
}

/**
 * Notebook 05, section 1 — linear collapse. A convolution is a linear map, so two convolutions with nothing in between
 * are one convolution with a composed kernel, and a 1×1 convolution is a matrix product over channels. These are
 * numerical checks (tf conv2d against the composed kernel / a matmul), not assertions in prose.
 */
import * as tf from '@tensorflow/tfjs';
import type { Row } from '../../report/table';
import { createRng, type Rng } from '../../util/random';

/** A conv kernel in tf layout [kh, kw, c_in, c_out] (cross-correlation, as tf.conv2d and torch Conv2d). */
export interface ConvKernel {
  values: Float64Array;
  shape: [number, number, number, number];
}

/** A conv layer for the composition: kernel, bias (length c_out) and stride (padding is always 'valid'). */
export interface LinearConv {
  kernel: ConvKernel;
  bias: Float64Array;
  stride: number;
}

function at4(shape: readonly number[], a: number, b: number, c: number, d: number): number {
  return ((a * (shape[1] as number) + b) * (shape[2] as number) + c) * (shape[3] as number) + d;
}

/**
 * The single conv equal to `second ∘ first` (both 'valid', no activation in between). With cross-correlation
 * y1[p] = Σ_u x[s1·p + u]·k1[u] and y2[q] = Σ_v y1[s2·q + v]·k2[v], so y2[q] = Σ_w x[s1·s2·q + w]·K[w] with
 * K[w] = Σ_{u + s1·v = w} k1[u]·k2[v] (summed over the middle channels): kernel size k1 + s1·(k2 − 1),
 * stride s1·s2, bias b2 + Σ_{v,m} k2[v, m, ·]·b1[m].
 */
export function composeLinearConvs(first: LinearConv, second: LinearConv): LinearConv {
  const [ah, aw, cin, cmid] = first.kernel.shape;
  const [bh, bw, cmid2, cout] = second.kernel.shape;
  if (cmid !== cmid2) throw new Error(`composeLinearConvs: the first conv has ${cmid} output channels, the second takes ${cmid2}`);
  if (first.bias.length !== cmid || second.bias.length !== cout) {
    throw new Error(`composeLinearConvs: bias lengths ${first.bias.length}, ${second.bias.length} do not match channels ${cmid}, ${cout}`);
  }
  for (const [what, s] of [['first', first.stride], ['second', second.stride]] as const) {
    if (!(Number.isInteger(s) && s >= 1)) throw new Error(`composeLinearConvs: ${what}.stride must be a positive integer; got ${s}`);
  }
  const s1 = first.stride;
  const kh = ah + s1 * (bh - 1);
  const kw = aw + s1 * (bw - 1);
  const shape: [number, number, number, number] = [kh, kw, cin, cout];
  const values = new Float64Array(kh * kw * cin * cout);
  for (let vy = 0; vy < bh; vy++) for (let vx = 0; vx < bw; vx++) {
    for (let m = 0; m < cmid; m++) for (let o = 0; o < cout; o++) {
      const k2 = second.kernel.values[at4(second.kernel.shape, vy, vx, m, o)] as number;
      if (k2 === 0) continue;
      for (let uy = 0; uy < ah; uy++) for (let ux = 0; ux < aw; ux++) for (let c = 0; c < cin; c++) {
        const k1 = first.kernel.values[at4(first.kernel.shape, uy, ux, c, m)] as number;
        const idx = at4(shape, uy + s1 * vy, ux + s1 * vx, c, o);
        values[idx] = (values[idx] as number) + k1 * k2;
      }
    }
  }
  const bias = Float64Array.from(second.bias);
  for (let vy = 0; vy < bh; vy++) for (let vx = 0; vx < bw; vx++) for (let m = 0; m < cmid; m++) for (let o = 0; o < cout; o++) {
    bias[o] = (bias[o] as number) + (second.kernel.values[at4(second.kernel.shape, vy, vx, m, o)] as number) * (first.bias[m] as number);
  }
  return { kernel: { values, shape }, bias, stride: s1 * second.stride };
}

function normalArray(rng: Rng, n: number, std: number): Float64Array {
  return Float64Array.from({ length: n }, () => std * rng.normal());
}

function randomConv(rng: Rng, k: number, cin: number, cout: number, stride: number): LinearConv {
  return {
    kernel: { values: normalArray(rng, k * k * cin * cout, 1 / Math.sqrt(k * k * cin)), shape: [k, k, cin, cout] },
    bias: normalArray(rng, cout, 0.1),
    stride,
  };
}

/** tf.conv2d (valid) + bias, optionally followed by ReLU, in float32. */
function applyConv(x: tf.Tensor4D, conv: LinearConv, relu = false): tf.Tensor4D {
  return tf.tidy(() => {
    const w = tf.tensor4d(Float32Array.from(conv.kernel.values), conv.kernel.shape);
    const y = tf.add(tf.conv2d(x, w, conv.stride, 'valid'), tf.tensor1d(Float32Array.from(conv.bias))) as tf.Tensor4D;
    return relu ? tf.relu(y) : y;
  });
}

export interface LinearCollapseCase {
  /** Input side (square), channels in → middle → out, kernel sizes and strides of the two convs. */
  inputSize: number;
  channels: [number, number, number];
  kernels: [number, number];
  strides: [number, number];
}

/** One case of the collapse check (a flat row for the notebook table). */
export interface LinearCollapseResult extends Row {
  case: string;
  composedKernel: number;
  composedStride: number;
  outputSize: number;
  /** Largest |conv2(conv1(x)) − conv_K(x)| over the output. */
  maxAbsError: number;
  /** Largest |conv2(conv1(x))|: the scale the error is compared with. */
  maxAbsOutput: number;
  /** Same comparison when a ReLU sits between the two convs: the collapse no longer holds. */
  withReluMaxAbsDifference: number;
  /** Weights: two convs vs the composed one (biases included). */
  parametersTwoConvs: number;
  parametersComposed: number;
}

/** Runs both paths on a random batch (float32 in tf; the composed kernel is computed in float64). */
export function linearCollapseCheck(c: LinearCollapseCase, seed: number, batch = 2): LinearCollapseResult {
  const rng = createRng(seed);
  const [cin, cmid, cout] = c.channels;
  const first = randomConv(rng, c.kernels[0], cin, cmid, c.strides[0]);
  const second = randomConv(rng, c.kernels[1], cmid, cout, c.strides[1]);
  const composed = composeLinearConvs(first, second);
  const xs = Float32Array.from(normalArray(rng, batch * c.inputSize * c.inputSize * cin, 1));
  const [maxErr, maxOut, reluDiff, outSize] = tf.tidy(() => {
    const x = tf.tensor4d(xs, [batch, c.inputSize, c.inputSize, cin]);
    const twoStep = applyConv(applyConv(x, first), second);
    const oneStep = applyConv(x, composed);
    if (!tf.util.arraysEqual(twoStep.shape, oneStep.shape)) {
      throw new Error(`linearCollapseCheck: shapes differ: [${twoStep.shape}] vs [${oneStep.shape}]`);
    }
    const withRelu = applyConv(applyConv(x, first, true), second);
    const maxAbs = (t: tf.Tensor): number => tf.max(tf.abs(t)).dataSync()[0] as number;
    return [maxAbs(tf.sub(twoStep, oneStep)), maxAbs(twoStep), maxAbs(tf.sub(withRelu, oneStep)), twoStep.shape[1] as number];
  });
  const [k1, k2] = c.kernels;
  return {
    case: `${k1}×${k1}/s${c.strides[0]} then ${k2}×${k2}/s${c.strides[1]}, channels ${cin}→${cmid}→${cout}`,
    composedKernel: composed.kernel.shape[0],
    composedStride: composed.stride,
    outputSize: outSize,
    maxAbsError: maxErr,
    maxAbsOutput: maxOut,
    withReluMaxAbsDifference: reluDiff,
    parametersTwoConvs: k1 * k1 * cin * cmid + cmid + k2 * k2 * cmid * cout + cout,
    parametersComposed: composed.kernel.values.length + cout,
  };
}

export interface PointwiseCase {
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  /** Hidden channels of the conv1×1 → ReLU → conv1×1 nonlinearity check. */
  hiddenChannels: number;
}

export interface PointwiseResult extends Row {
  case: string;
  /** Largest |conv1×1(x) − reshape(x)·W| (the seed's "sum over input channels of per-channel kernels"). */
  matmulMaxAbsError: number;
  maxAbsOutput: number;
  /** Parameters of the 1×1 conv (c_in·c_out + c_out). */
  parameters: number;
  /**
   * Share of the output variance that the best affine map of the input pixel vector cannot explain
   * (1 − R², least squares): ~0 for conv1×1 → conv1×1, clearly > 0 once a ReLU sits in between.
   */
  linearStackUnexplained: number;
  reluStackUnexplained: number;
}

/** Solves (AᵀA) β = Aᵀy for every output column by Cholesky; A gets a column of ones (intercept). */
function leastSquaresUnexplained(inputs: Float64Array, rows: number, p: number, outputs: Float64Array, q: number): number {
  const d = p + 1;
  const gram = new Float64Array(d * d);
  const rhs = new Float64Array(d * q);
  const a = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < p; i++) a[i] = inputs[r * p + i] as number;
    a[p] = 1;
    for (let i = 0; i < d; i++) {
      const ai = a[i] as number;
      for (let j = 0; j <= i; j++) gram[i * d + j] = (gram[i * d + j] as number) + ai * (a[j] as number);
      for (let o = 0; o < q; o++) rhs[i * q + o] = (rhs[i * q + o] as number) + ai * (outputs[r * q + o] as number);
    }
  }
  // Cholesky L·Lᵀ = gram (lower triangle), tiny ridge for safety.
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = (gram[i * d + j] as number) + (i === j ? 1e-10 * rows : 0);
      for (let k = 0; k < j; k++) s -= (L[i * d + k] as number) * (L[j * d + k] as number);
      if (i === j) {
        if (!(s > 0)) throw new Error('leastSquaresUnexplained: the inputs are linearly dependent (Gram matrix not positive definite)');
        L[i * d + i] = Math.sqrt(s);
      } else L[i * d + j] = s / (L[j * d + j] as number);
    }
  }
  const beta = new Float64Array(d * q);
  const z = new Float64Array(d);
  for (let o = 0; o < q; o++) {
    for (let i = 0; i < d; i++) {
      let s = rhs[i * q + o] as number;
      for (let k = 0; k < i; k++) s -= (L[i * d + k] as number) * (z[k] as number);
      z[i] = s / (L[i * d + i] as number);
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = z[i] as number;
      for (let k = i + 1; k < d; k++) s -= (L[k * d + i] as number) * (beta[k * q + o] as number);
      beta[i * q + o] = s / (L[i * d + i] as number);
    }
  }
  let residual = 0;
  let total = 0;
  const means = new Float64Array(q);
  for (let r = 0; r < rows; r++) for (let o = 0; o < q; o++) means[o] = (means[o] as number) + (outputs[r * q + o] as number) / rows;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < q; o++) {
      let fit = beta[p * q + o] as number;
      for (let i = 0; i < p; i++) fit += (inputs[r * p + i] as number) * (beta[i * q + o] as number);
      const y = outputs[r * q + o] as number;
      residual += (y - fit) ** 2;
      total += (y - (means[o] as number)) ** 2;
    }
  }
  return residual / total;
}

/**
 * 1×1 convolution as channel mixing: tf.conv2d with a [1, 1, c_in, c_out] kernel against the matrix product of the
 * (N·H·W) × c_in pixel matrix with the c_in × c_out weight matrix; then whether conv1×1 → (ReLU) → conv1×1 is still
 * an affine map of each pixel's channel vector (least-squares fit).
 */
export function pointwiseConvCheck(c: PointwiseCase, seed: number, batch = 2): PointwiseResult {
  const rng = createRng(seed);
  const n = batch * c.height * c.width;
  const xs = Float32Array.from(normalArray(rng, n * c.inChannels, 1));
  const w1 = randomConv(rng, 1, c.inChannels, c.outChannels, 1);
  const h1 = randomConv(rng, 1, c.inChannels, c.hiddenChannels, 1);
  const h2 = randomConv(rng, 1, c.hiddenChannels, c.outChannels, 1);
  const out = tf.tidy(() => {
    const x = tf.tensor4d(xs, [batch, c.height, c.width, c.inChannels]);
    const conv = applyConv(x, w1);
    const matrix = tf.add(
      tf.matMul(tf.reshape(x, [n, c.inChannels]), tf.tensor2d(Float32Array.from(w1.kernel.values), [c.inChannels, c.outChannels])),
      tf.tensor1d(Float32Array.from(w1.bias)),
    );
    const err = tf.max(tf.abs(tf.sub(tf.reshape(conv, [n, c.outChannels]), matrix))).dataSync()[0] as number;
    const scale = tf.max(tf.abs(conv)).dataSync()[0] as number;
    const linear = applyConv(applyConv(x, h1), h2).dataSync();
    const nonlinear = applyConv(applyConv(x, h1, true), h2).dataSync();
    return { err: tf.scalar(err), scale: tf.scalar(scale), linear: Float32Array.from(linear), nonlinear: Float32Array.from(nonlinear) };
  });
  const inputs = Float64Array.from(xs);
  const err = out.err.dataSync()[0] as number;
  const scale = out.scale.dataSync()[0] as number;
  tf.dispose([out.err, out.scale]);
  return {
    case: `${c.height}×${c.width}×${c.inChannels} → ${c.outChannels} channels (hidden ${c.hiddenChannels})`,
    matmulMaxAbsError: err,
    maxAbsOutput: scale,
    parameters: c.inChannels * c.outChannels + c.outChannels,
    linearStackUnexplained: leastSquaresUnexplained(inputs, n, c.inChannels, Float64Array.from(out.linear), c.outChannels),
    reluStackUnexplained: leastSquaresUnexplained(inputs, n, c.inChannels, Float64Array.from(out.nonlinear), c.outChannels),
  };
}

/**
 * Notebook 05, section 2 — receptive field and parameter count. The analytic numbers come from
 * models/receptiveField.ts; here they are (a) compared between one large kernel and stacked 3×3 kernels of the same
 * receptive field, and (b) checked by measuring the receptive field of the built tf model with a gradient: the input
 * pixels that one output unit depends on are exactly those where ∂y/∂x ≠ 0.
 */
import * as tf from '@tensorflow/tfjs';
import {
  alexNetConvStack,
  convStackGeometry,
  convStackModel,
  stackReceptiveField,
  vgg16ConvStack,
  type ConvStackLayer,
  type ConvStackRow,
  type FeatureMapShape,
} from '../../models/receptiveField';
import type { Row } from '../../report/table';

export interface MeasuredReceptiveField {
  /** Extent (rows, columns) of the input pixels with a non-zero gradient. */
  height: number;
  width: number;
  /** First input row/column with a non-zero gradient (may be 0 when clipped by the image border). */
  top: number;
  left: number;
  /** The output unit probed (row, column, channel 0). */
  outputRow: number;
  outputColumn: number;
  /** |∂y/∂x| summed over input channels, row-major height × width of the input (for the effective-RF picture). */
  gradient: Float32Array;
  inputHeight: number;
  inputWidth: number;
}

/**
 * Share of the gradient mass |∂y/∂x| that falls in the central square of the receptive field whose side is
 * `fraction` of the receptive field's side (rounded, at least 1 pixel; centred, the lower-left centre when the
 * parity differs). A uniform map gives about fraction²; a map peaked at the centre gives more — the "effective"
 * receptive field is smaller than the theoretical one.
 */
export function centralShare(m: MeasuredReceptiveField, fraction = 1 / 3): number {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`centralShare: fraction must be in (0, 1]; got ${fraction}`);
  const side = m.height;
  const inner = Math.max(1, Math.round(side * fraction));
  const r0 = m.top + Math.floor((m.height - inner) / 2);
  const c0 = m.left + Math.floor((m.width - inner) / 2);
  let central = 0;
  let total = 0;
  for (let r = 0; r < m.inputHeight; r++) for (let c = 0; c < m.inputWidth; c++) {
    const v = m.gradient[r * m.inputWidth + c] as number;
    total += v;
    if (r >= r0 && r < r0 + inner && c >= c0 && c < c0 + inner) central += v;
  }
  if (!(total > 0)) throw new Error('centralShare: the gradient map is all zero');
  return central / total;
}

/**
 * Measures the receptive field of one output unit of a conv stack: builds it with `channels` channels per conv,
 * every weight 1 and biases 0 (so that no path can cancel another: ∂y/∂x counts paths), pools as averages, and
 * takes the gradient of output unit (row, column, channel 0) — the centre unit by default — at x = 0.
 */
export function measureReceptiveField(
  layers: readonly ConvStackLayer[],
  input: FeatureMapShape,
  options: { channels?: number; outputRow?: number; outputColumn?: number } = {},
): MeasuredReceptiveField {
  const rows = convStackGeometry(layers, input);
  const last = rows[rows.length - 1];
  if (!last) throw new Error('measureReceptiveField: the stack is empty');
  const outputRow = options.outputRow ?? Math.floor(last.outHeight / 2);
  const outputColumn = options.outputColumn ?? Math.floor(last.outWidth / 2);
  if (!(outputRow >= 0 && outputRow < last.outHeight && outputColumn >= 0 && outputColumn < last.outWidth)) {
    throw new Error(`measureReceptiveField: output unit (${outputRow}, ${outputColumn}) is outside the ${last.outHeight}×${last.outWidth} output`);
  }
  // tfjs has no gradient for dilated convs: a dilated k×k conv becomes an undilated one of its span whose weights
  // are 1 on the dilated taps only (the same linear map).
  const dilation = new Map(layers.map((l) => [l.name, l.dilation ?? 1]));
  const undilated = layers.map((l): ConvStackLayer => {
    const d = l.dilation ?? 1;
    return d === 1 ? l : { ...l, kernel: d * (l.kernel - 1) + 1, dilation: 1 };
  });
  const model = convStackModel(undilated, input, { channels: options.channels ?? 1, poolsAsAverage: true, ignoreGroups: true });
  try {
    for (const w of model.weights) {
      const layer = w.originalName.slice(0, w.originalName.lastIndexOf('/'));
      const d = dilation.get(layer) ?? 1;
      tf.tidy(() => {
        if (/bias$/.test(w.originalName)) w.write(tf.zeros(w.shape as number[]));
        else if (d === 1) w.write(tf.ones(w.shape as number[]));
        else {
          const [kh, kw, ...rest] = w.shape as number[];
          const taps = new Float32Array((kh as number) * (kw as number)).map((_, i) => (Math.floor(i / (kw as number)) % d === 0 && (i % (kw as number)) % d === 0 ? 1 : 0));
          const mask = tf.reshape(tf.tensor1d(taps), [kh as number, kw as number, ...rest.map(() => 1)]);
          w.write(tf.mul(tf.ones(w.shape as number[]), mask));
        }
      });
    }
    const gradient = tf.tidy(() => {
      const f = (x: tf.Tensor): tf.Scalar => {
        const y = model.apply(x) as tf.Tensor4D;
        return tf.sum(tf.slice(y, [0, outputRow, outputColumn, 0], [1, 1, 1, 1]));
      };
      const g = tf.grad(f)(tf.zeros([1, input.height, input.width, input.channels]));
      return tf.sum(tf.abs(g), [0, 3]).dataSync() as Float32Array;
    });
    let top = Infinity;
    let bottom = -Infinity;
    let left = Infinity;
    let right = -Infinity;
    for (let r = 0; r < input.height; r++) for (let c = 0; c < input.width; c++) {
      if ((gradient[r * input.width + c] as number) !== 0) {
        top = Math.min(top, r);
        bottom = Math.max(bottom, r);
        left = Math.min(left, c);
        right = Math.max(right, c);
      }
    }
    if (!Number.isFinite(top)) throw new Error('measureReceptiveField: the gradient is zero everywhere');
    return {
      height: bottom - top + 1, width: right - left + 1, top, left, outputRow, outputColumn,
      gradient: Float32Array.from(gradient), inputHeight: input.height, inputWidth: input.width,
    };
  } finally {
    model.dispose();
  }
}

/** A named conv stack on its input (the notebook's receptive-field table). */
export interface NamedStack {
  name: string;
  layers: ConvStackLayer[];
  input: FeatureMapShape;
}

/**
 * One large k×k conv vs n = (k − 1)/2 stacked 3×3 convs (C → C channels, 'same' padding, no bias), for each odd k:
 * same receptive field, 9n·C² vs k²·C² weights, n vs 1 nonlinearities.
 */
export function stackedVersusLargeKernels(kernels: readonly number[], channels: number, size: number): Row[] {
  return kernels.map((k) => {
    if (!(Number.isInteger(k) && k >= 3 && k % 2 === 1)) throw new Error(`stackedVersusLargeKernels: kernels must be odd integers ≥ 3; got ${k}`);
    const n = (k - 1) / 2;
    const input = { height: size, width: size, channels };
    const big = convStackGeometry([{ name: 'big', type: 'conv', kernel: k, padding: 'same', filters: channels, bias: false }], input);
    const stacked = convStackGeometry(
      Array.from({ length: n }, (_, i): ConvStackLayer => ({ name: `c${i + 1}`, type: 'conv', kernel: 3, padding: 'same', filters: channels, bias: false })),
      input,
    );
    const b = big[0] as ConvStackRow;
    const s = stacked[n - 1] as ConvStackRow;
    return {
      receptiveField: k,
      largeKernel: `1 × ${k}×${k}`,
      stackedKernels: `${n} × 3×3`,
      largeReceptiveField: b.receptiveField,
      stackedReceptiveField: s.receptiveField,
      largeParameters: b.cumulativeParameters,
      stackedParameters: s.cumulativeParameters,
      parameterRatio: s.cumulativeParameters / b.cumulativeParameters,
      largeMacs: b.cumulativeMacs,
      stackedMacs: s.cumulativeMacs,
      stackedNonlinearities: n,
    };
  });
}

/** The notebook's stacks: AlexNet (both ways) and VGG-16 at their ImageNet input sizes. */
export function classicStacks(): NamedStack[] {
  return [
    { name: 'AlexNet (one GPU)', layers: alexNetConvStack(), input: { height: 227, width: 227, channels: 3 } },
    { name: 'AlexNet (two-GPU split)', layers: alexNetConvStack({ twoGpu: true }), input: { height: 227, width: 227, channels: 3 } },
    { name: 'VGG-16', layers: vgg16ConvStack(), input: { height: 224, width: 224, channels: 3 } },
  ];
}

/** Analytic vs gradient-measured receptive field of each stack's last layer (centre unit, 1 channel per conv). */
export function receptiveFieldChecks(stacks: readonly NamedStack[]): Row[] {
  return stacks.map((s) => {
    const measured = measureReceptiveField(s.layers, s.input);
    const rows = convStackGeometry(s.layers, s.input);
    const last = rows[rows.length - 1] as ConvStackRow;
    return {
      stack: s.name,
      input: `${s.input.height}×${s.input.width}×${s.input.channels}`,
      output: `${last.outHeight}×${last.outWidth}×${last.outChannels}`,
      analyticReceptiveField: stackReceptiveField(s.layers, s.input),
      measuredHeight: measured.height,
      measuredWidth: measured.width,
      parameters: last.cumulativeParameters,
      macs: last.cumulativeMacs,
    };
  });
}

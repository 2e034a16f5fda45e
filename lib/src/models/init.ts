import * as tf from '@tensorflow/tfjs';
import { createRng } from '../util/random';

/**
 * Weight initialisation schemes, each exactly as PyTorch defines it (torch.nn.init), so that runs can be compared
 * with the original studies:
 * - `torch-default`: what nn.Linear / nn.Conv2d do in reset_parameters(): kaiming_uniform(a=√5) on the weight, i.e.
 *   U(−1/√fan_in, 1/√fan_in), and the bias U(−1/√fan_in, 1/√fan_in).
 * - `kaiming-uniform`: U(−b, b), b = gain·√(3/fan_in), gain = √2 (nonlinearity='relu', mode='fan_in').
 * - `kaiming-normal`: N(0, std²), std = gain/√fan_in, gain = √2.
 * - `glorot-uniform` / `glorot-normal` (xavier_*, gain 1): b = √(6/(fan_in+fan_out)), std = √(2/(fan_in+fan_out)).
 * fan_in of a conv kernel is in_channels·kh·kw (PyTorch); of a depthwise kernel kh·kw (groups = in_channels).
 */
export type InitScheme = 'torch-default' | 'kaiming-uniform' | 'kaiming-normal' | 'glorot-uniform' | 'glorot-normal';

/** How a bias is set. */
export type BiasInit = 'zeros' | 'torch-default';

export interface InitOptions {
  /** Scheme for conv/dense weights (default 'torch-default'). */
  scheme?: InitScheme;
  /**
   * Dense (Linear) bias. Default: 'torch-default' when scheme is 'torch-default', otherwise 'zeros'
   * (the parameter-change study's convention: kaiming on weights, Linear bias 0).
   */
  denseBias?: BiasInit;
  /** Conv bias. Default 'torch-default' (the original parameter-change study: conv bias keeps PyTorch's default). */
  convBias?: BiasInit;
  /** Seed of the generator (util/random createRng); one seed fixes every value. */
  seed: number;
}

/** fan_in and fan_out of a tfjs kernel as PyTorch computes them for the equivalent torch weight. */
export interface Fans {
  fanIn: number;
  fanOut: number;
}

/**
 * fan_in / fan_out for a tfjs kernel shape. Dense [in, out] → (in, out). Conv2D [kh, kw, in, out] →
 * (in·kh·kw, out·kh·kw). Depthwise [kh, kw, in, mult] (`depthwise: true`) → (kh·kw, in·mult·kh·kw), as torch with
 * groups = in (weight [in·mult, 1, kh, kw]).
 */
export function computeFans(shape: readonly number[], options: { depthwise?: boolean } = {}): Fans {
  if (shape.length === 2) {
    const [fanIn, fanOut] = shape as [number, number];
    return { fanIn, fanOut };
  }
  if (shape.length === 4) {
    const [kh, kw, inC, outC] = shape as [number, number, number, number];
    const receptive = kh * kw;
    if (options.depthwise) return { fanIn: receptive, fanOut: inC * outC * receptive };
    return { fanIn: inC * receptive, fanOut: outC * receptive };
  }
  throw new Error(`computeFans: expected a rank-2 (dense) or rank-4 (conv) kernel shape, got [${shape.join(', ')}]`);
}

const RELU_GAIN = Math.SQRT2;

/**
 * Draws `count` values of a scheme for the given fans with a seeded generator (float64 draws rounded to float32).
 * 'torch-default-bias' is PyTorch's default bias init U(−1/√fan_in, 1/√fan_in) (same bound as the weight).
 */
export function initValues(scheme: InitScheme | 'torch-default-bias', fans: Fans, count: number, seed: number): Float32Array {
  if (!(fans.fanIn > 0) || !(fans.fanOut > 0)) {
    throw new Error(`initValues: fans must be positive, got fan_in=${fans.fanIn}, fan_out=${fans.fanOut}`);
  }
  const rng = createRng(seed);
  const out = new Float32Array(count);
  const uniform = (bound: number): Float32Array => {
    for (let i = 0; i < count; i++) out[i] = (2 * rng.next() - 1) * bound;
    return out;
  };
  const normal = (std: number): Float32Array => {
    for (let i = 0; i < count; i++) out[i] = rng.normal() * std;
    return out;
  };
  switch (scheme) {
    case 'torch-default':
    case 'torch-default-bias':
      // kaiming_uniform(a=√5): gain √(2/(1+5)), bound gain·√(3/fan_in) = 1/√fan_in; the bias uses the same bound.
      return uniform(1 / Math.sqrt(fans.fanIn));
    case 'kaiming-uniform':
      return uniform(RELU_GAIN * Math.sqrt(3 / fans.fanIn));
    case 'kaiming-normal':
      return normal(RELU_GAIN / Math.sqrt(fans.fanIn));
    case 'glorot-uniform':
      return uniform(Math.sqrt(6 / (fans.fanIn + fans.fanOut)));
    case 'glorot-normal':
      return normal(Math.sqrt(2 / (fans.fanIn + fans.fanOut)));
    default: {
      const never: never = scheme;
      throw new Error(`initValues: unknown scheme '${String(never)}'`);
    }
  }
}

/** A child seed per parameter name, so each parameter's values depend only on (seed, name). */
export function parameterSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (Math.trunc(seed) >>> 0);
  for (let i = 0; i < name.length; i++) {
    h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  }
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
}

const CONV_CLASSES = new Set(['Conv2D', 'Conv1D', 'Conv3D', 'Conv2DTranspose']);

function assign(variable: tf.LayerVariable, values: Float32Array): void {
  tf.tidy(() => {
    variable.write(tf.tensor(values, variable.shape as number[], 'float32'));
  });
}

/**
 * (Re)initialises every Conv2D / DepthwiseConv2D / SeparableConv2D / Dense kernel and bias of a model in place.
 * Each parameter gets its own child seed from (seed, canonical name), so adding a layer does not change the others.
 * BatchNorm: gamma 1, beta 0, moving mean 0, moving variance 1 (PyTorch defaults).
 */
export function initializeModel(model: tf.LayersModel, options: InitOptions): void {
  const scheme = options.scheme ?? 'torch-default';
  const denseBias = options.denseBias ?? (scheme === 'torch-default' ? 'torch-default' : 'zeros');
  const convBias = options.convBias ?? 'torch-default';
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) {
      initializeModel(layer, options);
      continue;
    }
    const cls = layer.getClassName();
    const byShortName = new Map<string, tf.LayerVariable>();
    for (const w of layer.weights) byShortName.set(w.originalName.slice(w.originalName.lastIndexOf('/') + 1), w);
    const draw = (w: tf.LayerVariable, s: InitScheme | 'torch-default-bias', fans: Fans): void => {
      assign(w, initValues(s, fans, sizeOf(w.shape), parameterSeed(options.seed, w.originalName)));
    };
    const setConstant = (w: tf.LayerVariable | undefined, value: number): void => {
      if (w) assign(w, new Float32Array(sizeOf(w.shape)).fill(value));
    };
    if (cls === 'Dense' || CONV_CLASSES.has(cls) || cls === 'DepthwiseConv2D' || cls === 'SeparableConv2D') {
      let weightFans: Fans | undefined;
      const kernel = byShortName.get('kernel');
      if (kernel) {
        weightFans = computeFans(kernel.shape as number[]);
        draw(kernel, scheme, weightFans);
      }
      const depthwise = byShortName.get('depthwise_kernel');
      if (depthwise) {
        const fans = computeFans(depthwise.shape as number[], { depthwise: true });
        draw(depthwise, scheme, fans);
        if (!kernel) weightFans = fans;
      }
      const pointwise = byShortName.get('pointwise_kernel');
      if (pointwise) {
        weightFans = computeFans(pointwise.shape as number[]);
        draw(pointwise, scheme, weightFans);
      }
      const bias = byShortName.get('bias');
      if (bias && weightFans) {
        const rule = cls === 'Dense' ? denseBias : convBias;
        if (rule === 'zeros') setConstant(bias, 0);
        else draw(bias, 'torch-default-bias', weightFans);
      }
    } else if (cls === 'BatchNormalization') {
      setConstant(byShortName.get('gamma'), 1);
      setConstant(byShortName.get('beta'), 0);
      setConstant(byShortName.get('moving_mean'), 0);
      setConstant(byShortName.get('moving_variance'), 1);
    } else if (layer.weights.length > 0) {
      throw new Error(`initializeModel: layer '${layer.name}' of class ${cls} has weights but no known init rule`);
    }
  }
}

function sizeOf(shape: readonly (number | null)[]): number {
  let n = 1;
  for (const d of shape) {
    if (d === null) throw new Error('initializeModel: weight shape has an unknown dimension');
    n *= d;
  }
  return n;
}

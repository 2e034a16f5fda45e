import * as tf from '@tensorflow/tfjs';

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
   * (the seed-002 convention: kaiming on weights, Linear bias 0).
   */
  denseBias?: BiasInit;
  /** Conv bias. Default 'torch-default' (seed 002: conv bias keeps PyTorch's default). */
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
 * (in·kh·kw, out·kh·kw). Depthwise [kh, kw, in, mult] (`depthwise: true`) → (kh·kw, mult·kh·kw), as torch with groups=in.
 */
export function computeFans(shape: readonly number[], options: { depthwise?: boolean } = {}): Fans {
  void shape;
  void options;
  throw new Error('computeFans: not implemented yet');
}

/** Draws `count` values of a scheme for the given fans with a seeded generator; Float32Array. */
export function initValues(scheme: InitScheme | 'torch-default-bias', fans: Fans, count: number, seed: number): Float32Array {
  void scheme;
  void fans;
  void count;
  void seed;
  throw new Error('initValues: not implemented yet');
}

/**
 * (Re)initialises every Conv2D / DepthwiseConv2D / SeparableConv2D / Dense kernel and bias of a model in place,
 * layer by layer in model order, each parameter from its own child seed (so adding a layer at the end does not
 * change the earlier ones). BatchNorm: gamma 1, beta 0, moving mean 0, moving variance 1 (PyTorch defaults).
 */
export function initializeModel(model: tf.LayersModel, options: InitOptions): void {
  void model;
  void options;
  throw new Error('initializeModel: not implemented yet');
}

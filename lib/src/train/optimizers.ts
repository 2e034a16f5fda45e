import * as tf from '@tensorflow/tfjs';

/**
 * Optimisers implemented on tf variables with PyTorch's update formulas (torch.optim.SGD / Adam), so that an update
 * mask can freeze single elements exactly (tfjs' own Adam moves an element with zero gradient through its first
 * moment; so does momentum).
 * - SGD: g ← g + wd·θ; b ← μ·b + (1−dampening)·g (b ← g on the first step); g ← nesterov ? g + μ·b : b; θ ← θ − lr·g.
 * - Adam: g ← g + wd·θ; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; θ ← θ − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + eps).
 */
export type OptimizerConfig =
  | { kind: 'sgd'; lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }
  | { kind: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number };

export interface OptimizerStepOptions {
  /** Learning rate of this step (default config.lr). */
  lr?: number;
  /**
   * Element-wise update masks by parameter name (same shape as the parameter, 0 or 1; a missing name = all 1).
   * Where the mask is 0 the parameter AND its optimiser state (momentum buffer, Adam moments) stay exactly as they
   * were: the element is frozen for this step, bit for bit.
   */
  updateMasks?: ReadonlyMap<string, tf.Tensor>;
}

export interface ParameterOptimizer {
  readonly config: OptimizerConfig;
  /** Steps taken so far (Adam's t). */
  readonly stepCount: number;
  /** One update of every parameter that has a gradient in `grads` (keyed by canonical parameter name). */
  step(grads: ReadonlyMap<string, tf.Tensor>, options?: OptimizerStepOptions): void;
  /** Frees the optimiser state tensors. */
  dispose(): void;
}

/** An optimiser over named tf variables (see `trainableVariablesByName` for a model's trainable variables by name). */
export function createOptimizer(config: OptimizerConfig, parameters: ReadonlyMap<string, tf.Variable>): ParameterOptimizer {
  void config;
  void parameters;
  throw new Error('createOptimizer: not implemented yet');
}

import type { InitScheme } from './init';

/** Options every model builder takes. Models output logits (no softmax); the loss applies softmax cross-entropy. */
export interface ModelInitOptions {
  /** Weight init scheme (default 'torch-default'). See `initializeModel`. */
  init?: InitScheme;
  /** Seed for the init (required: one seed fixes a run). */
  seed: number;
}

/** BatchNorm settings matching PyTorch's nn.BatchNorm2d defaults: momentum 0.1 (tfjs momentum 0.9), eps 1e-5. */
export const TORCH_BN_MOMENTUM = 0.9;
export const TORCH_BN_EPSILON = 1e-5;


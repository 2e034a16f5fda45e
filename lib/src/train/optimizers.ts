import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE, fusedAdamUpdate, fusedSgdUpdate, SGD_UPDATE } from '../backend/kernels/optimizerUpdate';

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

interface ParameterState {
  variable: tf.Variable;
  /** SGD momentum buffer, or Adam first moment. */
  first?: tf.Variable;
  /** Adam second moment. */
  second?: tf.Variable;
}

function checkConfig(config: OptimizerConfig): void {
  const bad = (what: string, v: number, rule: string): never => {
    throw new Error(`optimizer ${config.kind}: ${what} must be ${rule}, got ${v}`);
  };
  if (!(config.lr >= 0)) bad('lr', config.lr, '≥ 0');
  if ((config.weightDecay ?? 0) < 0) bad('weightDecay', config.weightDecay as number, '≥ 0');
  if (config.kind === 'sgd') {
    const m = config.momentum ?? 0;
    if (!(m >= 0)) bad('momentum', m, '≥ 0');
    if (config.nesterov && (m <= 0 || (config.dampening ?? 0) !== 0)) {
      throw new Error('optimizer sgd: nesterov needs momentum > 0 and dampening 0 (as PyTorch)');
    }
  } else {
    const b1 = config.beta1 ?? 0.9;
    const b2 = config.beta2 ?? 0.999;
    if (!(b1 >= 0 && b1 < 1)) bad('beta1', b1, 'in [0, 1)');
    if (!(b2 >= 0 && b2 < 1)) bad('beta2', b2, 'in [0, 1)');
    if (!((config.eps ?? 1e-8) >= 0)) bad('eps', config.eps as number, '≥ 0');
  }
}

export interface CreateOptimizerOptions {
  /**
   * Update every parameter in ONE fused kernel (NetstatsSgdUpdate / NetstatsAdamUpdate of the kernel pack) when the
   * active backend has it — the same float32 results bit for bit (test/backend/kernels-optimizer.test.ts), instead of
   * 5 (SGD) to 12 (Adam) tfjs ops per parameter. Default true; false forces the op-by-op path (the tests' reference).
   */
  fused?: boolean;
}

/**
 * An optimiser over named tf variables (see `trainableVariablesByName` for a model's trainable variables by name).
 * State lives in tf variables created on a parameter's first step. As PyTorch, the momentum buffer starts as the
 * first gradient (elements masked on that first step keep a zero buffer).
 */
export function createOptimizer(config: OptimizerConfig, parameters: ReadonlyMap<string, tf.Variable>, options: CreateOptimizerOptions = {}): ParameterOptimizer {
  checkConfig(config);
  const states = new Map<string, ParameterState>();
  for (const [name, variable] of parameters) states.set(name, { variable });
  let stepCount = 0;
  let disposed = false;
  const zerosLike = (v: tf.Variable): tf.Variable => tf.variable(tf.zerosLike(v), false);

  const select = (mask: tf.Tensor | undefined, updated: tf.Tensor, old: tf.Tensor): tf.Tensor =>
    mask ? tf.where(tf.cast(mask, 'bool'), updated, old) : updated;

  /** The whole step as one pack kernel; false (nothing done) where the backend lacks it or a dtype is not float32. */
  const fusedStep = (grads: ReadonlyMap<string, tf.Tensor>, masks: ReadonlyMap<string, tf.Tensor> | undefined, lr: number, t: number): boolean => {
    if (options.fused === false || grads.size === 0) return false;
    if (tf.getKernel(config.kind === 'sgd' ? SGD_UPDATE : ADAM_UPDATE, tf.getBackend()) === undefined) return false;
    const items = [...grads].map(([name, grad]) => ({ state: states.get(name) as ParameterState, grad, mask: masks?.get(name) }));
    if (!items.every((e) => e.grad.dtype === 'float32' && e.state.variable.dtype === 'float32' && (e.mask === undefined || e.mask.dtype === 'float32'))) return false;
    const wd = config.weightDecay ?? 0;
    tf.tidy(() => {
      if (config.kind === 'sgd') {
        const momentum = config.momentum ?? 0;
        const out = fusedSgdUpdate(items.map((e) => ({ param: e.state.variable, grad: e.grad, buffer: e.state.first ?? null, ...(e.mask ? { mask: e.mask } : {}) })),
          { lr, momentum, dampening: config.dampening ?? 0, nesterov: config.nesterov === true, weightDecay: wd, inPlace: true });
        items.forEach((e, i) => {
          const o = out[i] as { param: tf.Tensor; buffer: tf.Tensor | null };
          if (o.buffer !== null) {
            if (e.state.first) e.state.first.assign(o.buffer);
            else e.state.first = tf.keep(tf.variable(o.buffer, false));
          }
          e.state.variable.assign(o.param);
        });
      } else {
        for (const e of items) {
          if (!e.state.first) e.state.first = tf.keep(zerosLike(e.state.variable));
          if (!e.state.second) e.state.second = tf.keep(zerosLike(e.state.variable));
        }
        const out = fusedAdamUpdate(items.map((e) => ({ param: e.state.variable, grad: e.grad, m: e.state.first as tf.Variable, v: e.state.second as tf.Variable, ...(e.mask ? { mask: e.mask } : {}) })),
          { lr, beta1: config.beta1 ?? 0.9, beta2: config.beta2 ?? 0.999, eps: config.eps ?? 1e-8, weightDecay: wd, step: t, inPlace: true });
        items.forEach((e, i) => {
          const o = out[i] as { param: tf.Tensor; m: tf.Tensor; v: tf.Tensor };
          (e.state.first as tf.Variable).assign(o.m);
          (e.state.second as tf.Variable).assign(o.v);
          e.state.variable.assign(o.param);
        });
      }
    });
    return true;
  };

  return {
    config,
    get stepCount() {
      return stepCount;
    },
    step(grads: ReadonlyMap<string, tf.Tensor>, options: OptimizerStepOptions = {}): void {
      if (disposed) throw new Error('optimizer: step() after dispose()');
      const lr = options.lr ?? config.lr;
      stepCount += 1;
      const t = stepCount;
      // Every name and shape first, so that a bad entry changes no parameter.
      for (const [name, grad] of grads) {
        const state = states.get(name);
        if (!state) throw new Error(`optimizer: gradient for unknown parameter '${name}'`);
        if (!tf.util.arraysEqual(grad.shape, state.variable.shape)) {
          throw new Error(`optimizer: gradient of '${name}' has shape [${grad.shape}], parameter [${state.variable.shape}]`);
        }
        const mask = options.updateMasks?.get(name);
        if (mask && !tf.util.arraysEqual(mask.shape, state.variable.shape)) {
          throw new Error(`optimizer: update mask of '${name}' has shape [${mask.shape}], parameter [${state.variable.shape}]`);
        }
      }
      if (fusedStep(grads, options.updateMasks, lr, t)) return;
      for (const [name, grad] of grads) {
        // names and shapes were checked above, before any parameter changed
        const state = states.get(name) as ParameterState;
        const { variable } = state;
        const mask = options.updateMasks?.get(name);
        tf.tidy(() => {
          const theta = variable as tf.Tensor;
          let g: tf.Tensor = grad;
          const wd = config.weightDecay ?? 0;
          if (wd !== 0) g = tf.add(g, tf.mul(theta, wd));
          if (config.kind === 'sgd') {
            const momentum = config.momentum ?? 0;
            if (momentum !== 0) {
              const dampening = config.dampening ?? 0;
              let buf: tf.Tensor;
              if (!state.first) {
                // PyTorch: the buffer starts as a copy of the first gradient (no dampening on that step).
                state.first = zerosLike(variable);
                buf = g;
              } else {
                buf = tf.add(tf.mul(state.first, momentum), tf.mul(g, 1 - dampening));
              }
              state.first.assign(select(mask, buf, state.first));
              g = config.nesterov ? tf.add(g, tf.mul(buf, momentum)) : buf;
            }
            variable.assign(select(mask, tf.sub(theta, tf.mul(g, lr)), theta));
          } else {
            const beta1 = config.beta1 ?? 0.9;
            const beta2 = config.beta2 ?? 0.999;
            const eps = config.eps ?? 1e-8;
            state.first ??= zerosLike(variable);
            state.second ??= zerosLike(variable);
            const m = tf.add(tf.mul(state.first, beta1), tf.mul(g, 1 - beta1));
            const v = tf.add(tf.mul(state.second, beta2), tf.mul(tf.square(g), 1 - beta2));
            state.first.assign(select(mask, m, state.first));
            state.second.assign(select(mask, v, state.second));
            const biasCorrection1 = 1 - beta1 ** t;
            const biasCorrection2 = 1 - beta2 ** t;
            // torch: denom = sqrt(v) / sqrt(bc2) + eps; p -= (lr / bc1) · m / denom
            const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(biasCorrection2)), eps);
            const update = tf.mul(tf.div(m, denom), lr / biasCorrection1);
            variable.assign(select(mask, tf.sub(theta, update), theta));
          }
        });
      }
    },
    dispose(): void {
      disposed = true;
      for (const s of states.values()) {
        s.first?.dispose();
        s.second?.dispose();
        delete s.first;
        delete s.second;
      }
    },
  };
}

// tf.train.momentum (tfjs's MomentumOptimizer) updates each variable with ~4 tfjs ops in its own
// tidy: ~120 kernel calls per step for a small ResNet, most of them on tiny tensors, where tfjs's
// per-op overhead dominates. This hook runs the whole update as ONE pack kernel (NetstatsSgdUpdate)
// when the active backend has it — same accumulators (`<name>/momentum` variables), same float32
// results bit for bit (acc <- m*acc + g; value <- value + (-lr)*acc, or the Nesterov form) — and the
// optimizer's own code everywhere else.
import * as tf from '@tensorflow/tfjs';
import { momentumInternals, momentumOptimizerPrototype, registeredVariable } from '../tfjsInternals';
import { fusedSgdUpdate, SGD_UPDATE } from './optimizerUpdate';

type NamedGradients = Parameters<tf.MomentumOptimizer['applyGradients']>[0];
type ApplyFn = (this: tf.MomentumOptimizer, grads: NamedGradients) => void;

let original: ApplyFn | null = null;

function fusedApplyGradients(this: tf.MomentumOptimizer, variableGradients: NamedGradients): void {
  if (original === null) throw new Error('kernel pack: momentum hook called while not installed');
  const self = momentumInternals(this);
  const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
  const gradientOf = (name: string, i: number): tf.Tensor | undefined =>
    Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
  const values = names.map(registeredVariable);
  const usable = tf.getKernel(SGD_UPDATE, tf.getBackend()) !== undefined && names.every((name, i) => {
    const g = gradientOf(name, i), v = values[i];
    return v !== undefined && v.dtype === 'float32' && (g === undefined || g === null || g.dtype === 'float32');
  });
  if (!usable) { original.call(this, variableGradients); return; }
  // Accumulators are created exactly as the optimizer does (zeros, non-trainable, same names).
  names.forEach((name, i) => {
    if (self.accumulations[i] == null) {
      self.accumulations[i] = { originalName: `${name}/momentum`, variable: tf.tidy(() => tf.zerosLike(values[i] as tf.Variable).variable(false)) };
    }
  });
  const [momentum] = self.m.dataSync();
  const [negativeLr] = self.c.dataSync();
  const active = names.map((name, i) => ({ i, grad: gradientOf(name, i) })).filter((e): e is { i: number; grad: tf.Tensor } => e.grad != null);
  tf.tidy(() => {
    const out = fusedSgdUpdate(active.map(({ i, grad }) => ({
      param: values[i] as tf.Variable, grad, buffer: (self.accumulations[i] as { variable: tf.Variable }).variable,
    })), { lr: -negativeLr, momentum, nesterov: self.useNesterov, inPlace: true });
    active.forEach(({ i }, k) => {
      (self.accumulations[i] as { variable: tf.Variable }).variable.assign(out[k].buffer as tf.Tensor);
      (values[i] as tf.Variable).assign(out[k].param);
    });
  });
  self.incrementIterations();
}

/** Installs the hook (idempotent). */
export function installMomentumOptimizerHook(): void {
  if (original !== null) return;
  const prototype = momentumOptimizerPrototype();
  original = prototype.applyGradients;
  prototype.applyGradients = fusedApplyGradients;
}

export function uninstallMomentumOptimizerHook(): void {
  if (original === null) return;
  momentumOptimizerPrototype().applyGradients = original;
  original = null;
}

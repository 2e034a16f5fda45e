// Registers the kernel pack on an initialised backend (call after `await tf.setBackend(name); await tf.ready()`).
// Idempotent: kernels already replaced by the pack are left alone; originals are kept for fallbacks.
import * as tf from '@tensorflow/tfjs';
import { nativeStatus } from '../native/addon';
import { batchMatMulKernel } from './BatchMatMul';
import { installBatchNormLayerHook, uninstallBatchNormLayerHook } from './batchNormLayerHook';
import { BATCH_NORM_TRAIN, batchNormTrainGradKernel, batchNormTrainKernel, registerBatchNormTrainGradient } from './batchNormTrain';
import { conv2DKernel } from './Conv2D';
import { conv2DBackpropFilterKernel } from './Conv2DBackpropFilter';
import { conv2DBackpropInputKernel } from './Conv2DBackpropInput';
import { depthwiseConv2dNativeBackpropFilterKernel } from './DepthwiseConv2dNativeBackpropFilter';
import { depthwiseConv2dNativeBackpropInputKernel } from './DepthwiseConv2dNativeBackpropInput';
import { fusedConv2DKernel } from './FusedConv2D';
import { fusedMatMulKernel } from './FusedMatMul';
import { addKernel, castKernel, multiplyKernel, reluKernel, subKernel } from './elementwise';
import { identityKernel } from './Identity';
import { batchNormInferenceKernel } from './batchNormInference';
import { LEAKY_RELU_GRAD, leakyReluGradKernel, leakyReluKernel, registerLeakyReluGradient } from './leakyRelu';
import { kernelIO, type PackBackend } from './io';
import { installLayerHooks, uninstallLayerHooks } from './layerHooks';
import { PACK_HOOKS, probeTfjsInternals, type PackHook, type TfjsInternalsCheck } from '../tfjsInternals';
import { BIAS_ACT_GRAD, biasActGradKernel, convLayerKernel, denseLayerKernel, registerLayerGradients } from './layerKernels';
import { maxPoolGradKernel, maxPoolKernel } from './MaxPoolGrad';
import { captureOriginal, originalKernelConfig } from './original';
import { meanKernel } from './Mean';
import { installMomentumOptimizerHook, uninstallMomentumOptimizerHook } from './momentumOptimizerHook';
import { adamUpdateKernel, SGD_UPDATE, sgdUpdateKernel } from './optimizerUpdate';
import { registerReductionGradients } from './reductionGrads';
import { installReluAbsorption, uninstallReluAbsorption } from './reluAbsorption';
import { RELU_GRAD, registerReluGradient, reluGradKernel } from './reluGrad';
import { registerSoftmaxXentGradient, SOFTMAX_XENT, softmaxXentGradKernel, softmaxXentKernel } from './softmaxCrossEntropy';
import { sumKernel } from './Sum';
import { tileKernel } from './Tile';
import type { KernelPackReport, PackHookStatus, PackKernel } from './types';

export type { KernelPackReport, PackHookStatus } from './types';

/** Every kernel of the pack; each decides per backend (and native availability) whether it applies. */
export const packKernels: readonly PackKernel[] = [
  conv2DKernel, fusedConv2DKernel, conv2DBackpropInputKernel, conv2DBackpropFilterKernel,
  depthwiseConv2dNativeBackpropInputKernel, depthwiseConv2dNativeBackpropFilterKernel,
  maxPoolKernel, maxPoolGradKernel, batchMatMulKernel, fusedMatMulKernel, tileKernel, sumKernel, meanKernel, identityKernel,
  batchNormTrainKernel, batchNormTrainGradKernel, addKernel, subKernel, multiplyKernel, reluKernel, castKernel, reluGradKernel,
  sgdUpdateKernel, adamUpdateKernel, softmaxXentKernel, softmaxXentGradKernel, convLayerKernel, denseLayerKernel, biasActGradKernel,
  leakyReluKernel, leakyReluGradKernel, batchNormInferenceKernel,
];

const ourFuncs = new Set<tf.KernelFunc>();
const funcByKey = new Map<string, tf.KernelFunc>();

function kernelFuncFor(kernel: PackKernel, backendName: PackBackend): tf.KernelFunc {
  const key = `${backendName}/${kernel.name}`;
  let fn = funcByKey.get(key);
  if (fn === undefined) {
    fn = ({ inputs, backend, attrs }) => kernel.run(kernelIO(backend, backendName), inputs, attrs ?? {});
    funcByKey.set(key, fn);
    ourFuncs.add(fn);
  }
  return fn;
}

export function registerKernelPack(backendName: 'wasm' | 'cpu'): KernelPackReport {
  if (backendName !== 'wasm' && backendName !== 'cpu') {
    throw new Error(`registerKernelPack: backend must be 'wasm' or 'cpu', got '${String(backendName)}'`);
  }
  if (tf.findBackend(backendName) === null) {
    throw new Error(`registerKernelPack: backend '${backendName}' is not initialised; call await tf.setBackend('${backendName}') and await tf.ready() first`);
  }
  const native = nativeStatus();
  const nativeSummary = { active: native.active, reason: native.reason, threads: native.threads };
  const internals = probeTfjsInternals(backendName);
  if (internals.kernelIO.length > 0) {
    const reason = `kernel pack off: ${internals.kernelIO.join('; ')}`;
    return { backend: backendName, registered: [], native: nativeSummary, hooks: PACK_HOOKS.map((hook) => ({ hook, on: false, reason })), internalsMissing: internals.kernelIO };
  }
  const registered = registerKernels(backendName, native.active);
  if (registered.includes(RELU_GRAD)) {
    registerReluGradient();
    registerReductionGradients();
  }
  if (registered.includes(BATCH_NORM_TRAIN)) registerBatchNormTrainGradient();
  if (registered.includes(LEAKY_RELU_GRAD)) registerLeakyReluGradient();
  if (registered.includes(SOFTMAX_XENT)) registerSoftmaxXentGradient();
  if (registered.includes(BIAS_ACT_GRAD)) registerLayerGradients();
  return { backend: backendName, registered, native: nativeSummary, hooks: installHooks(backendName, registered, internals), internalsMissing: [] };
}

function registerKernels(backendName: PackBackend, nativeActive: boolean): string[] {
  const registered: string[] = [];
  for (const kernel of packKernels) {
    if (!kernel.applies(backendName, nativeActive)) continue;
    const fn = kernelFuncFor(kernel, backendName);
    const current = tf.getKernel(kernel.name, backendName);
    if (current?.kernelFunc !== fn) {
      captureOriginal(kernel.name, backendName, ourFuncs);
      if (current !== undefined) tf.unregisterKernel(kernel.name, backendName);
      // The original's setup/dispose ride along: tfjs runs them only for registered kernels, and the pack's
      // fallbacks call the original, which must be bound to the backend instance that is live at the time.
      const original = originalKernelConfig(kernel.name, backendName);
      tf.registerKernel({
        kernelName: kernel.name, backendName, kernelFunc: fn,
        ...(original?.setupFunc !== undefined ? { setupFunc: original.setupFunc } : {}),
        ...(original?.disposeFunc !== undefined ? { disposeFunc: original.disposeFunc } : {}),
      });
    }
    registered.push(kernel.name);
  }
  return registered;
}

/** Each hook: the kernel it routes to, and how to put it in and take it out (process-wide patches of tfjs). */
const HOOKS: Record<PackHook, { needs: PackHook[]; kernel: string; install(): void; uninstall(): void }> = {
  'dense-conv2d': { needs: [], kernel: BIAS_ACT_GRAD, install: installLayerHooks, uninstall: uninstallLayerHooks },
  // Absorbing a ReLU only pays off inside the Dense/Conv2D hooks, which apply it.
  'relu-absorption': { needs: ['dense-conv2d'], kernel: BIAS_ACT_GRAD, install: installReluAbsorption, uninstall: uninstallReluAbsorption },
  'batch-norm': { needs: [], kernel: BATCH_NORM_TRAIN, install: installBatchNormLayerHook, uninstall: uninstallBatchNormLayerHook },
  momentum: { needs: [], kernel: SGD_UPDATE, install: installMomentumOptimizerHook, uninstall: uninstallMomentumOptimizerHook },
};

/**
 * Installs every hook whose kernel is registered and whose tfjs internals passed the self-check. A hook whose
 * internals are missing is taken out (a hook installed by an earlier registration would read them too).
 */
function installHooks(backendName: PackBackend, registered: readonly string[], internals: TfjsInternalsCheck): PackHookStatus[] {
  const problems = (hook: PackHook): string[] => [...HOOKS[hook].needs.flatMap(problems), ...internals.hooks[hook]];
  return PACK_HOOKS.map((hook) => {
    const missing = problems(hook);
    if (missing.length > 0) {
      HOOKS[hook].uninstall();
      return { hook, on: false, reason: `tfjs internals missing: ${missing.join('; ')}` };
    }
    if (!registered.includes(HOOKS[hook].kernel)) return { hook, on: false, reason: `kernel ${HOOKS[hook].kernel} is not registered on ${backendName}` };
    HOOKS[hook].install();
    return { hook, on: true, reason: `routes to ${HOOKS[hook].kernel}` };
  });
}

/** Whether the kernel registered under this name on this backend is the pack's. */
export function isPackKernel(name: string, backendName: 'wasm' | 'cpu'): boolean {
  const current = tf.getKernel(name, backendName);
  return current !== undefined && ourFuncs.has(current.kernelFunc);
}

/** Puts the backend's own kernels back (kernels the backend never had are removed). Returns their names. */
export function unregisterKernelPack(backendName: 'wasm' | 'cpu'): string[] {
  const restored: string[] = [];
  for (const kernel of packKernels) {
    if (!isPackKernel(kernel.name, backendName)) continue;
    tf.unregisterKernel(kernel.name, backendName);
    const original = originalKernelConfig(kernel.name, backendName);
    if (original !== undefined) tf.registerKernel({ ...original });
    restored.push(kernel.name);
  }
  // The hooks are process-wide; they stand down on any backend without the pack's kernels anyway.
  if (!(['wasm', 'cpu'] as const).some((b) => isPackKernel(BATCH_NORM_TRAIN, b))) uninstallBatchNormLayerHook();
  if (!(['wasm', 'cpu'] as const).some((b) => isPackKernel(SGD_UPDATE, b))) uninstallMomentumOptimizerHook();
  if (!(['wasm', 'cpu'] as const).some((b) => isPackKernel(BIAS_ACT_GRAD, b))) uninstallLayerHooks();
  return restored;
}

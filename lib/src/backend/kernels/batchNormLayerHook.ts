// Routes tfjs-layers BatchNormalization's training-mode call through the pack's fused batch-norm
// kernels (batchNormTrain.ts) whenever the active backend has them registered; every other case
// (inference, axis other than the last, no gamma/beta, other backends) runs the layer's own code.
// Same weights, same outputs, same moving-average update as tfjs-layers: models are unchanged.
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN } from './batchNormTrain';
import type { BatchNormInternals as BatchNormLayerLike } from '../tfjsInternals';
import { layerCallPatched, patchLayerCall, singleTensor, unpatchLayerCall, type LayerCall } from './layerCallPatch';

const fusedCall = (original: LayerCall<BatchNormLayerLike>): LayerCall<BatchNormLayerLike> => function (this: BatchNormLayerLike, inputs, kwargs) {
  const x = singleTensor(inputs);
  const backend = tf.getBackend();
  if (kwargs['training'] !== true || x === null || x.dtype !== 'float32' || x.rank < 2 || !this.center || !this.scale ||
      this.gamma === undefined || this.beta === undefined || (this.axis !== -1 && this.axis !== x.rank - 1) ||
      tf.getKernel(BATCH_NORM_TRAIN, backend) === undefined) {
    return original.call(this, inputs, kwargs);
  }
  const gamma = this.gamma, beta = this.beta;
  return tf.tidy(() => {
    // The kernel also returns the moving statistics updated as tfjs-layers does (same float32 steps).
    const [y, , , movingMean, movingVariance] = tf.engine().runKernel(BATCH_NORM_TRAIN,
      { x, scale: gamma.read(), offset: beta.read(), movingMean: this.movingMean.read(), movingVariance: this.movingVariance.read() },
      { epsilon: this.epsilon, momentum: this.momentum }) as tf.Tensor[];
    this.movingMean.write(movingMean);
    this.movingVariance.write(movingVariance);
    return y;
  });
};

/** Installs the hook (idempotent). */
export function installBatchNormLayerHook(): void {
  patchLayerCall('BatchNormalization', fusedCall);
}

/** Puts tfjs-layers' own call back. */
export function uninstallBatchNormLayerHook(): void {
  unpatchLayerCall('BatchNormalization');
}

export function batchNormLayerHookInstalled(): boolean {
  return layerCallPatched('BatchNormalization');
}

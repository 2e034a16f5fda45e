// Routes tfjs-layers BatchNormalization's training-mode call through the pack's fused batch-norm
// kernels (batchNormTrain.ts) whenever the active backend has them registered; every other case
// (inference, axis other than the last, no gamma/beta, other backends) runs the layer's own code.
// Same weights, same outputs, same moving-average update as tfjs-layers: models are unchanged.
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN } from './batchNormTrain';

interface LayerVariableLike { read(): tf.Tensor; write(value: tf.Tensor): void }
interface BatchNormLayerLike {
  axis: number; momentum: number; epsilon: number; center: boolean; scale: boolean;
  gamma?: LayerVariableLike; beta?: LayerVariableLike; movingMean: LayerVariableLike; movingVariance: LayerVariableLike;
}
type CallFn = (this: BatchNormLayerLike, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];
interface LayerPrototype { call: CallFn }

let original: CallFn | null = null;
let prototype: LayerPrototype | null = null;

function batchNormalizationPrototype(): LayerPrototype {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap['BatchNormalization'] as unknown as [{ prototype: LayerPrototype }] | undefined;
  if (entry === undefined) throw new Error('kernel pack: tfjs-layers BatchNormalization is not registered');
  return entry[0].prototype;
}

function singleTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | null {
  if (inputs instanceof tf.Tensor) return inputs;
  return Array.isArray(inputs) && inputs.length === 1 && inputs[0] instanceof tf.Tensor ? inputs[0] : null;
}

function fusedCall(this: BatchNormLayerLike, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
  const x = singleTensor(inputs);
  const backend = tf.getBackend();
  if (original === null) throw new Error('kernel pack: batch-norm hook called while not installed');
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
}

/** Installs the hook (idempotent). */
export function installBatchNormLayerHook(): void {
  if (original !== null) return;
  prototype = batchNormalizationPrototype();
  original = prototype.call;
  prototype.call = fusedCall;
}

/** Puts tfjs-layers' own call back. */
export function uninstallBatchNormLayerHook(): void {
  if (original === null || prototype === null) return;
  prototype.call = original;
  original = null;
  prototype = null;
}

export function batchNormLayerHookInstalled(): boolean {
  return original !== null;
}

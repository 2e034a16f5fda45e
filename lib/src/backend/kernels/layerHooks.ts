// Routes tfjs-layers Dense and Conv2D calls with a ReLU or linear activation through the pack's layer
// kernels (layerKernels.ts) when the active backend has them: same weights and math, one kernel per
// layer forward and one (plus the needed products) backward. Everything else (other activations,
// channels-first data, dilation, rank > 2 dense inputs, other backends) runs the layer's own code.
import * as tf from '@tensorflow/tfjs';
import type { Conv2DInternals as Conv2DLike, DenseInternals as DenseLike } from '../tfjsInternals';
import { patchLayerCall, singleTensor, unpatchLayerCall, type LayerCall } from './layerCallPatch';
import { CONV_LAYER, DENSE_LAYER, layerKernelsAvailable, type LayerActivation } from './layerKernels';
import { absorbsNextRelu, markRectified, uninstallReluAbsorption } from './reluAbsorption';

type WeightedLayerLike = Pick<DenseLike, 'kernel' | 'bias' | 'activation'>;

/** The activation the layer kernel applies: the layer's own, or 'relu' taken in from the ReLU layer right after it. */
function fusedActivation(layer: WeightedLayerLike): LayerActivation | null {
  const name = layer.activation.getClassName();
  if (name === 'linear' && absorbsNextRelu(layer)) return 'relu';
  if (name !== 'relu' && name !== 'linear') return null;
  // A linear layer without bias is one product already: nothing to fuse.
  return name === 'linear' && layer.bias === null ? null : name;
}

function withOptionalBias(inputs: tf.NamedTensorMap, layer: WeightedLayerLike): tf.NamedTensorMap {
  return layer.bias === null ? inputs : { ...inputs, bias: layer.bias.read() };
}

const denseCall = (original: LayerCall<DenseLike>): LayerCall<DenseLike> => function (this: DenseLike, inputs, kwargs) {
  const x = singleTensor(inputs);
  const activation = fusedActivation(this);
  if (x === null || activation === null || x.rank !== 2 || x.dtype !== 'float32' || !layerKernelsAvailable()) {
    return original.call(this, inputs, kwargs);
  }
  this.invokeCallHook(inputs, kwargs);
  return rectifiedIfAbsorbed(this, activation,
    tf.engine().runKernel(DENSE_LAYER, withOptionalBias({ a: x, b: this.kernel.read() }, this), { activation }) as tf.Tensor);
};

/** A layer whose own activation is linear but which applied the next layer's ReLU marks its output for that layer. */
function rectifiedIfAbsorbed(layer: WeightedLayerLike, activation: LayerActivation, y: tf.Tensor): tf.Tensor {
  return activation === 'relu' && layer.activation.getClassName() === 'linear' ? markRectified(y) : y;
}

function ones(v: number | number[]): boolean {
  return (Array.isArray(v) ? v : [v]).every((d) => d === 1);
}

const conv2DCall = (original: LayerCall<Conv2DLike>): LayerCall<Conv2DLike> => function (this: Conv2DLike, inputs, kwargs) {
  const x = singleTensor(inputs);
  const activation = fusedActivation(this);
  if (x === null || activation === null || x.rank !== 4 || x.dtype !== 'float32' || this.rank !== 2 ||
      this.dataFormat !== 'channelsLast' || (this.padding !== 'same' && this.padding !== 'valid') ||
      !ones(this.dilationRate) || !layerKernelsAvailable()) {
    return original.call(this, inputs, kwargs);
  }
  return rectifiedIfAbsorbed(this, activation, tf.engine().runKernel(CONV_LAYER, withOptionalBias({ x, filter: this.kernel.read() }, this),
    { strides: this.strides, pad: this.padding, dilations: [1, 1], activation }) as tf.Tensor);
};

/** Installs the Dense and Conv2D hooks (idempotent); the ReLU absorption (reluAbsorption.ts) is installed on its own. */
export function installLayerHooks(): void {
  patchLayerCall('Dense', denseCall);
  patchLayerCall('Conv2D', conv2DCall);
}

export function uninstallLayerHooks(): void {
  unpatchLayerCall('Dense');
  unpatchLayerCall('Conv2D');
  uninstallReluAbsorption();
}

// Lets a Dense/Conv2D layer take in the ReLU `Activation` layer right after it (the library's models keep their
// ReLUs as separate, probe-able layers), so both run as one layer kernel with the ReLU in the product's epilogue.
// The layer does so only inside a model's call (tfjs-layers' Container.call, which runs the graph; tracked here) where
// its output goes to that one ReLU layer and nowhere else: not a model output (a probe asking for the
// pre-activation gets it unchanged), no other consumer. The ReLU layer then passes its input through, marked as
// already rectified (Layer.apply hands out a clone of a returned input: the executor may dispose the input). Same float operations (relu(z) = max(z, 0) after the bias add; the gradient's step(relu(z))
// equals step(z)), same weights and layer names.
import * as tf from '@tensorflow/tfjs';
import {
  containerPrototype as tfjsContainerPrototype, type ActivationLayerInternals as ActivationLayerLike, type GraphInternals as GraphLike,
  type GraphLayerInternals as LayerLike,
} from '../tfjsInternals';
import { patchLayerCall, singleTensor, unpatchLayerCall, type LayerCall } from './layerCallPatch';

type ContainerCall = (this: GraphLike, inputs: unknown, kwargs: unknown) => unknown;

const graphs: GraphLike[] = [];
const rectified = new WeakSet<tf.Tensor>();
let containerPrototype: { call: ContainerCall } | null = null;
let originalCall: ContainerCall | null = null;

function isReluActivation(layer: object): boolean {
  const l = layer as Partial<ActivationLayerLike>;
  return l.getClassName?.() === 'Activation' && l.activation?.getClassName() === 'relu';
}

/** Whether `layer`, called now, may return relu(output) because its only consumer in this graph is a ReLU layer. */
export function absorbsNextRelu(layer: object): boolean {
  const graph = graphs[graphs.length - 1];
  const { inboundNodes, outboundNodes } = layer as LayerLike;
  if (graph === undefined || inboundNodes?.length !== 1 || outboundNodes?.length !== 1) return false;
  const out = inboundNodes[0]?.outputTensors;
  const consumer = outboundNodes[0];
  if (out?.length !== 1 || consumer === undefined || !isReluActivation(consumer.outboundLayer)) return false;
  const id = out[0]?.id;
  if (graph.outputs.some((o) => o.id === id)) return false;
  // The ReLU must run in this same graph (a graph that stops at this layer never calls it).
  return Object.values(graph.nodesByDepth).some((nodes) => nodes.includes(consumer));
}

/** Marks a layer output that already went through the ReLU its consumer would apply. */
export function markRectified(t: tf.Tensor): tf.Tensor {
  rectified.add(t);
  return t;
}

const activationCall = (original: LayerCall<ActivationLayerLike>): LayerCall<ActivationLayerLike> =>
  function (this: ActivationLayerLike, inputs, kwargs) {
    const x = singleTensor(inputs);
    if (x !== null && rectified.has(x) && this.activation.getClassName() === 'relu') return x;
    return original.call(this, inputs, kwargs);
  };

export function installReluAbsorption(): void {
  if (originalCall !== null) return;
  // Container: LayersModel's base class (not exported); Sequential.call delegates to its inner LayersModel's call.
  containerPrototype = tfjsContainerPrototype();
  if (containerPrototype === null) throw new Error('kernel pack: tfjs-layers Container class not found');
  const call = containerPrototype.call;
  originalCall = call;
  containerPrototype.call = function (this: GraphLike, inputs, kwargs) {
    graphs.push(this);
    try {
      return call.call(this, inputs, kwargs);
    } finally {
      graphs.pop();
    }
  };
  patchLayerCall('Activation', activationCall);
}

export function uninstallReluAbsorption(): void {
  if (originalCall === null || containerPrototype === null) return;
  containerPrototype.call = originalCall;
  originalCall = null;
  unpatchLayerCall('Activation');
}

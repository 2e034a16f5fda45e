// Replaces the `call` of a tfjs-layers layer class (found by its registered class name) with a
// function that may route the call elsewhere and otherwise runs the layer's own code. Undone exactly:
// an inherited `call` (Conv2D's comes from Conv) is restored by deleting the own property again.
import * as tf from '@tensorflow/tfjs';
import { layerClassPrototype } from '../tfjsInternals';

export type LayerCall<L> = (this: L, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

interface Patch { prototype: { call: unknown }; hadOwn: boolean; original: unknown }
const patches = new Map<string, Patch>();

function layerPrototype(className: string): { call: unknown } {
  const prototype = layerClassPrototype(className);
  if (prototype === null) throw new Error(`kernel pack: tfjs-layers class '${className}' is not registered`);
  return prototype;
}

/**
 * Installs `make(original)` as the class's `call` (idempotent per class name); `original` is the
 * layer's own call, to fall back to.
 */
export function patchLayerCall<L>(className: string, make: (original: LayerCall<L>) => LayerCall<L>): void {
  if (patches.has(className)) return;
  const prototype = layerPrototype(className);
  const original = prototype.call as LayerCall<L>;
  patches.set(className, { prototype, hadOwn: Object.prototype.hasOwnProperty.call(prototype, 'call'), original });
  prototype.call = make(original);
}

/** Puts the class's own call back. */
export function unpatchLayerCall(className: string): void {
  const patch = patches.get(className);
  if (patch === undefined) return;
  if (patch.hadOwn) patch.prototype.call = patch.original;
  else delete (patch.prototype as { call?: unknown }).call;
  patches.delete(className);
}

export function layerCallPatched(className: string): boolean {
  return patches.has(className);
}

/** The single tensor of a layer call, or null when the call has several inputs. */
export function singleTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | null {
  if (inputs instanceof tf.Tensor) return inputs;
  return Array.isArray(inputs) && inputs.length === 1 && inputs[0] instanceof tf.Tensor ? inputs[0] : null;
}

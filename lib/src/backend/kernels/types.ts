import * as tf from '@tensorflow/tfjs';
import type { KernelIO, PackBackend } from './io';

/** One kernel of the pack: registered on a backend when `applies` says so. */
export interface PackKernel {
  readonly name: string;
  applies(backend: PackBackend, nativeActive: boolean): boolean;
  run(io: KernelIO, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo | tf.TensorInfo[];
}

export interface KernelPackReport {
  backend: string;
  registered: string[];
  native: { active: boolean; reason: string; threads: number };
}

/** The named input of a kernel call, or a clear error naming kernel and input. */
export function input(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`kernel pack ${kernel}: missing input '${name}'`);
  return t;
}

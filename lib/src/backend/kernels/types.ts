import * as tf from '@tensorflow/tfjs';
import type { PackHook } from '../tfjsInternals';
import type { KernelIO, PackBackend } from './io';

/** One kernel of the pack: registered on a backend when `applies` says so. */
export interface PackKernel {
  readonly name: string;
  applies(backend: PackBackend, nativeActive: boolean): boolean;
  run(io: KernelIO, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo | tf.TensorInfo[];
}

/** Whether one of the pack's patches of tfjs code is on for this backend, and why not when it is off. */
export interface PackHookStatus { hook: PackHook; on: boolean; reason: string }

export interface KernelPackReport {
  backend: string;
  registered: string[];
  native: { active: boolean; reason: string; threads: number };
  hooks: PackHookStatus[];
  /** Why no kernel was registered: tfjs internals of the backend's tensor memory that are missing (empty when fine). */
  internalsMissing: string[];
}

/** The named input of a kernel call, or a clear error naming kernel and input. */
export function input(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`kernel pack ${kernel}: missing input '${name}'`);
  return t;
}

// Uniform, copy-free access to tensor memory of the two backends the kernel pack serves.
// wasm: views into the WebAssembly heap (invalidated when the heap grows, i.e. by any allocation:
// allocate every output/temporary first, then take views). cpu: the backend's own typed arrays.
import * as tf from '@tensorflow/tfjs';
import {
  cpuBackendInternals, wasmBackendInternals, type CpuBackendInternals, type PackBackend, type RefCountedBackendInternals as RefCountedBackend,
  type TypedArray, type WasmBackendInternals,
} from '../tfjsInternals';

export type { PackBackend, TypedArray } from '../tfjsInternals';

export interface KernelIO {
  readonly backendName: PackBackend;
  /** The raw backend object, to hand to the backend's own kernel functions. */
  readonly backend: object;
  f32(t: tf.TensorInfo): Float32Array;
  i32(t: tf.TensorInfo): Int32Array;
  typed(t: tf.TensorInfo): TypedArray;
  /** New tensor of the backend; contents unspecified on wasm, zero on cpu. */
  alloc(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  dispose(t: tf.TensorInfo): void;
  /** How many tensors share this tensor's memory. */
  refCount(t: tf.TensorInfo): number;
  /** An output that shares the memory of `t` (one more reference). */
  share(t: tf.TensorInfo): tf.TensorInfo;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function arrayCtor(dtype: tf.DataType): Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor {
  if (dtype === 'float32') return Float32Array;
  if (dtype === 'int32') return Int32Array;
  if (dtype === 'bool') return Uint8Array;
  throw new Error(`kernel pack: dtype '${dtype}' is not supported (expected float32, int32 or bool)`);
}

/** The KernelIO of a backend from its two backend-specific parts: memory views and allocation. */
function backendIO(backendName: PackBackend, b: RefCountedBackend, typed: (t: tf.TensorInfo) => TypedArray,
  alloc: (shape: number[], dtype: tf.DataType) => tf.TensorInfo): KernelIO {
  return {
    backendName,
    backend: b,
    typed,
    f32: (t) => typed(t) as Float32Array,
    i32: (t) => typed(t) as Int32Array,
    alloc,
    dispose: (t) => { b.disposeData(t.dataId); },
    refCount: (t) => b.refCount(t.dataId),
    share: (t) => { b.incRef(t.dataId); return { dataId: t.dataId, shape: t.shape, dtype: t.dtype }; },
  };
}

function wasmIO(b: WasmBackendInternals): KernelIO {
  const typed = (t: tf.TensorInfo): TypedArray => {
    const data = b.dataIdMap.get(t.dataId);
    if (data === undefined) throw new Error('kernel pack: tensor is not on the wasm backend');
    const Ctor = arrayCtor(t.dtype);
    return new Ctor(b.wasm.HEAPU8.buffer, data.memoryOffset, sizeOf(t.shape));
  };
  return backendIO('wasm', b, typed, (shape, dtype) => b.makeOutput(shape, dtype));
}

function cpuIO(b: CpuBackendInternals): KernelIO {
  const typed = (t: tf.TensorInfo): TypedArray => {
    const values = b.data.get(t.dataId)?.values;
    if (values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array) return values;
    // cpu tensors created without values get them lazily; materialise zeros in place.
    const Ctor = arrayCtor(t.dtype);
    const fresh = new Ctor(sizeOf(t.shape));
    const entry = b.data.get(t.dataId);
    if (entry === undefined) throw new Error('kernel pack: tensor is not on the cpu backend');
    entry.values = fresh;
    return fresh;
  };
  return backendIO('cpu', b, typed, (shape, dtype) => b.makeTensorInfo(shape, dtype, new (arrayCtor(dtype))(sizeOf(shape))));
}

const ioCache = new WeakMap<object, KernelIO>();

export function kernelIO(backend: object, backendName: PackBackend): KernelIO {
  let io = ioCache.get(backend);
  if (io === undefined) {
    io = backendName === 'wasm'
      ? wasmIO(wasmBackendInternals(backend))
      : cpuIO(cpuBackendInternals(backend));
    ioCache.set(backend, io);
  }
  return io;
}

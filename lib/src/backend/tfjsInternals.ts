// Everything the kernel pack relies on inside tfjs that tfjs does not publish: private fields of layers, of graph
// models, of the momentum optimizer and of the wasm/cpu backends, and the prototypes the pack patches. Each shape is
// declared here once, next to the list of its fields that `probeTfjsInternals` checks on live instances when the
// pack registers. A tfjs release that renames one of them turns off only the hooks that need it (the backend report
// names the field), instead of throwing inside a forward pass. Nothing else in the library reaches into tfjs.
import * as tf from '@tensorflow/tfjs';

export type PackBackend = 'wasm' | 'cpu';
export type TypedArray = Float32Array | Int32Array | Uint8Array;

// ---- the shapes -------------------------------------------------------------------------------------------------

export interface LayerVariableInternals { read(): tf.Tensor; write(value: tf.Tensor): void }
interface ActivationFunctionInternals { getClassName(): string }

/** tfjs-layers Dense after build. */
export interface DenseInternals {
  kernel: LayerVariableInternals; bias: LayerVariableInternals | null; activation: ActivationFunctionInternals;
  invokeCallHook(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): void;
}
/** tfjs-layers Conv2D after build. */
export interface Conv2DInternals {
  kernel: LayerVariableInternals; bias: LayerVariableInternals | null; activation: ActivationFunctionInternals;
  rank: number; strides: number[]; padding: string; dataFormat: string; dilationRate: number | number[];
}
/** tfjs-layers BatchNormalization after build (gamma and beta exist when `scale` and `center` are set). */
export interface BatchNormInternals {
  axis: number; momentum: number; epsilon: number; center: boolean; scale: boolean;
  gamma?: LayerVariableInternals; beta?: LayerVariableInternals;
  movingMean: LayerVariableInternals; movingVariance: LayerVariableInternals;
}
/** tfjs-layers Activation. */
export interface ActivationLayerInternals { activation: ActivationFunctionInternals; getClassName(): string }
/** A node of a tfjs-layers graph (one call of a layer). */
export interface GraphNodeInternals { outboundLayer: object; outputTensors: { id: number }[] }
/** The graph side of any layer. */
export interface GraphLayerInternals { inboundNodes: GraphNodeInternals[]; outboundNodes: GraphNodeInternals[] }
/** tfjs-layers Container (LayersModel's base class), the `this` of its `call`. */
export interface GraphInternals { outputs: { id: number }[]; nodesByDepth: Record<string, GraphNodeInternals[]> }
/** tfjs-core MomentumOptimizer. */
export interface MomentumInternals {
  m: tf.Scalar; c: tf.Scalar; useNesterov: boolean;
  accumulations: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}
/** What both pack backends have in common: reference-counted tensor memory. */
export interface RefCountedBackendInternals {
  disposeData(dataId: tf.DataId): boolean;
  refCount(dataId: tf.DataId): number;
  incRef(dataId: tf.DataId): void;
}
export interface WasmTensorData { memoryOffset: number; shape: number[]; dtype: tf.DataType }
export interface WasmBackendInternals extends RefCountedBackendInternals {
  wasm: { HEAPU8: Uint8Array<ArrayBuffer> };
  dataIdMap: { get(dataId: tf.DataId): WasmTensorData | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}
export interface CpuBackendInternals extends RefCountedBackendInternals {
  data: { get(dataId: tf.DataId): { values: ArrayLike<number> | null } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: TypedArray): tf.TensorInfo;
}

// ---- the fields checked on live instances (the compiler keeps each list complete) ---------------------------------

type FieldKind = 'function' | 'object' | 'array' | 'number' | 'boolean' | 'string' | 'number or array';
type Contract<T> = { readonly [K in keyof T]-?: FieldKind };

const layerVariable: Contract<LayerVariableInternals> = { read: 'function', write: 'function' };
const weighted = { kernel: 'object', bias: 'object', activation: 'object' } as const;
const denseContract: Contract<DenseInternals> = { ...weighted, invokeCallHook: 'function' };
const conv2DContract: Contract<Conv2DInternals> = {
  ...weighted, rank: 'number', strides: 'array', padding: 'string', dataFormat: 'string', dilationRate: 'number or array',
};
const batchNormContract: Contract<BatchNormInternals> = {
  axis: 'number', momentum: 'number', epsilon: 'number', center: 'boolean', scale: 'boolean',
  gamma: 'object', beta: 'object', movingMean: 'object', movingVariance: 'object',
};
const activationContract: Contract<ActivationLayerInternals> = { activation: 'object', getClassName: 'function' };
const graphNodeContract: Contract<GraphNodeInternals> = { outboundLayer: 'object', outputTensors: 'array' };
const graphLayerContract: Contract<GraphLayerInternals> = { inboundNodes: 'array', outboundNodes: 'array' };
const graphContract: Contract<GraphInternals> = { outputs: 'array', nodesByDepth: 'object' };
const momentumContract: Contract<MomentumInternals> = {
  m: 'object', c: 'object', useNesterov: 'boolean', accumulations: 'array', incrementIterations: 'function',
};
const refCounted: Contract<RefCountedBackendInternals> = { disposeData: 'function', refCount: 'function', incRef: 'function' };
const wasmContract: Contract<WasmBackendInternals> = { ...refCounted, wasm: 'object', dataIdMap: 'object', makeOutput: 'function' };
const cpuContract: Contract<CpuBackendInternals> = { ...refCounted, data: 'object', makeTensorInfo: 'function' };

function kindMatches(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'array': return Array.isArray(value);
    case 'object': return typeof value === 'object' && value !== null;
    case 'number or array': return typeof value === 'number' || Array.isArray(value);
    default: return typeof value === kind;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** One line per field of `contract` that `subject` lacks or holds with another kind of value. */
function contractProblems<T>(subject: unknown, contract: Contract<T>, label: string): string[] {
  if (typeof subject !== 'object' || subject === null) return [`${label} is ${describeValue(subject)}`];
  const problems: string[] = [];
  for (const [field, kind] of Object.entries(contract) as [string, FieldKind][]) {
    const value = (subject as Record<string, unknown>)[field];
    if (!kindMatches(value, kind)) problems.push(`${label}.${field} is ${describeValue(value)} (expected ${kind === 'array' || kind === 'object' ? 'an' : 'a'} ${kind})`);
  }
  return problems;
}

/** `subject[method]` must be the subject's own function: the pack replaces it there. */
function ownMethodProblems(subject: object | null, method: string, label: string): string[] {
  if (subject === null) return [`${label} is missing`];
  const value = (subject as Record<string, unknown>)[method];
  return Object.prototype.hasOwnProperty.call(subject, method) && typeof value === 'function'
    ? [] : [`${label}.${method} is ${Object.prototype.hasOwnProperty.call(subject, method) ? describeValue(value) : 'not its own'} (expected its own function)`];
}

// ---- access points: the only places that reach into tfjs ----------------------------------------------------------

/** The prototype of a tfjs-layers class by its registered class name (where the layer hooks replace `call`). */
export function layerClassPrototype(className: string): { call: unknown } | null {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className] as unknown as [{ prototype: { call: unknown } }] | undefined;
  return entry?.[0]?.prototype ?? null;
}

/** tfjs-layers Container's prototype (LayersModel's base class, not exported): its `call` runs a model's graph. */
export function containerPrototype(): { call: (this: GraphInternals, inputs: unknown, kwargs: unknown) => unknown } | null {
  return Object.getPrototypeOf(tf.LayersModel.prototype) as { call: (this: GraphInternals, inputs: unknown, kwargs: unknown) => unknown } | null;
}

type MomentumApply = (this: tf.MomentumOptimizer, grads: Parameters<tf.MomentumOptimizer['applyGradients']>[0]) => void;

/** Where the momentum hook replaces `applyGradients`. */
export function momentumOptimizerPrototype(): { applyGradients: MomentumApply } {
  return tf.MomentumOptimizer.prototype as unknown as { applyGradients: MomentumApply };
}

export function momentumInternals(optimizer: tf.MomentumOptimizer): MomentumInternals {
  return optimizer as unknown as MomentumInternals;
}

/** A variable registered with the engine under this name (how an optimizer finds the variable of a gradient). */
export function registeredVariable(name: string): tf.Variable | undefined {
  return tf.engine().registeredVariables[name] as tf.Variable | undefined;
}

export function wasmBackendInternals(backend: object): WasmBackendInternals {
  return backend as WasmBackendInternals;
}

export function cpuBackendInternals(backend: object): CpuBackendInternals {
  return backend as CpuBackendInternals;
}

/** tfjs-backend-cpu prints "install the node backend" once on first use; the library reports its backend itself. */
export function silenceCpuBackendBanner(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu !== null) cpu.firstUse = false;
}

// ---- the self-check -----------------------------------------------------------------------------------------------

/** The pack's patches of tfjs code, each turned on only when the internals it reads are present. */
export type PackHook = 'dense-conv2d' | 'relu-absorption' | 'batch-norm' | 'momentum';
export const PACK_HOOKS: readonly PackHook[] = ['dense-conv2d', 'relu-absorption', 'batch-norm', 'momentum'];

export interface TfjsInternalsCheck {
  /** Problems with the backend's tensor memory: any one keeps every kernel of the pack off on that backend. */
  kernelIO: string[];
  /** Problems per hook: any one keeps that hook off. */
  hooks: Record<PackHook, string[]>;
}

/** Live tfjs objects to check: a built instance of each patched class, a graph model, an optimizer, the backend. */
export interface InternalsSubjects {
  backend: object | null;
  dense: object; conv2D: object; batchNorm: object; activation: object;
  model: object; momentum: object;
}

/** Checks the subjects against every shape above (pure: no tfjs state is read except the patched prototypes). */
export function checkTfjsInternals(backendName: PackBackend, subjects: InternalsSubjects): TfjsInternalsCheck {
  const kernelIO = backendName === 'wasm'
    ? contractProblems(subjects.backend, wasmContract, 'wasm backend')
    : contractProblems(subjects.backend, cpuContract, 'cpu backend');
  if (backendName === 'wasm' && kernelIO.length === 0) {
    const { wasm, dataIdMap } = subjects.backend as WasmBackendInternals;
    if (!(wasm.HEAPU8 instanceof Uint8Array)) kernelIO.push(`wasm backend.wasm.HEAPU8 is ${describeValue(wasm.HEAPU8)} (expected a Uint8Array)`);
    kernelIO.push(...contractProblems(dataIdMap, { get: 'function' }, 'wasm backend.dataIdMap'));
  }
  if (backendName === 'cpu' && kernelIO.length === 0) {
    kernelIO.push(...contractProblems((subjects.backend as CpuBackendInternals).data, { get: 'function' }, 'cpu backend.data'));
  }
  const classPatch = (className: string): string[] =>
    typeof layerClassPrototype(className)?.call === 'function' ? [] : [`tfjs-layers class ${className} with a call method is not registered`];
  const weights = (layer: object, fields: string[], label: string): string[] =>
    fields.flatMap((f) => { const w = (layer as Record<string, unknown>)[f]; return w === undefined || w === null ? [] : contractProblems(w, layerVariable, `${label}.${f}`); });

  const dense = [...classPatch('Dense'), ...contractProblems(subjects.dense, denseContract, 'Dense'), ...weights(subjects.dense, ['kernel', 'bias'], 'Dense')];
  const conv2D = [...classPatch('Conv2D'), ...contractProblems(subjects.conv2D, conv2DContract, 'Conv2D'), ...weights(subjects.conv2D, ['kernel', 'bias'], 'Conv2D')];
  const graph = contractProblems(subjects.model, graphContract, 'LayersModel');
  const layerGraph = contractProblems(subjects.dense, graphLayerContract, 'Dense');
  const node = layerGraph.length === 0 ? contractProblems((subjects.dense as GraphLayerInternals).outboundNodes[0], graphNodeContract, 'Dense.outboundNodes[0]') : [];
  return {
    kernelIO,
    hooks: {
      'dense-conv2d': [...dense, ...conv2D],
      'relu-absorption': [
        ...ownMethodProblems(containerPrototype(), 'call', 'Container.prototype'), ...classPatch('Activation'),
        ...contractProblems(subjects.activation, activationContract, 'Activation'), ...graph, ...layerGraph, ...node,
      ],
      'batch-norm': [
        ...classPatch('BatchNormalization'), ...contractProblems(subjects.batchNorm, batchNormContract, 'BatchNormalization'),
        ...weights(subjects.batchNorm, ['gamma', 'beta', 'movingMean', 'movingVariance'], 'BatchNormalization'),
      ],
      momentum: [
        ...ownMethodProblems(tf.MomentumOptimizer.prototype, 'applyGradients', 'MomentumOptimizer.prototype'),
        ...contractProblems(subjects.momentum, momentumContract, 'MomentumOptimizer'),
        ...contractProblems(tf.engine(), { registeredVariables: 'object' }, 'engine'),
      ],
    },
  };
}

const PROBE = 'netstats_internals_probe';

/**
 * Builds one small instance of everything the pack patches (named layers, so that no automatic layer name of the
 * caller's models changes), checks them with `checkTfjsInternals` and disposes them. `adjust` lets a test take a
 * field away from the real instances.
 */
export function probeTfjsInternals(backendName: PackBackend, adjust: (s: InternalsSubjects) => void = () => undefined): TfjsInternalsCheck {
  const flat = tf.input({ shape: [2], name: `${PROBE}_flat` });
  const image = tf.input({ shape: [3, 3, 1], name: `${PROBE}_image` });
  const dense = tf.layers.dense({ units: 2, name: `${PROBE}_dense`, kernelInitializer: 'zeros' });
  const activation = tf.layers.activation({ activation: 'relu', name: `${PROBE}_relu` });
  const conv2D = tf.layers.conv2d({ filters: 1, kernelSize: 1, name: `${PROBE}_conv2d`, kernelInitializer: 'zeros' });
  const batchNorm = tf.layers.batchNormalization({ name: `${PROBE}_batchnorm` });
  const outputs = [activation.apply(dense.apply(flat)), batchNorm.apply(conv2D.apply(image))] as tf.SymbolicTensor[];
  const model = tf.model({ inputs: [flat, image], outputs, name: `${PROBE}_model` });
  const momentum = tf.train.momentum(0.1, 0.9);
  try {
    const subjects: InternalsSubjects = { backend: tf.findBackend(backendName), dense, conv2D, batchNorm, activation, model, momentum };
    adjust(subjects);
    return checkTfjsInternals(backendName, subjects);
  } finally {
    model.dispose();
    // tfjs 4.22's MomentumOptimizer.dispose frees its momentum scalar but not the learning-rate one (`c`).
    const { c } = momentumInternals(momentum);
    momentum.dispose();
    if (c instanceof tf.Tensor && !c.isDisposed) c.dispose();
  }
}

export { registerKernelPack, unregisterKernelPack, isPackKernel, packKernels } from './register';
export type { KernelPackReport } from './types';

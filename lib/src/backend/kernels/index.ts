export { registerKernelPack, packKernels } from './register';
export type { KernelPackReport } from './types';

export { registerKernelPack, unregisterKernelPack, isPackKernel, packKernels } from './register';
export type { KernelPackReport } from './types';
export { fusedSgdUpdate, fusedAdamUpdate } from './optimizerUpdate';
export type { FusedSgdOptions, FusedAdamOptions, SgdEntry, AdamEntry } from './optimizerUpdate';
export { profileKernels, formatKernelProfile } from './profile';
export type { KernelProfile, KernelTiming } from './profile';

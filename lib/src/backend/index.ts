// Public face of lib/src/backend: re-exports only.
export * from './select';
export * from './kernels/index';
export * from './native/index';

// Public face of lib/src/util: re-exports only.
export * from './random';
export * from './atomic';
export * from './scale';
export * from './paths';
export * from './progress';
export * from './notebookKernel';
export * from './html';
export * from './env';

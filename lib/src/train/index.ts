// Public face of lib/src/train: re-exports only.
export * from './optimizers';
export * from './hooks';
export * from './loop';
export * from './evaluate';
export * from './replicas';

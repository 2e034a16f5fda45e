// Public face of lib/src/probe: re-exports only.
export * from './snapshot';
export * from './distance';
export * from './perturb';
export * from './moments';
export * from './reservoir';
export * from './activations';

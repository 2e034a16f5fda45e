// Public face of lib/src/probe: re-exports only.
export * from './snapshot';
export * from './distance';
export * from './perturb';
export * from './moments';
export * from './reservoir';
export * from './activations';
export * from './kernelStatistics';
export * from './kernelCapture';
export * from './kernelMask';
export * from './kernelSimilarity';
export * from './featureSimilarity';

// Public face of lib/src/experiments: re-exports only.
export {};
export * from './parameterChange';
export * from './activationVariance';
export * from './activationVarianceStats';
export * from './activationVarianceCache';
export * from './activationVarianceResize';
export * from './activationVarianceFigures';
export * from './activationVarianceReport';

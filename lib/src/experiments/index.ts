// Public face of lib/src/experiments: re-exports only.
export {};
export * from './parameterChange';

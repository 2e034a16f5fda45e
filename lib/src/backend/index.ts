// Public face of lib/src/backend: re-exports only.
export * from './select';

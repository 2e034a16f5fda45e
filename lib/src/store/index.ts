// Public face of lib/src/store: the run/result cache, re-exports only.
export * from './cache';

// Public face of lib/src/plot: re-exports only.
export * from './types';
export * from './palette';
export * from './builders';
export * from './html';
export * from './bundle';
export * from './export';

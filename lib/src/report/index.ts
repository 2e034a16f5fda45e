// Public face of lib/src/report: re-exports only.
export * from './table';
export * from './notebook';
export * from './verdict';

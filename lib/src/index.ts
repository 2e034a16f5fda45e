// Public face of @netstats/lib: re-exports by area, nothing else.
export * from './util/index';
export * from './backend/index';
export * from './data/index';
export * from './models/index';
export * from './train/index';
export * from './probe/index';
export * from './stats/index';
export * from './report/index';
export * from './plot/index';
export * from './experiments/index';

// Public face of @netstats/lib, the one import of every notebook (`import * as ns from '@netstats/lib'`): the building
// blocks the notebooks call, by area, and each experiment as one namespace (`ns.activationVariance.run(config)`).
// Only names a notebook uses (in code or in the API examples of its text) are exported; the library's own modules and
// the tests import the area files directly.

// util
export * as format from './util/format';
export { createRng } from './util/random';
// backend
export { describeBackend, selectBackend } from './backend/select';
// data
export { fetchCommand, isDataPresent } from './data/fetch/install';
export { findDatasets, loadDataset } from './data/load';
export { sampleImages } from './data/samples';
// models
export { alexNetConvStack, convStackGeometry, vgg16ConvStack } from './models/receptiveField';
// train
export { gradientMaskHook } from './train/hooks';
export { train } from './train/loop';
// probe
export { KernelSimilarity } from './probe/kernelSimilarity';
// plot
export { imageGrid, lineChart, sideBySide } from './plot/builders';
// stats
export { shapiroWilk } from './stats/normality';
// report
export { meanCIByGroup } from './report/groups';
export { notebook } from './report/notebook';
export type { Row } from './report/table';

// experiments, one namespace per notebook
export * as masking from './experiments/masking/index';
export * as parameterChange from './experiments/parameterChange/index';
export * as activationVariance from './experiments/activationVariance/index';
export * as signFlip from './experiments/signFlip/index';
export * as architectures from './experiments/architectures/index';

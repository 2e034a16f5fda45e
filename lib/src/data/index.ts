// Public face of lib/src/data: re-exports only.
export * from './types';
export * from './errors';
export * from './idx';
export * from './cifar-binary';
export * from './image-decode';
export * from './image-folder';
export * from './imagenet-sample';
export * from './checksums';
export * from './locations';
export * from './cache';
export * from './load';
export * from './transforms';
export * from './subsets';
export * from './batches';
export * from './samples';
export * from './pretrained';

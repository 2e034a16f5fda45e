// Public face of lib/src/models: re-exports only.
export * from './common';
export * from './init';
export * from './parameters';
export * from './mlp';
export * from './lenet';
export * from './vgg';
export * from './resnet';
export * from './blocks';
export * from './deep';
export * from './receptiveField';

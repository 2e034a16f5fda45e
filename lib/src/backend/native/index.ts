export { nativeStatus, nativeAddonPath } from './addon';
export type { NativeKernels, NativeStatus, ConvGeometry } from './addon';

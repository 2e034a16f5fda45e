export { nativeStatus, nativeAddonPath, nativeKernels, setNativeKernelsEnabled } from './addon';
export type { NativeKernels, NativeStatus, ConvGeometry } from './addon';

export { describeConvPath, nativeStatus, nativeAddonPath, nativeKernels, setNativeKernelsEnabled } from './addon';
export type { NativeKernels, NativeStatus, ConvGeometry, OnednnStatus } from './addon';

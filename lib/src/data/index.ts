// Public face of lib/src/data: re-exports only (helpers internal to the area stay unexported).
export * from './types';
export { DataFormatError, DataNotFoundError } from './errors';
export { parseIdx, readIdxFile, type IdxArray } from './idx';
export { CIFAR10_CLASSES, parseCifarBinary, type CifarRecords } from './cifar-binary';
export { IMAGE_EXTENSIONS } from './image-decode';
export { listImageFolder, loadImageFolder, type ImageFolderListing, type ImageFolderOptions } from './image-folder';
export {
  DARKNET_DUPLICATE_LABEL_WNIDS,
  parseImagenetFileName,
  readDarknetLabels,
  resolveDarknetLabels,
  type DarknetLabelResolution,
} from './imagenet-sample';
export { KNOWN_IDX_CHECKSUMS, KNOWN_TREE_CHECKSUMS, OFFICIAL_ARCHIVE_MD5, type KnownChecksum } from './checksums';
export {
  DATASET_FOLDERS,
  DATASET_SPLITS,
  HOW_TO_GET,
  candidateFolders,
  defaultDataPath,
  locateDataset,
  locateTinyDarknet,
  systemDataLocations,
  type DatasetLocation,
} from './locations';
export { datasetCacheDir } from './cache';
export {
  CANONICAL_LABEL_HISTOGRAMS,
  EXPECTED_COUNTS,
  FASHION_MNIST_CLASSES,
  MNIST_CLASSES,
  findDatasets,
  labelHistogram,
  loadDataset,
  type DatasetReport,
  type LoadDatasetOptions,
} from './load';
export * from './transforms';
export * from './subsets';
export * from './batches';
export * from './source';
export * from './labels';
export * from './samples';
export * from './pretrained';
export { DownloadError, downloadFile, fileDigest, type DownloadOptions, type ExpectedDigest } from './fetch/download';
export { FETCHABLE, resolveUrl, type FetchableName, type RemoteFile } from './fetch/sources';
export { INSTALL_FOLDER, fetchCommand, fetchDataset, isDataPresent, manualRoute, type FetchOptions } from './fetch/install';

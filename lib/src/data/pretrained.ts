import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { floatBatches } from './batches';
import { checksumVerdict, KNOWN_TREE_CHECKSUMS, listFilesRecursive, treeSha256 } from './checksums';
import { DataFormatError, DataNotFoundError, readFileOrExplain } from './errors';
import { readDarknetLabels } from './imagenet-sample';
import { HOW_TO_GET, locateTinyDarknet } from './locations';
import type { BatchTransform } from './transforms';
import type { ChecksumVerdict, ImageDataset } from './types';

/**
 * Pretrained tfjs LayersModels read from local files. tf.loadLayersModel('file://...') needs tfjs-node, which cannot
 * be installed here, so this module provides its own IOHandler: model.json + the weight shards it lists.
 */

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/** Bytes a manifest entry occupies in the shards (quantized weights use the quantization dtype). */
function entryBytes(entry: tf.io.WeightsManifestEntry, file: string): number {
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === undefined) throw new DataFormatError(file, 'weights of dtype float32, int32, bool or a uint8/uint16/float16 quantization', `weight ${entry.name} of dtype ${dtype}`);
  return entry.shape.reduce((n, d) => n * d, 1) * bytes;
}

/** Reads model.json and its weight shards from `dir`, checking every shard's presence and total size. */
export function readModelArtifacts(dir: string): tf.io.ModelArtifacts {
  const jsonFile = path.join(dir, 'model.json');
  let parsed: ModelJson;
  try {
    parsed = JSON.parse(readFileOrExplain(jsonFile, 'a tfjs model.json (modelTopology + weightsManifest)').toString('utf8')) as ModelJson;
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    throw new DataFormatError(jsonFile, 'valid JSON', `a parse error (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || parsed.modelTopology === undefined || !Array.isArray(parsed.weightsManifest)) {
    throw new DataFormatError(jsonFile, 'a tfjs LayersModel model.json with modelTopology and weightsManifest', `keys ${Object.keys(parsed ?? {}).join(', ') || 'none'}`);
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const shards: Buffer[] = [];
  for (const group of parsed.weightsManifest) {
    const groupBytes = group.weights.reduce((n, w) => n + entryBytes(w, jsonFile), 0);
    let found = 0;
    for (const shard of group.paths) {
      if (path.isAbsolute(shard) || shard.split(/[\\/]/).includes('..')) {
        throw new DataFormatError(jsonFile, 'weight shard paths relative to the model folder', `'${shard}'`);
      }
      const file = path.join(dir, shard);
      const bytes = readFileOrExplain(file, `a weight shard listed in ${jsonFile}`);
      found += bytes.length;
      shards.push(bytes);
    }
    if (found !== groupBytes) {
      throw new DataFormatError(
        path.join(dir, group.paths.join('+')),
        `${groupBytes} bytes for weights ${group.weights.map((w) => w.name).join(', ')}`,
        `${found} bytes (truncated or wrong shard)`,
      );
    }
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(shards);
  return {
    modelTopology: parsed.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
    format: parsed.format,
    generatedBy: parsed.generatedBy,
    convertedBy: parsed.convertedBy ?? undefined,
  };
}

/** An IOHandler that loads a LayersModel from a local folder (model.json + shards). */
export function diskModelHandler(dir: string): tf.io.IOHandler {
  return { load: async () => readModelArtifacts(dir) };
}

/** tf.loadLayersModel from a local folder. */
export async function loadPretrainedModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(diskModelHandler(dir));
}

export interface TinyDarknet {
  model: tf.LayersModel;
  /** 1000 class names in the order of the model's outputs (labels.txt). */
  labels: string[];
  dir: string;
  /** Input [N, 224, 224, 3] RGB in [0, 1]; resize other images bilinearly with alignCorners. */
  inputSize: number;
  checksum: ChecksumVerdict;
}

/**
 * Finds (NETSTATS_DATA, <repo>/datasets, or `dataPath`) and loads Tiny Darknet with its labels. Its files must match
 * the pinned tree digest (a zeroed or swapped weight shard of the right size loads fine and predicts garbage), unless
 * `allowChecksumMismatch` is set: then it loads and `checksum.verdict` says 'mismatch'.
 */
export async function loadTinyDarknet(options: { dataPath?: string[]; allowChecksumMismatch?: boolean } = {}): Promise<TinyDarknet> {
  const { dir, searched } = locateTinyDarknet(options.dataPath);
  if (!dir) throw new DataNotFoundError('Tiny Darknet (model.json)', searched, HOW_TO_GET['darknet-tiny']);
  // Checked before parsing: hashing the ~4 MB folder is cheaper than building the model.
  const files = listFilesRecursive(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile());
  const checksum = checksumVerdict(dir, 'tree-sha256', treeSha256(dir, files), KNOWN_TREE_CHECKSUMS['darknet-tiny']);
  if (checksum.verdict === 'mismatch' && !options.allowChecksumMismatch) {
    throw new DataFormatError(
      dir,
      `files whose tree sha256 is the pinned ${checksum.expected} (${checksum.expectedSource})`,
      `${checksum.sha256}: a damaged or different copy; restore it (bash scripts/unpack-shared-data.sh) or pass {allowChecksumMismatch: true} to load it anyway`,
    );
  }
  const labels = readDarknetLabels(path.join(dir, 'labels.txt'));
  const model = await loadPretrainedModel(dir);
  const outputs = model.outputs[0]?.shape;
  if (!outputs || outputs[outputs.length - 1] !== labels.length) {
    model.dispose();
    throw new DataFormatError(path.join(dir, 'model.json'), `a model with ${labels.length} outputs (one per line of labels.txt)`, `output shape [${outputs?.join(', ')}]`);
  }
  return { model, labels, dir, inputSize: 224, checksum };
}

export interface TopKAccuracy {
  count: number;
  top1: number;
  top5: number;
  /** Top-1 predicted class per image, in dataset order. */
  predicted: Int32Array;
}

/**
 * Top-1 and top-5 accuracy of a classifier over a dataset whose labels are in the model's output order.
 * `preprocess` maps a FloatBatch in [0, 1] to the model's input (default: none).
 */
export async function datasetTopKAccuracy(
  model: tf.LayersModel,
  ds: ImageDataset,
  options: { batchSize?: number; preprocess?: BatchTransform; onBatch?: (done: number) => void } = {},
): Promise<TopKAccuracy> {
  const predicted = new Int32Array(ds.count);
  let hits1 = 0;
  let hits5 = 0;
  let done = 0;
  for (const batch of floatBatches(ds, { batchSize: options.batchSize ?? 32, shuffle: false, transform: options.preprocess })) {
    const top = tf.tidy(() => {
      const xs = tf.tensor4d(batch.data, [batch.count, batch.height, batch.width, batch.channels]);
      const logits = model.predict(xs) as tf.Tensor;
      return tf.topk(logits, 5).indices;
    });
    const indices = await top.data();
    top.dispose();
    for (let k = 0; k < batch.count; k++) {
      const label = batch.labels[k] as number;
      const row = indices.subarray(k * 5, k * 5 + 5);
      predicted[batch.indices[k] as number] = row[0] as number;
      if (row[0] === label) hits1++;
      if (Array.prototype.includes.call(row, label)) hits5++;
    }
    done += batch.count;
    options.onBatch?.(done);
  }
  return { count: ds.count, top1: hits1 / ds.count, top5: hits5 / ds.count, predicted };
}

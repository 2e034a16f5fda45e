// Set-up shared by the architecture experiment tests that train: the cpu backend, the datasets they need (tests are
// skipped where one is absent, as on a fresh clone without datasets), and a private cache folder per describe.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { locateDataset } from '../../../lib/src/data/locations';
import type { DatasetName } from '../../../lib/src/data/types';

export function datasetPresent(name: DatasetName): boolean {
  try {
    locateDataset(name, 'train');
    return true;
  } catch {
    return false;
  }
}

/** Call inside a `describe`: its tests run on the cpu backend; with `datasets`, they are skipped unless all are present. */
export function useCpuBackend(...datasets: DatasetName[]): void {
  before(async function () {
    await tf.setBackend('cpu');
    if (!datasets.every(datasetPresent)) this.skip();
  });
}

/** Call inside a `describe`: a fresh cache folder for its tests, removed afterwards. Returns a getter of its path. */
export function useTempCache(prefix: string): () => string {
  let dir: string | null = null;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), `netstats-${prefix}-`)); });
  after(() => { if (dir !== null) fs.rmSync(dir, { recursive: true, force: true }); });
  return () => {
    if (dir === null) throw new Error(`temp cache '${prefix}' used outside its describe`);
    return dir;
  };
}

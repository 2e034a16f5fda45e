/**
 * Small helpers shared by the architectures and transfer experiments (notebook 05): seeded class-balanced data draws,
 * batch sources with the dataset's normalisation, and mean ± 95% CI per group of result rows.
 */
import { loadDataset } from '../../data/load';
import { selectClasses, takePerClass } from '../../data/subsets';
import { NORMALISATION } from '../../data/transforms';
import type { DatasetName, ImageDataset, Split } from '../../data/types';
import type { Cell, Row } from '../../report/table';
import { sourceFromImageDataset, type LabelledBatchSource } from '../../data/source';

/** Which images: a dataset split, optionally some classes (relabelled 0..k−1 in the given order), n per class. */
export interface ClassSubsetSpec {
  dataset: Extract<DatasetName, 'mnist' | 'fashion-mnist' | 'cifar10'>;
  split: Split;
  /** Original class indices; null = all classes. */
  classes: number[] | null;
  /** Images per class (seeded draw); null = all. */
  perClass: number | null;
  seed: number;
}

const loaded = new Map<string, Promise<ImageDataset>>();

/** loadDataset with an in-process memo (the notebook draws many subsets of the same split). */
export function loadDatasetOnce(dataset: ClassSubsetSpec['dataset'], split: Split): Promise<ImageDataset> {
  const key = `${dataset}/${split}`;
  let p = loaded.get(key);
  if (!p) {
    p = loadDataset(dataset, split, { quiet: true });
    p.catch(() => loaded.delete(key));
    loaded.set(key, p);
  }
  return p;
}

/** The images of a ClassSubsetSpec (class-balanced, seeded, dataset order kept). */
export async function loadClassSubset(spec: ClassSubsetSpec): Promise<ImageDataset> {
  let ds = await loadDatasetOnce(spec.dataset, spec.split);
  if (spec.classes !== null) ds = selectClasses(ds, spec.classes);
  return spec.perClass === null ? ds : takePerClass(ds, spec.perClass, spec.seed);
}

/**
 * The class-balanced subset of the small-data studies of section 4 (equal budget, augmentation): every class,
 * `perClass` images each; the test draw uses the next seed so the two draws are independent.
 */
export function smallDataSubset(spec: { dataset: ClassSubsetSpec['dataset']; dataSeed: number }, split: Split, perClass: number): Promise<ImageDataset> {
  return loadClassSubset({ dataset: spec.dataset, split, classes: null, perClass, seed: split === 'train' ? spec.dataSeed : spec.dataSeed + 1 });
}

/** Batch source with the dataset's published per-channel mean/std (pixels/255 first). */
export function normalisedSource(ds: ImageDataset, dataset: ClassSubsetSpec['dataset']): LabelledBatchSource {
  const n = NORMALISATION[dataset];
  return sourceFromImageDataset(ds, { mean: n.mean, std: n.std });
}

/** Number value of a row's column (throws naming the column when it is not a finite number). */
export function numberOf(row: Row, column: string): number {
  const v = row[column];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`column '${column}' is ${JSON.stringify(v)}, not a finite number`);
  return v;
}

/** Cell of a group table as a number, NaN when null (plots skip NaN). */
export function numberOrNaN(v: Cell | undefined): number {
  return typeof v === 'number' ? v : NaN;
}

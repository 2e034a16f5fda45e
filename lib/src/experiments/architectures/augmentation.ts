/**
 * Notebook 05, section 2b — AlexNet's data augmentation [аугментация данных] on little data. The notes list it among
 * AlexNet's achievements; here it is measured: one small network of section 4c (same family, same parameter budget)
 * trained on a small labelled subset with and without random crops (pad, then crop back at a random offset) and
 * horizontal flips. Both arms of a seed share the init, the data order and the number of optimiser steps, so the
 * per-seed difference of test accuracy is the effect of the augmentation alone.
 */
import type { ImageAugment } from '../../data/source';
import type { ImageDataset } from '../../data/types';
import { NORMALISATION } from '../../data/transforms';
import { sourceFromImageDataset } from '../../data/source';
import { countParameters } from '../../models/parameters';
import { meanInterval, type MeanCI } from '../../stats/intervals';
import { verdictAgainstThreshold, type VerdictStatus } from '../../stats/verdict';
import { cachedRun } from '../../store/cache';
import { NonFiniteLossError, train } from '../../train/loop';
import { createProgress, yieldToEventLoop } from '../../util/progress';
import { budgetNet, widthForBudget, type BlockFamily, type SmallDataTraining } from './blocks';
import { smallDataSubset, type ClassSubsetSpec } from './common';
import { lossPlateaued, pairedBySeed } from './transferStats';

export interface RandomCropFlipOptions {
  /** Pixels of padding on every side before the crop back to the original size (0 = no shift). */
  padding: number;
  /** Mirror left-right with probability 1/2 (photos: yes; digits: no, a mirrored 2 is not a 2). */
  flip: boolean;
  /** Value of the padded pixels, one per channel or one for all (default 0). */
  fill?: number | readonly number[];
}

/**
 * AlexNet-style augmentation of one HWC float image, in place: pad by `padding` with `fill`, crop back to H×W at a
 * uniformly random offset (dy, dx ∈ −padding..padding), then mirror left-right with probability 1/2 when `flip`.
 * The randomness comes from `rng` in the order dy, dx, flip, so a seeded rng gives the same views every time.
 */
export function randomCropFlip(options: RandomCropFlipOptions): ImageAugment {
  const { padding, flip } = options;
  if (!(Number.isInteger(padding) && padding >= 0)) throw new Error(`randomCropFlip: padding must be a non-negative integer; got ${padding}`);
  return (image, shape, rng) => {
    const [h, w, c] = shape;
    if (image.length !== h * w * c) throw new Error(`randomCropFlip: image has ${image.length} values; expected H·W·C = ${h}·${w}·${c}`);
    const fill = typeof options.fill === 'number' || options.fill === undefined ? new Array<number>(c).fill(options.fill ?? 0) : options.fill;
    if (fill.length !== c) throw new Error(`randomCropFlip: fill has ${fill.length} values; expected ${c} (one per channel)`);
    const dy = rng.int(2 * padding + 1) - padding;
    const dx = rng.int(2 * padding + 1) - padding;
    const mirror = flip && rng.next() < 0.5;
    if (dy === 0 && dx === 0 && !mirror) return;
    const src = image.slice();
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      for (let x = 0; x < w; x++) {
        // Crop first, then mirror (torchvision's order): output x reads cropped column w−1−x when mirrored.
        const sx = (mirror ? w - 1 - x : x) + dx;
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        const o = (y * w + x) * c;
        for (let k = 0; k < c; k++) image[o + k] = inside ? (src[(sy * w + sx) * c + k] as number) : (fill[k] as number);
      }
    }
  };
}

/** Each seed trains both arms from the same init and data order (a paired design). */
export interface AugmentationStudyConfig extends SmallDataTraining {
  version: number;
  dataset: ClassSubsetSpec['dataset'];
  /** Network of section 4c used for both arms, at `budget` learned parameters. */
  family: BlockFamily;
  padding: number;
  flip: boolean;
}

/** A type alias, not an interface, so that runs are table rows (nb.table) as they are. */
export type AugmentationRun = {
  seed: number;
  augmented: boolean;
  trainAccuracy: number | null;
  testAccuracy: number | null;
  finalTrainLoss: number | null;
  /** The training loss reached its plateau (the rule of section 5), reported, not used to exclude. */
  lossPlateau: boolean;
  diverged: boolean;
};

export interface AugmentationClaim {
  /** Test accuracy per arm, mean over seeds with its 95% interval. */
  without: MeanCI;
  with: MeanCI;
  /** Per seed: accuracy with − without augmentation (seeds where both arms finished). */
  seeds: number[];
  differences: number[];
  difference: MeanCI;
  /** "Augmentation raises test accuracy": the whole interval of the difference above 0. */
  status: VerdictStatus;
}

export interface AugmentationResults {
  config: AugmentationStudyConfig;
  width: number;
  parameters: number;
  runs: AugmentationRun[];
  claim: AugmentationClaim;
  trainedRuns: number;
  elapsedMs: number;
}

export const AUGMENTATION_NAMESPACE = 'architectures-augmentation';

/** What the lecture notes tested by notebook 05 say about data augmentation, in their words: the verdict line quotes them. */
export const AUGMENTATION_CLAIM_WORDS = 'Достижения AlexNet: […] Data Augmentation';

/** The claim from the runs: paired differences by seed, interval by the project's rule, threshold 0. */
export function augmentationClaim(runs: readonly AugmentationRun[]): AugmentationClaim {
  const bySeed = (augmented: boolean): Map<number, number> => new Map(
    runs.filter((r) => r.augmented === augmented && r.testAccuracy !== null && !r.diverged).map((r) => [r.seed, r.testAccuracy as number]));
  const withAug = bySeed(true);
  const without = bySeed(false);
  const { seeds, differences } = pairedBySeed(withAug, without);
  const difference = meanInterval(differences, { seed: 3 });
  return {
    without: meanInterval([...without.values()], { seed: 1, identical: 'none' }),
    with: meanInterval([...withAug.values()], { seed: 2, identical: 'none' }),
    seeds,
    differences,
    difference,
    status: verdictAgainstThreshold(difference, 0, 'above'),
  };
}

/** The per-channel value of a black pixel after the dataset's normalisation (what zero-padding a photo gives). */
export function normalisedBlack(dataset: ClassSubsetSpec['dataset']): number[] {
  const n = NORMALISATION[dataset];
  return n.mean.map((m, i) => -m / (n.std[i] as number));
}

/** Trains every seed × {without, with} augmentation on the given images (each run a result-cache entry). */
export async function augmentationRuns(
  config: AugmentationStudyConfig,
  data: { train: ImageDataset; test: ImageDataset },
  options: { progress?: boolean; cacheRoot?: string } = {},
): Promise<AugmentationResults> {
  if (config.seeds.length === 0) throw new Error('augmentationRuns: config.seeds is empty');
  const started = performance.now();
  const norm = NORMALISATION[config.dataset];
  const inputShape: [number, number, number] = [data.train.height, data.train.width, data.train.channels];
  const classes = data.train.classNames.length;
  const plain = sourceFromImageDataset(data.train, { mean: norm.mean, std: norm.std });
  const augment = randomCropFlip({ padding: config.padding, flip: config.flip, fill: normalisedBlack(config.dataset) });
  const augmented = sourceFromImageDataset(data.train, { mean: norm.mean, std: norm.std, augment });
  const test = sourceFromImageDataset(data.test, { mean: norm.mean, std: norm.std });
  const { width } = widthForBudget(config.family, config.budget, classes);
  const probe = budgetNet(config.family, width, { classes, seed: 0, inputShape });
  const parameters = countParameters(probe, { trainableOnly: true });
  probe.dispose();
  const runs: AugmentationRun[] = [];
  let trainedRuns = 0;
  const progress = options.progress ? createProgress({ label: 'augmentation', total: 2 * config.seeds.length, unit: 'runs' }) : null;
  let done = 0;
  for (const seed of config.seeds) {
    for (const withAug of [false, true]) {
      const { seeds: _seeds, ...recipe } = config;
      const cell = { ...recipe, width, seed, augmented: withAug };
      const run = await cachedRun<typeof cell, AugmentationRun>(AUGMENTATION_NAMESPACE, cell, async () => {
        trainedRuns++;
        const model = budgetNet(config.family, width, { classes, seed, inputShape });
        try {
          const r = await train(model, { train: withAug ? augmented : plain, test }, {
            epochs: config.epochs, batchSize: config.batchSize, seed: 7919 + seed, optimizer: config.optimizer, progress: false,
            ...(config.maxStepsPerEpoch !== null ? { maxStepsPerEpoch: config.maxStepsPerEpoch } : {}),
          });
          const last = r.history[r.history.length - 1];
          return {
            history: r.history,
            results: {
              seed, augmented: withAug, trainAccuracy: last?.trainAccuracy ?? null, testAccuracy: r.test?.accuracy ?? null,
              finalTrainLoss: last?.trainLoss ?? null, lossPlateau: lossPlateaued(r.history.map((h) => h.trainLoss)), diverged: false,
            },
          };
        } catch (err) {
          if (!(err instanceof NonFiniteLossError)) throw err;
          return { results: { seed, augmented: withAug, trainAccuracy: null, testAccuracy: null, finalTrainLoss: null, lossPlateau: false, diverged: true } };
        } finally {
          model.dispose();
        }
      }, options.cacheRoot !== undefined ? { root: options.cacheRoot } : {});
      if (!run.results) throw new Error(`augmentationRuns: cache entry ${run.key} has no results`);
      runs.push(run.results);
      progress?.update(++done, `seed ${seed} ${withAug ? 'with' : 'without'} augmentation${run.fromCache ? ' (cache)' : ''}`);
      await yieldToEventLoop();
    }
  }
  progress?.finish();
  return { config, width, parameters, runs, claim: augmentationClaim(runs), trainedRuns, elapsedMs: performance.now() - started };
}

/** The study on its dataset: a class-balanced training subset and a test subset, both seeded. */
export async function runAugmentationStudy(config: AugmentationStudyConfig, options: { progress?: boolean; cacheRoot?: string } = {}): Promise<AugmentationResults> {
  const train = await smallDataSubset(config, 'train', config.trainPerClass);
  const test = await smallDataSubset(config, 'test', config.testPerClass);
  return augmentationRuns(config, { train, test }, options);
}

/** One training image of the study as HWC floats in 0..255 (for showing what the augmentation does to it). */
export async function augmentationImage(config: Pick<AugmentationStudyConfig, 'dataset' | 'trainPerClass' | 'dataSeed'>, index: number): Promise<{ pixels: Float32Array; shape: [number, number, number] }> {
  const ds = await smallDataSubset(config, 'train', config.trainPerClass);
  if (!(Number.isInteger(index) && index >= 0 && index < ds.count)) throw new Error(`augmentationImage: index must be an integer in 0..${ds.count - 1}; got ${index}`);
  const size = ds.height * ds.width * ds.channels;
  return { pixels: Float32Array.from(ds.pixels.subarray(index * size, (index + 1) * size)), shape: [ds.height, ds.width, ds.channels] };
}

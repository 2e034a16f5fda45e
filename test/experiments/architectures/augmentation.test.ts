import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import {
  augmentationClaim,
  augmentationRuns,
  randomCropFlip,
  type AugmentationRun,
  type AugmentationStudyConfig,
} from '../../../lib/src/experiments/architectures/augmentation';
import { architecturesConfig } from '../../../lib/src/experiments/architectures/config';
import type { ImageDataset } from '../../../lib/src/data/types';
import { createRng, type Rng } from '../../../lib/src/util/random';
import { useCpuBackend, useTempCache } from './fixture';

/** An Rng that returns scripted draws, so that a test fixes the crop offset and the coin by hand. */
function scriptedRng(ints: number[], coins: number[]): Rng & { used: () => [number, number] } {
  let i = 0;
  let c = 0;
  const fail = (): never => { throw new Error('scriptedRng: unexpected draw'); };
  return {
    int: () => ints[i++] ?? fail(),
    next: () => coins[c++] ?? fail(),
    normal: fail, shuffle: fail, permutation: fail, uint32: fail,
    used: () => [i, c],
  };
}

const image3x3 = (): Float32Array => Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);

describe('experiments/architectures: augmentation (random crop with padding + flip)', () => {
  it('a crop at offset (dy, dx) = (+1, −1) shifts the picture up and right and fills the border', () => {
    const x = image3x3();
    const rng = scriptedRng([2, 0], []); // int(3) − 1: dy = 2 − 1 = +1, dx = 0 − 1 = −1
    randomCropFlip({ padding: 1, flip: false })(x, [3, 3, 1], rng);
    assert.deepEqual(Array.from(x), [0, 4, 5, 0, 7, 8, 0, 0, 0]);
    assert.deepEqual(rng.used(), [2, 0], 'no coin is drawn when flips are off');
  });

  it('a flip alone mirrors every row; crop then flip reads the cropped picture mirrored', () => {
    const flipped = image3x3();
    randomCropFlip({ padding: 1, flip: true })(flipped, [3, 3, 1], scriptedRng([1, 1], [0.1]));
    assert.deepEqual(Array.from(flipped), [3, 2, 1, 6, 5, 4, 9, 8, 7]);
    const both = image3x3();
    randomCropFlip({ padding: 1, flip: true, fill: -1 })(both, [3, 3, 1], scriptedRng([1, 2], [0.2])); // dy 0, dx +1, mirrored
    assert.deepEqual(Array.from(both), [-1, 3, 2, -1, 6, 5, -1, 9, 8]);
    const kept = image3x3();
    randomCropFlip({ padding: 1, flip: true })(kept, [3, 3, 1], scriptedRng([1, 1], [0.7]));
    assert.deepEqual(Array.from(kept), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'coin ≥ 1/2 and offset 0: unchanged');
  });

  it('keeps the channels of a pixel together and fills per channel', () => {
    // 1×2 image, 2 channels: pixels (1, 10), (2, 20).
    const x = Float32Array.from([1, 10, 2, 20]);
    randomCropFlip({ padding: 1, flip: true, fill: [-1, -2] })(x, [1, 2, 2], scriptedRng([1, 1], [0]));
    assert.deepEqual(Array.from(x), [2, 20, 1, 10]);
    const y = Float32Array.from([1, 10, 2, 20]);
    randomCropFlip({ padding: 1, flip: false, fill: [-1, -2] })(y, [1, 2, 2], scriptedRng([1, 2], []));
    assert.deepEqual(Array.from(y), [2, 20, -1, -2]);
  });

  it('is reproducible from the seed, makes every offset, and creates no tensors', () => {
    const before = tf.memory().numTensors;
    const views = (seed: number): string[] => {
      const rng = createRng(seed);
      return Array.from({ length: 200 }, () => {
        const x = image3x3();
        randomCropFlip({ padding: 1, flip: true })(x, [3, 3, 1], rng);
        return Array.from(x).join(',');
      });
    };
    assert.deepEqual(views(5), views(5));
    // 9 offsets × 2 mirror states, all distinct pictures of a 3×3 image with distinct pixels: all 18 appear.
    assert.equal(new Set(views(5)).size, 18);
    assert.equal(tf.memory().numTensors, before);
  });

  it('rejects a bad padding and a wrong image size, naming the parameter', () => {
    assert.throws(() => randomCropFlip({ padding: -1, flip: false }), /padding must be a non-negative integer/);
    assert.throws(() => randomCropFlip({ padding: 1, flip: false })(new Float32Array(8), [3, 3, 1], createRng(1)), /image has 8 values/);
    assert.throws(() => randomCropFlip({ padding: 1, flip: false, fill: [0, 0] })(image3x3(), [3, 3, 1], createRng(1)), /fill has 2 values/);
  });
});

describe('experiments/architectures: augmentation verdict (paired by seed)', () => {
  const runs = (without: number[], withAug: number[]): AugmentationRun[] => without.flatMap((a, seed) => [
    { seed, augmented: false, testAccuracy: a, trainAccuracy: null, finalTrainLoss: null, lossPlateau: true, diverged: false },
    { seed, augmented: true, testAccuracy: withAug[seed] as number, trainAccuracy: null, finalTrainLoss: null, lossPlateau: true, diverged: false },
  ]);
  const base = [0.30, 0.32, 0.28, 0.31, 0.29];

  it('holds when every seed gains: t interval computed by hand', () => {
    const gains = [0.05, 0.06, 0.04, 0.07, 0.05];
    const c = augmentationClaim(runs(base, base.map((b, i) => b + (gains[i] as number))));
    // mean 0.054, sd = sqrt(520e-6 / 4) = 0.0114018, t(0.975, 4) = 2.7764451 → half-width 0.0141574.
    assert.ok(Math.abs(c.difference.mean - 0.054) < 1e-12);
    assert.ok(Math.abs(c.difference.lo - (0.054 - 0.0141574)) < 1e-6, `lo ${c.difference.lo}`);
    assert.ok(Math.abs(c.difference.hi - (0.054 + 0.0141574)) < 1e-6, `hi ${c.difference.hi}`);
    assert.equal(c.difference.n, 5);
    assert.equal(c.status, 'holds');
  });

  it('fails when every seed loses, and is inconclusive when the interval holds 0', () => {
    assert.equal(augmentationClaim(runs(base, base.map((b, i) => b - [0.05, 0.06, 0.04, 0.07, 0.05][i]!))).status, 'fails');
    assert.equal(augmentationClaim(runs(base, base.map((b, i) => b + [0.05, -0.05, 0.02, -0.03, 0.01][i]!))).status, 'inconclusive');
  });

  it('pairs by seed: a seed with a diverged or missing arm is left out of the difference', () => {
    const r = runs(base, base.map((b) => b + 0.05));
    const diverged = r.map((x) => (x.seed === 1 && x.augmented ? { ...x, testAccuracy: null, diverged: true } : x));
    const c = augmentationClaim(diverged.filter((x) => !(x.seed === 3 && !x.augmented)));
    assert.deepEqual(c.seeds, [0, 2, 4]);
    assert.equal(c.differences.length, 3);
    assert.ok(c.differences.every((d) => Math.abs(d - 0.05) < 1e-12));
    assert.equal(c.without.n, 4);
    assert.equal(c.with.n, 4);
  });
});

describe('experiments/architectures: augmentation study on tiny synthetic images', () => {
  useCpuBackend();
  const cacheRoot = useTempCache('augmentation');

  const synthetic = (count: number, seed: number): ImageDataset => {
    const rng = createRng(seed);
    const [h, w, c] = [8, 8, 3];
    return {
      name: 'synthetic', split: 'train', count, height: h, width: w, channels: c, source: 'test',
      pixels: Uint8Array.from({ length: count * h * w * c }, () => rng.int(256)),
      labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
      classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
    };
  };

  it('trains both arms for every seed, caches them, and leaks no tensors', async () => {
    const config: AugmentationStudyConfig = { ...architecturesConfig('tiny').augmentation, seeds: [3, 4] };
    const data = { train: synthetic(20, 1), test: synthetic(10, 2) };
    const before = tf.memory().numTensors;
    const first = await augmentationRuns(config, data, { cacheRoot: cacheRoot() });
    assert.equal(tf.memory().numTensors, before, 'tensors left after the study');
    assert.equal(first.runs.length, 4);
    assert.equal(first.trainedRuns, 4);
    for (const seed of [3, 4]) assert.deepEqual(first.runs.filter((r) => r.seed === seed).map((r) => r.augmented), [false, true]);
    assert.ok(first.runs.every((r) => r.testAccuracy !== null && r.testAccuracy >= 0 && r.testAccuracy <= 1));
    assert.deepEqual(first.claim.seeds, [3, 4]);
    assert.equal(first.claim.differences.length, 2);
    assert.ok(first.parameters > 0 && first.width >= 1);
    const again = await augmentationRuns(config, data, { cacheRoot: cacheRoot() });
    assert.equal(again.trainedRuns, 0, 'second call reads the cache');
    assert.deepEqual(again.runs, first.runs);
  });

  it('pairs the arms: with a no-op augmentation (padding 0, no flips) both arms of a seed train identically', async () => {
    const config: AugmentationStudyConfig = { ...architecturesConfig('tiny').augmentation, seeds: [5], padding: 0, flip: false, maxStepsPerEpoch: 2 };
    const r = await augmentationRuns(config, { train: synthetic(20, 3), test: synthetic(10, 4) }, { cacheRoot: cacheRoot() });
    const [without, withAug] = r.runs;
    assert.ok(without && withAug && !without.augmented && withAug.augmented);
    assert.equal(withAug.finalTrainLoss, without.finalTrainLoss, 'same init, same batches, same steps');
    assert.equal(withAug.testAccuracy, without.testAccuracy);
    assert.deepEqual(r.claim.differences, [0]);
  });
});

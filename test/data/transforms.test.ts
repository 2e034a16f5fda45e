import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../lib/src/util/random';
import { floatBatch } from '../../lib/src/data/batches';
import {
  composeBatchTransforms,
  greyToRgbBatch,
  greyToRgbDataset,
  normaliseBatch,
  padBatch,
  padDataset,
  pixelChannelStats,
  randomCropBatch,
  randomFlipBatch,
  resizeBilinearBatch,
  resizeDataset,
  type FloatBatch,
} from '../../lib/src/data/transforms';
import type { ImageDataset } from '../../lib/src/data/types';

function randomDataset(count: number, h: number, w: number, c: number, seed: number): ImageDataset {
  const rng = createRng(seed);
  return {
    name: 'rand',
    split: 'train',
    pixels: Uint8Array.from({ length: count * h * w * c }, () => rng.int(256)),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 3),
    count,
    height: h,
    width: w,
    channels: c,
    classNames: ['a', 'b', 'c'],
    source: 'memory',
  };
}

const pixelAt = (b: { data: ArrayLike<number>; height: number; width: number; channels: number }, i: number, y: number, x: number, c: number): number =>
  b.data[((i * b.height + y) * b.width + x) * b.channels + c] as number;

describe('data/transforms', () => {
  // tf.image.resizeBilinear on the cpu backend is the reference; restore whatever backend the run uses.
  let previousBackend = '';
  before(async () => {
    previousBackend = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  it('pads 28x28 to 32x32 with the image centred and zeros around', () => {
    const ds = randomDataset(2, 28, 28, 1, 1);
    const padded = padDataset(ds, 2);
    assert.deepEqual([padded.height, padded.width, padded.count], [32, 32, 2]);
    const view = { data: padded.pixels, height: 32, width: 32, channels: 1 };
    const orig = { data: ds.pixels, height: 28, width: 28, channels: 1 };
    assert.equal(pixelAt(view, 1, 2, 2, 0), pixelAt(orig, 1, 0, 0, 0));
    assert.equal(pixelAt(view, 1, 29, 29, 0), pixelAt(orig, 1, 27, 27, 0));
    assert.equal(pixelAt(view, 1, 1, 10, 0), 0);
    assert.equal(pixelAt(view, 0, 31, 31, 0), 0);
    let sumOrig = 0;
    let sumPadded = 0;
    ds.pixels.forEach((v) => (sumOrig += v));
    padded.pixels.forEach((v) => (sumPadded += v));
    assert.equal(sumPadded, sumOrig);
    const fb = padBatch(floatBatch(ds, [1]), 2, 0.5);
    assert.equal(pixelAt(fb, 0, 0, 0, 0), 0.5);
    assert.equal(pixelAt(fb, 0, 2, 2, 0), Math.fround(pixelAt(orig, 1, 0, 0, 0) / 255));
  });

  it('repeats grey into three equal channels', () => {
    const ds = randomDataset(3, 5, 4, 1, 2);
    const rgb = greyToRgbDataset(ds);
    assert.equal(rgb.channels, 3);
    for (let p = 0; p < ds.pixels.length; p++) {
      for (let c = 0; c < 3; c++) assert.equal(rgb.pixels[3 * p + c], ds.pixels[p]);
    }
    const rgbBatch = greyToRgbBatch(floatBatch(ds, [2, 0]));
    assert.deepEqual(Array.from(rgbBatch.data.subarray(0, 6)), [40, 40, 40, 41, 41, 41].map((k) => Math.fround((ds.pixels[k] as number) / 255)));
    assert.throws(() => greyToRgbDataset(rgb), /expected 1 channel, got 3/);
  });

  it('bilinear resize equals tf.image.resizeBilinear (cpu backend) for every corner mode', () => {
    const ds = randomDataset(2, 7, 5, 3, 3);
    const batch = floatBatch(ds, [0, 1]);
    const input = tf.tensor4d(batch.data, [2, 7, 5, 3]);
    for (const [h, w] of [
      [12, 9],
      [3, 4],
      [7, 5],
    ] as const) {
      for (const mode of [{}, { alignCorners: true }, { halfPixelCenters: true }]) {
        const ours = resizeBilinearBatch(batch, h, w, mode);
        const ref = tf.image.resizeBilinear(input, [h, w], mode.alignCorners ?? false, mode.halfPixelCenters ?? false);
        const refData = ref.dataSync();
        ref.dispose();
        assert.equal(ours.data.length, refData.length);
        let maxDiff = 0;
        for (let i = 0; i < refData.length; i++) maxDiff = Math.max(maxDiff, Math.abs((ours.data[i] as number) - (refData[i] as number)));
        assert.ok(maxDiff < 1e-6, `${h}x${w} ${JSON.stringify(mode)}: max diff ${maxDiff}`);
      }
    }
    input.dispose();
    // uint8 datasets: the same values rounded.
    const resized = resizeDataset(ds, 12, 9, { alignCorners: true });
    const floatRef = resizeBilinearBatch(batch, 12, 9, { alignCorners: true });
    for (let i = 0; i < resized.pixels.length; i++) assert.ok(Math.abs((resized.pixels[i] as number) - (floatRef.data[i] as number) * 255) <= 0.5 + 1e-3, `pixel ${i}`);
  });

  it('normalises per channel with hand-checked values, broadcasting a single mean/std', () => {
    const batch: FloatBatch = {
      data: Float32Array.from([0, 0.5, 1, 0.25, 0.75, 0.5]),
      count: 1,
      height: 1,
      width: 2,
      channels: 3,
      labels: Int32Array.from([0]),
      indices: Int32Array.from([0]),
    };
    const out = normaliseBatch(batch, { mean: [0.5, 0.5, 0.25], std: [0.5, 0.25, 0.25] });
    const expected = [-1, 0, 3, -0.5, 1, 1];
    expected.forEach((e, i) => assert.ok(Math.abs((out.data[i] as number) - e) < 1e-6, `${i}: ${out.data[i]} vs ${e}`));
    assert.equal(batch.data[0], 0, 'input untouched');
    const single = normaliseBatch(batch, { mean: [0.1307], std: [0.3081] });
    assert.ok(Math.abs((single.data[2] as number) - (1 - 0.1307) / 0.3081) < 1e-6);
    assert.throws(() => normaliseBatch(batch, { mean: [0, 0], std: [1, 1] }), /mean has 2 values; expected 1 or 3/);
    assert.throws(() => normaliseBatch(batch, { mean: [0], std: [0] }), /std must be positive/);
  });

  it('random crop shifts each image by an offset within the padding, zero-filled, reproducibly', () => {
    const ds = randomDataset(20, 8, 8, 2, 4);
    const batch = floatBatch(ds, Array.from({ length: 20 }, (_, i) => i));
    const a = randomCropBatch(batch, 3, createRng(7));
    const b = randomCropBatch(batch, 3, createRng(7));
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
    const offsets = new Set<string>();
    for (let i = 0; i < 20; i++) {
      // Find the offset (dy, dx) that explains the output exactly.
      let found: string | undefined;
      for (let dy = -3; dy <= 3 && !found; dy++) {
        for (let dx = -3; dx <= 3 && !found; dx++) {
          let ok = true;
          for (let y = 0; y < 8 && ok; y++) {
            for (let x = 0; x < 8 && ok; x++) {
              for (let c = 0; c < 2 && ok; c++) {
                const sy = y + dy;
                const sx = x + dx;
                const want = sy >= 0 && sy < 8 && sx >= 0 && sx < 8 ? pixelAt(batch, i, sy, sx, c) : 0;
                ok = pixelAt(a, i, y, x, c) === want;
              }
            }
          }
          if (ok) found = `${dy},${dx}`;
        }
      }
      assert.ok(found, `image ${i} is not a shifted copy`);
      offsets.add(found);
    }
    assert.ok(offsets.size > 5, `offsets vary: ${[...offsets].join(' ')}`);
    assert.deepEqual(Array.from(randomCropBatch(batch, 0, createRng(1)).data), Array.from(batch.data));
  });

  it('random flip mirrors left-right; probability 1 flips all, twice is the identity', () => {
    const ds = randomDataset(6, 3, 4, 3, 5);
    const batch = floatBatch(ds, [0, 1, 2, 3, 4, 5]);
    const all = randomFlipBatch(batch, createRng(1), 1);
    assert.equal(pixelAt(all, 2, 1, 0, 2), pixelAt(batch, 2, 1, 3, 2));
    assert.deepEqual(Array.from(randomFlipBatch(all, createRng(2), 1).data), Array.from(batch.data));
    assert.deepEqual(Array.from(randomFlipBatch(batch, createRng(3), 0).data), Array.from(batch.data));
    const half = randomFlipBatch(batch, createRng(4));
    const flipped = [0, 1, 2, 3, 4, 5].filter((i) => pixelAt(half, i, 0, 0, 0) !== pixelAt(batch, i, 0, 0, 0));
    assert.ok(flipped.length > 0 && flipped.length < 6, `flipped ${flipped.length} of 6`);
    const composed = composeBatchTransforms((b) => padBatch(b, 1), (b, rng) => randomFlipBatch(b, rng, 1));
    assert.deepEqual([composed(batch, createRng(0)).height, composed(batch, createRng(0)).width], [5, 6]);
  });

  it('pixelChannelStats computes per-channel mean and population std of pixel/255', () => {
    const ds = randomDataset(4, 3, 3, 2, 6);
    const stats = pixelChannelStats(ds);
    for (let c = 0; c < 2; c++) {
      const values: number[] = [];
      for (let p = c; p < ds.pixels.length; p += 2) values.push((ds.pixels[p] as number) / 255);
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
      assert.ok(Math.abs((stats.mean[c] as number) - mean) < 1e-12);
      assert.ok(Math.abs((stats.std[c] as number) - std) < 1e-9);
    }
  });
});

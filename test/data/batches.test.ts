import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { batches, epochOrder, floatBatch, floatBatches } from '../../lib/src/data/batches';
import { padBatch, randomFlipBatch } from '../../lib/src/data/transforms';
import { toyDataset } from './helpers';

describe('data/batches', () => {
  const ds = toyDataset(5, 21); // 105 images, pixel value = index

  it('floatBatch scales pixels to [0, 1] and carries labels and indices', () => {
    const b = floatBatch(ds, [3, 100]);
    assert.equal(b.count, 2);
    assert.equal(b.data[0], Math.fround(3 / 255));
    assert.equal(b.data[16], Math.fround(100 / 255));
    assert.deepEqual(Array.from(b.labels), [3, 0]);
    assert.deepEqual(Array.from(b.indices), [3, 100]);
    assert.throws(() => floatBatch(ds, [105]), /index 105 outside 0..104/);
  });

  it('one epoch visits every image once; order is fixed by (seed, epoch); shuffle false keeps dataset order', () => {
    const seen = [...floatBatches(ds, { batchSize: 16, seed: 1 })].flatMap((b) => Array.from(b.indices));
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 105 }, (_, i) => i));
    assert.notDeepEqual(seen, Array.from({ length: 105 }, (_, i) => i));
    assert.deepEqual(Array.from(epochOrder(105, { seed: 1 })), seen);
    assert.notDeepEqual(Array.from(epochOrder(105, { seed: 1, epoch: 1 })), seen);
    assert.notDeepEqual(Array.from(epochOrder(105, { seed: 2 })), seen);
    const ordered = [...floatBatches(ds, { batchSize: 50, shuffle: false })];
    assert.deepEqual(ordered.map((b) => b.count), [50, 50, 5]);
    assert.deepEqual(Array.from(ordered[2]!.indices), [100, 101, 102, 103, 104]);
    assert.deepEqual([...floatBatches(ds, { batchSize: 50, dropLast: true })].map((b) => b.count), [50, 50]);
    assert.throws(() => [...floatBatches(ds, { batchSize: 0 })], /batchSize must be a positive integer/);
  });

  it('applies the transform with a seeded rng (same seed, same augmentation)', () => {
    const transform = (b: Parameters<typeof padBatch>[0], rng: Parameters<typeof randomFlipBatch>[1]) => randomFlipBatch(padBatch(b, 1), rng);
    const toyRgb = toyDataset(2, 8, 3, 3);
    // Make images asymmetric so a flip is visible.
    for (let i = 0; i < toyRgb.pixels.length; i += 9) toyRgb.pixels[i] = 255;
    const a = [...floatBatches(toyRgb, { batchSize: 16, seed: 5, transform })][0]!;
    const b = [...floatBatches(toyRgb, { batchSize: 16, seed: 5, transform })][0]!;
    assert.deepEqual([a.height, a.width], [5, 5]);
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
  });

  it('tensor batches: xs NHWC float32, ys one-hot or int32, and a whole epoch leaks no tensors', () => {
    const before = tf.memory().numTensors;
    let images = 0;
    for (const batch of batches(ds, { batchSize: 32, seed: 3 })) {
      assert.deepEqual(batch.xs.shape, [batch.size, 4, 4, 1]);
      assert.equal(batch.xs.dtype, 'float32');
      assert.deepEqual(batch.ys.shape, [batch.size, 5]);
      const ys = batch.ys.arraySync() as number[][];
      const xs = batch.xs.dataSync();
      ys.forEach((row, k) => {
        const index = Math.round((xs[k * 16] as number) * 255);
        assert.equal(index, batch.indices[k]);
        assert.deepEqual(row, [0, 1, 2, 3, 4].map((c) => (c === index % 5 ? 1 : 0)));
      });
      images += batch.size;
      batch.dispose();
    }
    assert.equal(images, 105);
    for (const batch of batches(ds, { batchSize: 40, labels: 'index', shuffle: false })) {
      assert.equal(batch.ys.dtype, 'int32');
      assert.deepEqual(batch.ys.shape, [batch.size]);
      assert.deepEqual(Array.from(batch.ys.dataSync()), Array.from(batch.indices, (i) => i % 5));
      tf.dispose([batch.xs, batch.ys]);
    }
    // Stopping early leaves nothing behind either.
    for (const batch of batches(ds, { batchSize: 10 })) {
      batch.dispose();
      break;
    }
    assert.equal(tf.memory().numTensors, before);
  });
});

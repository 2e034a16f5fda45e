import { strict as assert } from 'assert';
import type { ImageDataset } from '../../lib/src/data/types';
import { datasetLabel } from '../../lib/src/data/labels';
import { inOrder, sourceFromArrays, sourceFromImageDataset, splitSource, subsetSource } from '../../lib/src/data/source';
import { createRng } from '../../lib/src/util/random';

/** 3 grayscale 2×2 images with pixel values i·10 + position, labels 7, 2, 5. */
function grayDataset(): ImageDataset {
  const pixels = new Uint8Array(3 * 4);
  for (let i = 0; i < 3; i++) for (let p = 0; p < 4; p++) pixels[i * 4 + p] = i * 10 + p;
  return { name: 'toy', split: 'train', pixels, labels: Uint8Array.from([7, 2, 5]), count: 3, height: 2, width: 2, channels: 1, classNames: Array.from({ length: 10 }, (_, i) => String(i)), source: 'memory' };
}

describe('data/source', () => {
  it('scales /255 by default and keeps NHWC order', () => {
    const s = sourceFromImageDataset(grayDataset());
    const b = s.batch(Int32Array.from([1, 0]));
    assert.deepEqual(b.shape, [2, 2, 2, 1]);
    assert.deepEqual(Array.from(b.labels), [2, 7]);
    assert.deepEqual(Array.from(b.xs), [10, 11, 12, 13, 0, 1, 2, 3].map((p) => Math.fround(p / 255)));
    assert.equal(s.classes, 10);
  });

  it('pads by 2, repeats to 3 channels and normalises (the parameter-change and activation-variance preprocessing)', () => {
    const s = sourceFromImageDataset(grayDataset(), { pad: 1, channels: 3, mean: 0.5, std: 0.25 });
    assert.deepEqual(s.exampleShape, [4, 4, 3]);
    const b = s.batch(Int32Array.from([2]));
    const at = (y: number, x: number, c: number): number => b.xs[(y * 4 + x) * 3 + c] as number;
    const norm = (p: number): number => Math.fround((p / 255 - 0.5) / 0.25);
    assert.equal(at(0, 0, 0), norm(0), 'padding is a zero pixel, normalised like one');
    assert.equal(at(1, 1, 0), norm(20));
    assert.equal(at(1, 2, 2), norm(21));
    assert.equal(at(2, 2, 1), norm(23));
    const flat = sourceFromImageDataset(grayDataset(), { flatten: true, scale: 1 });
    assert.deepEqual(flat.exampleShape, [4]);
    assert.deepEqual(Array.from(flat.batch(Int32Array.from([1])).xs), [10, 11, 12, 13]);
  });

  it('selects indices and remaps labels; an unmapped label is an error naming the image', () => {
    const labelMap = new Int32Array(10).fill(-1);
    labelMap[5] = 0;
    labelMap[7] = 1;
    const s = sourceFromImageDataset(grayDataset(), { indices: Int32Array.from([2, 0]), labelMap });
    assert.equal(s.count, 2);
    assert.equal(s.classes, 2);
    assert.deepEqual(Array.from(s.batch(Int32Array.from([0, 1])).labels), [0, 1]);
    const all = sourceFromImageDataset(grayDataset(), { labelMap });
    assert.throws(() => all.batch(Int32Array.from([1])), /image 1 of toy has label 2, which maps to -1/);
    assert.throws(() => sourceFromImageDataset(grayDataset(), { mean: [0.1, 0.2] }), /mean has 2 values, expected 1/);
  });

  it('augments only when given an rng, deterministically per seed', () => {
    const s = sourceFromImageDataset(grayDataset(), {
      scale: 1,
      augment: (img, _shape, rng) => {
        if (rng.next() < 0.5) img.reverse();
      },
    });
    const idx = Int32Array.from([0, 1, 2, 0, 1, 2]);
    assert.deepEqual(Array.from(s.batch(idx).xs.subarray(0, 4)), [0, 1, 2, 3]);
    const a = s.batch(idx, createRng(1)).xs;
    const b = s.batch(idx, createRng(1)).xs;
    assert.deepEqual(a, b);
    assert.ok(Array.from({ length: 6 }, (_, i) => a[i * 4]).some((v, i) => v !== [0, 10, 20][i % 3]), 'something was flipped');
  });

  it('splits into disjoint seeded train/validation subsets', () => {
    const n = 50;
    const xs = Float32Array.from({ length: n }, (_, i) => i);
    const src = sourceFromArrays(xs, new Int32Array(n), [1], 1);
    const { train, val } = splitSource(src, { validationFraction: 0.2, seed: 4 });
    assert.equal(val.count, 10);
    assert.equal(train.count, 40);
    const ids = (s: typeof train): number[] => Array.from(s.batch(Int32Array.from({ length: s.count }, (_, i) => i)).xs);
    const all = new Set([...ids(train), ...ids(val)]);
    assert.equal(all.size, 50);
    assert.deepEqual(ids(splitSource(src, { validationFraction: 0.2, seed: 4 }).val), ids(val));
    assert.notDeepEqual(ids(splitSource(src, { validationFraction: 0.2, seed: 5 }).val), ids(val));
    assert.deepEqual(ids(subsetSource(val, Int32Array.from([1, 0]))), [ids(val)[1], ids(val)[0]]);
    assert.throws(() => splitSource(src, { seed: 1 }), /exactly one of/);
    assert.throws(() => sourceFromArrays(xs, new Int32Array(n).fill(3), [1], 2), /label 3 at 0 outside 0..1/);
  });

  it('inOrder walks the first count examples once, in index order, with a short last batch', () => {
    const n = 7;
    const src = sourceFromArrays(Float32Array.from({ length: n }, (_, i) => i), Int32Array.from({ length: n }, (_, i) => i % 2), [1], 2);
    const all = [...inOrder(src, 3)];
    assert.deepEqual(all.map((b) => b.start), [0, 3, 6]);
    assert.deepEqual(all.map((b) => Array.from(b.batch.xs)), [[0, 1, 2], [3, 4, 5], [6]]);
    assert.deepEqual([...inOrder(src, 4, 5)].map((b) => Array.from(b.batch.labels)), [[0, 1, 0, 1], [0]]);
    assert.deepEqual([...inOrder(src, 4, 0)], []);
    assert.throws(() => [...inOrder(src, 0)], /inOrder: batchSize must be a positive integer, got 0/);
    assert.throws(() => [...inOrder(src, 2, 8)], /count must be an integer in 0\.\.7/);
  });

  it('names datasets the way the field does, and passes unknown names through', () => {
    assert.equal(datasetLabel('fashion-mnist'), 'Fashion-MNIST');
    assert.equal(datasetLabel('cifar10'), 'CIFAR-10');
    assert.equal(datasetLabel('svhn'), 'svhn');
  });
});

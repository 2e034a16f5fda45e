import { strict as assert } from 'assert';
import { labelHistogram } from '../../lib/src/data/load';
import { sampleImages, sampleToRgba } from '../../lib/src/data/samples';
import { selectClasses, stratifiedSplit, subsetDataset, takePerClass } from '../../lib/src/data/subsets';
import { toyDataset } from './helpers';

describe('data/subsets', () => {
  it('selectClasses keeps the chosen classes and relabels them 0..k-1 (CIFAR 5-9 -> 0-4)', () => {
    const ds = toyDataset(10, 4);
    const high = selectClasses(ds, [5, 6, 7, 8, 9]);
    assert.equal(high.count, 20);
    assert.deepEqual(high.classNames, ['class5', 'class6', 'class7', 'class8', 'class9']);
    assert.deepEqual(labelHistogram(high), [4, 4, 4, 4, 4]);
    // Image pixel value = original index, so the original label is value % 10: new label = old - 5.
    for (let i = 0; i < high.count; i++) assert.equal(high.labels[i], ((high.pixels[i * 16] as number) % 10) - 5);
    const byName = selectClasses(ds, ['class9', 'class0']);
    assert.deepEqual(byName.classNames, ['class9', 'class0']);
    for (let i = 0; i < byName.count; i++) assert.equal(byName.labels[i], (byName.pixels[i * 16] as number) % 10 === 9 ? 0 : 1);
    const kept = selectClasses(ds, [3], { relabel: false });
    assert.ok(Array.from(kept.labels).every((l) => l === 3));
    assert.deepEqual(kept.classNames, ds.classNames);
    assert.throws(() => selectClasses(ds, [10]), /class 10 is not one of toy's 10 classes/);
    assert.throws(() => selectClasses(ds, ['zebra']), /class "zebra"/);
    assert.throws(() => selectClasses(ds, [1, 1]), /classes repeat/);
  });

  it('stratifiedSplit is disjoint, complete, per-class proportional and seeded', () => {
    const ds = toyDataset(3, 50);
    const { train, validation } = stratifiedSplit(ds, 0.2, 1);
    assert.deepEqual(labelHistogram(validation), [10, 10, 10]);
    assert.deepEqual(labelHistogram(train), [40, 40, 40]);
    const ids = (d: typeof ds): number[] => Array.from({ length: d.count }, (_, i) => d.pixels[i * 16] as number);
    const all = [...ids(train), ...ids(validation)].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 150 }, (_, i) => i));
    assert.deepEqual(ids(stratifiedSplit(ds, 0.2, 1).validation), ids(validation));
    assert.notDeepEqual(ids(stratifiedSplit(ds, 0.2, 2).validation), ids(validation));
    assert.throws(() => stratifiedSplit(ds, 1, 0), /valFraction must be in \(0, 1\)/);
  });

  it('takePerClass takes n seeded images of every class and refuses classes that are too small', () => {
    const ds = toyDataset(4, 30);
    const small = takePerClass(ds, 5, 3);
    assert.deepEqual(labelHistogram(small), [5, 5, 5, 5]);
    assert.deepEqual(Array.from(takePerClass(ds, 5, 3).pixels), Array.from(small.pixels));
    assert.notDeepEqual(Array.from(takePerClass(ds, 5, 4).pixels), Array.from(small.pixels));
    assert.throws(() => takePerClass(ds, 31, 0), /class 0 \('class0'\) of toy train has 30 images; 31 requested/);
    assert.throws(() => subsetDataset(ds, [120]), /index 120 at position 0 is outside 0..119/);
  });

  it('sampleImages draws perClass images per class, copies their pixels, and converts to RGBA', () => {
    const ds = toyDataset(3, 10, 2, 1);
    const samples = sampleImages(ds, 4, 9);
    assert.equal(samples.length, 12);
    samples.forEach((s, k) => {
      assert.equal(s.label, Math.floor(k / 4));
      assert.equal(s.className, `class${s.label}`);
      assert.equal(ds.labels[s.index], s.label);
      assert.deepEqual(Array.from(s.pixels), [s.index, s.index, s.index, s.index]);
    });
    assert.deepEqual(sampleImages(ds, 4, 9).map((s) => s.index), samples.map((s) => s.index));
    assert.equal(sampleImages(ds, 20, 1).length, 30, 'a class with fewer images gives all it has');
    assert.equal(sampleImages(ds, 2, 1, 2).length, 4, 'maxClasses');
    const rgba = sampleToRgba(samples[0]!);
    assert.deepEqual(Array.from(rgba.subarray(0, 8)), [samples[0]!.index, samples[0]!.index, samples[0]!.index, 255, samples[0]!.index, samples[0]!.index, samples[0]!.index, 255]);
  });
});

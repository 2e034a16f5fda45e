import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { createRng } from '../../lib/src/util/random';
import { loadImageFolder } from '../../lib/src/data/image-folder';
import { parseImagenetFileName, readImagenetSample, resolveDarknetLabels } from '../../lib/src/data/imagenet-sample';
import { expectDataError, tempDir } from './helpers';

/** Writes an RGB (or grey) image with sharp; returns its pixels. */
async function writeImage(file: string, width: number, height: number, channels: 1 | 3, seed: number, format: 'png' | 'jpeg'): Promise<Uint8Array> {
  const rng = createRng(seed);
  const pixels = Uint8Array.from({ length: width * height * channels }, () => rng.int(256));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const img = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  await (format === 'png' ? img.png() : img.jpeg({ quality: 95 })).toFile(file);
  return pixels;
}

describe('data/image-folder', () => {
  it('reads <split>/<class>/*.png exactly, classes sorted, files in name order', async () => {
    const root = tempDir('folder');
    const b0 = await writeImage(path.join(root, 'train', 'b', '0.png'), 5, 4, 3, 1, 'png');
    const a1 = await writeImage(path.join(root, 'train', 'a', '1.png'), 5, 4, 3, 2, 'png');
    const a0 = await writeImage(path.join(root, 'train', 'a', '0.png'), 5, 4, 3, 3, 'png');
    fs.writeFileSync(path.join(root, 'train', 'a', 'notes.txt'), 'not an image');
    const ds = await loadImageFolder(root, { split: 'train', quiet: true });
    assert.deepEqual(ds.classNames, ['a', 'b']);
    assert.deepEqual(Array.from(ds.labels), [0, 0, 1]);
    assert.deepEqual([ds.count, ds.height, ds.width, ds.channels], [3, 4, 5, 3]);
    const size = 4 * 5 * 3;
    assert.deepEqual(Array.from(ds.pixels.subarray(0, size)), Array.from(a0));
    assert.deepEqual(Array.from(ds.pixels.subarray(size, 2 * size)), Array.from(a1));
    assert.deepEqual(Array.from(ds.pixels.subarray(2 * size)), Array.from(b0));
  });

  it('reads JPEG close to what was written, grey images as 3 equal channels, and honours classNames order', async () => {
    const root = tempDir('folder-jpeg');
    // A smooth image survives JPEG well; random noise would not.
    const w = 16;
    const smooth = Uint8Array.from({ length: w * w * 3 }, (_, i) => (Math.floor(i / 3) % w) * 10 + (i % 3) * 20);
    fs.mkdirSync(path.join(root, 'cat'), { recursive: true });
    await sharp(Buffer.from(smooth), { raw: { width: w, height: w, channels: 3 } }).jpeg({ quality: 95 }).toFile(path.join(root, 'cat', 'x.jpg'));
    const grey = await writeImage(path.join(root, 'dog', 'g.png'), w, w, 1, 9, 'png');
    const ds = await loadImageFolder(root, { classNames: ['dog', 'cat'], quiet: true });
    assert.deepEqual(Array.from(ds.labels), [0, 1]);
    const n = w * w * 3;
    for (let p = 0; p < w * w; p++) {
      for (let c = 0; c < 3; c++) assert.equal(ds.pixels[3 * p + c], grey[p]);
    }
    let absDiff = 0;
    for (let i = 0; i < n; i++) absDiff += Math.abs((ds.pixels[n + i] as number) - (smooth[i] as number));
    assert.ok(absDiff / n < 4, `mean |JPEG - original| = ${absDiff / n}`);
    const asGrey = await loadImageFolder(root, { classNames: ['dog'], channels: 1, quiet: true });
    assert.deepEqual(Array.from(asGrey.pixels), Array.from(grey));
  });

  it('resizes to a given size, and otherwise rejects mixed sizes naming the file', async () => {
    const root = tempDir('folder-sizes');
    await writeImage(path.join(root, 'a', '0.png'), 8, 8, 3, 1, 'png');
    await writeImage(path.join(root, 'a', '1.png'), 12, 6, 3, 2, 'png');
    await expectDataError(() => loadImageFolder(root, { quiet: true }), path.join(root, 'a', '1.png'), 'a 8x8 image', '6x12');
    const ds = await loadImageFolder(root, { size: { height: 4, width: 4 }, quiet: true });
    assert.deepEqual([ds.count, ds.height, ds.width], [2, 4, 4]);
  });

  it('explains a missing root, a missing class folder, an empty class and an unreadable image', async () => {
    const root = tempDir('folder-bad');
    await expectDataError(() => loadImageFolder(path.join(root, 'nope')), 'nope', 'one sub-folder of images per class', 'no such folder');
    await expectDataError(() => loadImageFolder(root), root, 'no sub-folders');
    await writeImage(path.join(root, 'a', '0.png'), 4, 4, 3, 1, 'png');
    await expectDataError(() => loadImageFolder(root, { classNames: ['a', 'zebra'] }), 'zebra', "images of class 'zebra'", 'class folders here: a');
    fs.mkdirSync(path.join(root, 'b'));
    await expectDataError(() => loadImageFolder(root), path.join(root, 'b'), 'at least one .jpg, .jpeg or .png image', 'none');
    fs.writeFileSync(path.join(root, 'b', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    await expectDataError(() => loadImageFolder(root, { quiet: true }), 'broken.jpg', 'a JPEG or PNG image', 'cannot decode');
  });
});

describe('data/imagenet-sample', () => {
  it('parses <wnid>_<name>.jpg names', () => {
    assert.deepEqual(parseImagenetFileName("n12057211_yellow_lady's_slipper.jpg"), { wnid: 'n12057211', name: "yellow lady's slipper" });
    assert.equal(parseImagenetFileName('README.txt'), null);
    assert.equal(parseImagenetFileName('tench.jpg'), null);
  });

  it('maps files to Darknet indices by name, and repeated names by the wnid table', () => {
    const labels = ['kit fox', 'crane', 'tench', 'crane', 'maillot', 'maillot'];
    const entries = [
      { file: 'n03126707_crane.jpg', wnid: 'n03126707', name: 'crane' }, // the machine: second 'crane'
      { file: 'n01440764_tench.jpg', wnid: 'n01440764', name: 'tench' },
      { file: 'n02012849_crane.jpg', wnid: 'n02012849', name: 'crane' }, // the bird: first 'crane'
      { file: 'n09999999_maillot.jpg', wnid: 'n09999999', name: 'maillot' }, // unknown wnid: ambiguous
      { file: 'n01111111_unicorn.jpg', wnid: 'n01111111', name: 'unicorn' },
    ];
    const r = resolveDarknetLabels(entries, labels);
    assert.deepEqual(r.labels, [3, 2, 1, -1, -1]);
    assert.equal(r.matchedByName, 1);
    assert.equal(r.resolvedByWnid, 2);
    assert.deepEqual(r.ambiguous, ['n09999999_maillot.jpg']);
    assert.deepEqual(r.unmatched, ['n01111111_unicorn.jpg']);
  });

  it('reads a sample folder in Darknet order with labels.txt, in sorted-wnid order without', async () => {
    const dir = tempDir('imagenet');
    const a = await writeImage(path.join(dir, 'n00000002_second_class.png'), 6, 6, 3, 1, 'png');
    const b = await writeImage(path.join(dir, 'n00000001_first.png'), 6, 6, 3, 2, 'png');
    const labelsFile = path.join(dir, 'labels.txt');
    const names = Array.from({ length: 1000 }, (_, i) => `class ${i}`);
    names[7] = 'second class';
    names[900] = 'first';
    fs.writeFileSync(labelsFile, names.join('\n') + '\n');
    const darknet = await readImagenetSample(dir, labelsFile, { quiet: true });
    assert.deepEqual(Array.from(darknet.labels), [7, 900]);
    assert.ok(darknet.labels instanceof Uint16Array);
    assert.equal(darknet.classNames.length, 1000);
    assert.deepEqual(Array.from(darknet.pixels.subarray(0, a.length)), Array.from(a));
    const sorted = await readImagenetSample(dir, undefined, { quiet: true });
    assert.deepEqual(sorted.classNames, ['first', 'second class']);
    assert.deepEqual(Array.from(sorted.labels), [0, 1]);
    assert.deepEqual(Array.from(sorted.pixels.subarray(0, b.length)), Array.from(b));
    fs.writeFileSync(labelsFile, 'only\ntwo\n');
    await expectDataError(() => readImagenetSample(dir, labelsFile), labelsFile, '1000 class names', '2 lines');
  });
});

import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { createRng } from '../../lib/src/util/random';
import { datasetCacheFile, readDatasetCache } from '../../lib/src/data/cache';
import { DataNotFoundError } from '../../lib/src/data/errors';
import { findDatasets, labelHistogram, loadDataset } from '../../lib/src/data/load';
import { cifarBytes, expectDataError, idxBytes, randomMnistLike, tempDir, writeMnistFiles } from './helpers';

describe('data/load: lookup, verification, cache', () => {
  const options = (root: string, cacheDir: string) => ({ dataPath: [root], cacheDir, verify: 'warn' as const, quiet: true });

  it('finds MNIST files under <data folder>/mnist, raw or gzip, and returns uint8 NHWC', async () => {
    const root = tempDir('load-mnist');
    const data = randomMnistLike(30, 1);
    writeMnistFiles(path.join(root, 'mnist'), 'train', data);
    writeMnistFiles(path.join(root, 'mnist'), 'test', randomMnistLike(20, 2), true);
    const ds = await loadDataset('mnist', 'train', { ...options(root, tempDir('cache')), noCache: true });
    assert.deepEqual([ds.count, ds.height, ds.width, ds.channels], [30, 28, 28, 1]);
    assert.deepEqual(Array.from(ds.pixels), Array.from(data.images));
    assert.deepEqual(labelHistogram(ds), [3, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
    // Synthetic files do not match the official checksums: reported, loaded because verify is 'warn'.
    assert.deepEqual(ds.checksums?.map((c) => c.verdict), ['mismatch', 'mismatch']);
    assert.ok(ds.notes?.some((n) => n.includes('30 images where the official mnist train split has 60000')));
    const test = await loadDataset('mnist', 'test', { ...options(root, tempDir('cache')), noCache: true });
    assert.equal(test.count, 20);
  });

  it('stops on an official checksum mismatch by default, naming file, expected and found digests', async () => {
    const root = tempDir('load-strict');
    writeMnistFiles(path.join(root, 'mnist'), 'train', randomMnistLike(10, 3));
    await expectDataError(
      () => loadDataset('mnist', 'train', { dataPath: [root], noCache: true, quiet: true }),
      path.join(root, 'mnist', 'train-images-idx3-ubyte'),
      'content-sha256 ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
      "pass {verify: 'warn'}",
    );
    // Also when the data was cached by an earlier load with verify 'warn'.
    const cacheDir = tempDir('cache');
    const warned = await loadDataset('mnist', 'train', { dataPath: [root], cacheDir, verify: 'warn', quiet: true });
    assert.equal(warned.count, 10);
    await expectDataError(() => loadDataset('mnist', 'train', { dataPath: [root], cacheDir, quiet: true }), 'content-sha256 ba891046');
    assert.equal((await loadDataset('mnist', 'train', { dataPath: [root], cacheDir, verify: 'warn', quiet: true })).fromCache, true);
  });

  it('reports a missing labels file, a count mismatch and out-of-range labels by file', async () => {
    const root = tempDir('load-bad');
    const dir = path.join(root, 'fashion-mnist');
    const data = randomMnistLike(10, 4);
    writeMnistFiles(dir, 'train', data, true);
    fs.rmSync(path.join(dir, 'train-labels-idx1-ubyte.gz'));
    await expectDataError(() => loadDataset('fashion-mnist', 'train', options(root, tempDir('c'))), path.join(dir, 'train-labels-idx1-ubyte'), 'labels', 'no such file');
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxBytes([9], data.labels.subarray(0, 9)));
    await expectDataError(() => loadDataset('fashion-mnist', 'train', options(root, tempDir('c'))), 'train-labels-idx1-ubyte', '10 labels, one per image', 'found 9 labels');
    const badLabels = Uint8Array.from(data.labels);
    badLabels[4] = 10;
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxBytes([10], badLabels));
    await expectDataError(() => loadDataset('fashion-mnist', 'train', options(root, tempDir('c'))), 'labels 0..9', 'label 10 at index 4');
  });

  it('lists every folder searched when a dataset is absent, and rejects unknown names/splits', async () => {
    const root = tempDir('load-none');
    const err = await expectDataError(() => loadDataset('cifar10', 'train', { dataPath: [root] }), 'cifar10 (train) not found', path.join(root, 'cifar-10-batches-bin'), path.join(root, 'cifar10-jpeg'), 'How to get it');
    assert.ok(err instanceof DataNotFoundError);
    await expectDataError(() => loadDataset('svhn' as never, 'train'), "name must be one of mnist, fashion-mnist, cifar10, imagenet-sample; got 'svhn'");
    await expectDataError(() => loadDataset('imagenet-sample', 'train'), "imagenet-sample has the split(s) 'test'; got 'train'");
  });

  it('reads the CIFAR-10 binary layout, preferring it to a JPEG copy in the same folder', async () => {
    const root = tempDir('load-cifar');
    const rng = createRng(5);
    const dir = path.join(root, 'cifar-10-batches-bin');
    fs.mkdirSync(dir);
    const all: Uint8Array[] = [];
    for (let b = 1; b <= 5; b++) {
      const pixels = Uint8Array.from({ length: 2 * 3072 }, () => rng.int(256));
      all.push(pixels);
      fs.writeFileSync(path.join(dir, `data_batch_${b}.bin`), cifarBytes(pixels, Uint8Array.from([b, 9 - b])));
    }
    fs.mkdirSync(path.join(root, 'cifar10-jpeg', 'train'), { recursive: true });
    const ds = await loadDataset('cifar10', 'train', options(root, tempDir('c')));
    assert.equal(ds.source, dir);
    assert.deepEqual([ds.count, ds.height, ds.width, ds.channels], [10, 32, 32, 3]);
    assert.deepEqual(Array.from(ds.labels), [1, 8, 2, 7, 3, 6, 4, 5, 5, 4]);
    assert.deepEqual(Array.from(ds.pixels.subarray(4 * 3072, 6 * 3072)), Array.from(all[2] as Uint8Array));
    fs.rmSync(path.join(dir, 'data_batch_4.bin'));
    await expectDataError(() => loadDataset('cifar10', 'train', { ...options(root, tempDir('c')) }), 'data_batch_4.bin', 'CIFAR-10 binary batch', 'no such file');
  });

  it('caches: the second load reads the cache with identical content; stale or damaged entries are rebuilt', async () => {
    const root = tempDir('load-cache');
    const cacheDir = tempDir('cache');
    const dir = path.join(root, 'mnist');
    writeMnistFiles(dir, 'test', randomMnistLike(12, 6));
    const first = await loadDataset('mnist', 'test', options(root, cacheDir));
    const second = await loadDataset('mnist', 'test', options(root, cacheDir));
    assert.equal(first.fromCache, false);
    assert.equal(second.fromCache, true);
    assert.deepEqual(Array.from(second.pixels), Array.from(first.pixels));
    assert.deepEqual(Array.from(second.labels), Array.from(first.labels));
    assert.deepEqual(second.checksums, first.checksums);
    assert.deepEqual(second.classNames, first.classNames);
    assert.deepEqual(fs.readdirSync(cacheDir), ['mnist-test.bin'], 'no temporary files are left behind');

    // Damaged (truncated) cache: ignored and rewritten, never returned.
    const file = datasetCacheFile(cacheDir, 'mnist', 'test');
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 100);
    const afterDamage = await loadDataset('mnist', 'test', options(root, cacheDir));
    assert.equal(afterDamage.fromCache, false);
    assert.equal(fs.statSync(file).size, size);

    // Changed source (new content, new size): the cache is stale.
    const changed = randomMnistLike(15, 7);
    writeMnistFiles(dir, 'test', changed);
    const afterChange = await loadDataset('mnist', 'test', options(root, cacheDir));
    assert.equal(afterChange.fromCache, false);
    assert.deepEqual(Array.from(afterChange.pixels), Array.from(changed.images));

    // noCache reads the source and leaves the cache as it was.
    const before = fs.statSync(file).mtimeMs;
    const uncached = await loadDataset('mnist', 'test', { ...options(root, cacheDir), noCache: true });
    assert.equal(uncached.fromCache, false);
    assert.equal(fs.statSync(file).mtimeMs, before);
  });

  it('findDatasets reports each split: found with counts and histogram, or missing with the folders searched', async () => {
    const root = tempDir('find');
    writeMnistFiles(path.join(root, 'mnist'), 'test', randomMnistLike(20, 9), true);
    const reports = await findDatasets(options(root, tempDir('cache')));
    assert.deepEqual(
      reports.map((r) => `${r.name}/${r.split}:${r.status}`),
      ['mnist/train:missing', 'mnist/test:found', 'fashion-mnist/train:missing', 'fashion-mnist/test:missing', 'cifar10/train:missing', 'cifar10/test:missing', 'imagenet-sample/test:missing'],
    );
    const found = reports[1]!;
    assert.equal(found.count, 20);
    assert.deepEqual(found.histogram, [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    assert.deepEqual(found.shape, [28, 28, 1]);
    assert.equal(found.source, path.join(root, 'mnist'));
    assert.ok(reports[0]!.message?.includes(path.join(root, 'MNIST', 'raw')));
  });

  it('never returns a partly written cache entry, and loads even when the cache cannot be written', async () => {
    const root = tempDir('load-atomic');
    const cacheDir = tempDir('cache');
    writeMnistFiles(path.join(root, 'mnist'), 'test', randomMnistLike(5, 8));
    const ds = await loadDataset('mnist', 'test', options(root, cacheDir));
    const file = datasetCacheFile(cacheDir, 'mnist', 'test');
    const bytes = fs.readFileSync(file);
    const fingerprint = JSON.parse(bytes.subarray(12, 12 + bytes.readUInt32LE(8)).toString('utf8')).fingerprint as string;
    assert.ok(readDatasetCache(file, fingerprint), 'the complete entry reads back');
    // Every prefix a crash could leave (were the write not atomic) is rejected, as is a longer file.
    const rng = createRng(11);
    for (const length of [0, 5, 11, 12, 40, bytes.length - 1, ...Array.from({ length: 20 }, () => rng.int(bytes.length))]) {
      fs.writeFileSync(file, bytes.subarray(0, length));
      assert.equal(readDatasetCache(file, fingerprint), undefined, `prefix of ${length} bytes`);
    }
    fs.writeFileSync(file, Buffer.concat([bytes, Buffer.from([0])]));
    assert.equal(readDatasetCache(file, fingerprint), undefined, 'one byte too many');

    // A cache "folder" that is a file: the write fails, the load still succeeds.
    const blocker = path.join(tempDir('blocked'), 'cache');
    fs.writeFileSync(blocker, 'not a folder');
    const loaded = await loadDataset('mnist', 'test', options(root, blocker));
    assert.deepEqual(Array.from(loaded.pixels), Array.from(ds.pixels));
    assert.equal(fs.readFileSync(blocker, 'utf8'), 'not a folder');
  });
});

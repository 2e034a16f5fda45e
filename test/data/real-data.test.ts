// Integrity tests on the real datasets, where they are present (NETSTATS_DATA, datasets/, npm and Debian copies).
// Each test that finds no data is skipped with the reason printed. They read through datasets/.cache, so only the
// first run parses the sources. CIFAR-10 train (50000 JPEGs, about a minute to decode) is only checked when it is
// already cached (e.g. after `npm run datasets`) or NETSTATS_TEST_FULL_DATA=1.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/src/backend/select';
import { datasetCacheDir, datasetCacheFile } from '../../lib/src/data/cache';
import { DataNotFoundError } from '../../lib/src/data/errors';
import { CANONICAL_LABEL_HISTOGRAMS, labelHistogram, loadDataset } from '../../lib/src/data/load';
import { locateDataset, locateTinyDarknet } from '../../lib/src/data/locations';
import { datasetTopKAccuracy, loadTinyDarknet } from '../../lib/src/data/pretrained';
import { subsetDataset } from '../../lib/src/data/subsets';
import { NORMALISATION, pixelChannelStats } from '../../lib/src/data/transforms';
import type { DatasetName, ImageDataset, Split } from '../../lib/src/data/types';

function skipWithReason(ctx: Mocha.Context, reason: string): never {
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

/** Loads a split, or skips the test saying what is missing. */
async function loadOrSkip(ctx: Mocha.Context, name: DatasetName, split: Split): Promise<ImageDataset> {
  try {
    locateDataset(name, split);
  } catch (err) {
    const searched = err instanceof DataNotFoundError ? err.searched.join(', ') : (err as Error).message;
    const get = name === 'cifar10' || name === 'imagenet-sample' ? `\`npm run datasets -- --fetch ${name}\` or ` : '';
    skipWithReason(ctx, `${name} ${split} not found; searched ${searched} (${get}see datasets/README.md)`);
  }
  return loadDataset(name, split, { quiet: true });
}

function assertCloseStats(ds: ImageDataset, expected: { mean: readonly number[]; std: readonly number[] }, tolerance: number): void {
  const stats = pixelChannelStats(ds);
  stats.mean.forEach((m, c) => assert.ok(Math.abs(m - (expected.mean[c] as number)) < tolerance, `mean[${c}] ${m.toFixed(4)} vs ${expected.mean[c]}`));
  stats.std.forEach((s, c) => assert.ok(Math.abs(s - (expected.std[c] as number)) < tolerance, `std[${c}] ${s.toFixed(4)} vs ${expected.std[c]}`));
}

describe('data on disk (integrity, when present)', function () {
  this.timeout(180000);

  for (const name of ['mnist', 'fashion-mnist'] as const) {
    for (const split of ['train', 'test'] as const) {
      it(`${name} ${split}: official count, canonical label histogram, checksums ok`, async function () {
        const ds = await loadOrSkip(this, name, split);
        assert.equal(ds.count, split === 'train' ? 60000 : 10000);
        assert.deepEqual([ds.height, ds.width, ds.channels], [28, 28, 1]);
        assert.deepEqual(labelHistogram(ds), CANONICAL_LABEL_HISTOGRAMS[name]?.[split]);
        assert.deepEqual(ds.checksums?.map((c) => c.verdict), ['ok', 'ok']);
        if (split === 'train') assertCloseStats(ds, NORMALISATION[name], 5e-4);
      });
    }
  }

  it('cifar10 test: 10000 32x32 RGB images, 1000 per class, checksum not contradicted, usual channel statistics', async function () {
    const ds = await loadOrSkip(this, 'cifar10', 'test');
    assert.equal(ds.count, 10000);
    assert.deepEqual([ds.height, ds.width, ds.channels], [32, 32, 3]);
    assert.deepEqual(labelHistogram(ds), CANONICAL_LABEL_HISTOGRAMS.cifar10?.test);
    assert.ok(ds.checksums?.every((c) => c.verdict !== 'mismatch'));
    // The test split's statistics are close to (not equal to) the training set's published ones.
    assertCloseStats(ds, NORMALISATION.cifar10, 0.01);
  });

  it('cifar10 train: 50000 images, 5000 per class, the published channel statistics', async function () {
    const cached = fs.existsSync(datasetCacheFile(datasetCacheDir(), 'cifar10', 'train'));
    if (!cached && process.env['NETSTATS_TEST_FULL_DATA'] !== '1') {
      skipWithReason(this, 'cifar10 train is not cached yet (run `npm run datasets` once, about a minute, or set NETSTATS_TEST_FULL_DATA=1)');
    }
    const ds = await loadOrSkip(this, 'cifar10', 'train');
    assert.equal(ds.count, 50000);
    assert.deepEqual(labelHistogram(ds), CANONICAL_LABEL_HISTOGRAMS.cifar10?.train);
    // JPEG re-encoding moves the statistics slightly; the official binary gives them to 4 decimals.
    assertCloseStats(ds, NORMALISATION.cifar10, ds.notes?.some((n) => n.includes('JPEG')) ? 3e-3 : 5e-4);
  });

  it('imagenet sample: 1000 224x224 images, one per Darknet class, every file resolved', async function () {
    const ds = await loadOrSkip(this, 'imagenet-sample', 'test');
    assert.equal(ds.count, 1000);
    assert.deepEqual([ds.height, ds.width, ds.channels], [224, 224, 3]);
    assert.deepEqual(labelHistogram(ds), CANONICAL_LABEL_HISTOGRAMS['imagenet-sample']?.test);
    if (!locateTinyDarknet().dir) skipWithReason(this, 'Tiny Darknet labels.txt not found: the sample uses the sorted-wnid order');
    assert.ok(ds.notes?.some((n) => n.includes('996 matched by unique name, 4 repeated names resolved by wnid, 0 unmatched, 0 ambiguous, 0 duplicate')), ds.notes?.join('\n'));
  });

  it('Tiny Darknet: loads, checksum ok, and classifies ImageNet sample images (top-5 well above chance)', async function () {
    if (!locateTinyDarknet().dir) skipWithReason(this, 'Tiny Darknet not found (`npm run datasets -- --fetch darknet-tiny`, or NETSTATS_DATA/darknet-tiny)');
    const sample = await loadOrSkip(this, 'imagenet-sample', 'test');
    const previous = tf.getBackend();
    // The cpu backend needs seconds per 224x224 image; wasm is ~40x faster (its forward kernels were cross-checked
    // against cpu on this model: same top-5 on 40 images, logits equal to 4 decimals).
    await selectBackend({ force: 'wasm' });
    const darknet = await loadTinyDarknet();
    try {
      assert.equal(darknet.checksum.verdict, 'ok');
      assert.equal(darknet.model.countParams(), 1046488);
      assert.equal(darknet.labels.length, 1000);
      // 20 images spread over the classes; chance top-5 is 0.5%, the model gets about 85% on the full sample.
      const subset = subsetDataset(sample, Array.from({ length: 20 }, (_, i) => i * 50));
      const before = tf.memory().numTensors;
      const acc = await datasetTopKAccuracy(darknet.model, subset, { batchSize: 10 });
      assert.equal(tf.memory().numTensors, before, 'evaluation leaks no tensors');
      assert.ok(acc.top5 >= 0.5, `top-5 ${acc.top5} on 20 images`);
      assert.ok(acc.top1 >= 0.3, `top-1 ${acc.top1} on 20 images`);
    } finally {
      darknet.model.dispose();
      if (previous) await tf.setBackend(previous);
    }
  });
});

// The dataset cache and the pretrained model as a hostile disk or user leaves them: random bytes of the right size
// in datasets/.cache/<name>.bin were once served (labels of 200 included) and reported "OK"; a zeroed Tiny Darknet
// shard of the right size loaded; leftovers of killed writes (.tmp-*.bin) were never removed.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { datasetCacheFile, readDatasetCache, writeDatasetCache } from '../../lib/src/data/cache';
import { loadDataset } from '../../lib/src/data/load';
import { locateTinyDarknet } from '../../lib/src/data/locations';
import { loadTinyDarknet } from '../../lib/src/data/pretrained';
import type { ImageDataset } from '../../lib/src/data/types';
import { createRng } from '../../lib/src/util/random';
import { captureWarnings, hiddenNames, overwriteBytes, tempDir } from './helpers';

function smallDataset(): ImageDataset {
  const rng = createRng(5);
  const count = 50;
  return {
    name: 'mnist',
    split: 'test',
    pixels: Uint8Array.from({ length: count * 28 * 28 }, () => rng.int(256)),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count,
    height: 28,
    width: 28,
    channels: 1,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    source: 'synthetic',
    checksums: [],
    notes: [],
  };
}

describe('reliability: dataset cache and pretrained model integrity', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir('data');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a cache file with bytes changed in place (same size) is reported and not served', () => {
    const file = path.join(dir, 'mnist-test.bin');
    const ds = smallDataset();
    writeDatasetCache(file, ds, 'fp');
    assert.deepEqual(readDatasetCache(file, 'fp')?.labels, ds.labels, 'intact file reads back');
    const size = fs.statSync(file).size;
    for (const [what, offset] of [['a label', size - ds.pixels.length - 3], ['pixels', size - 100]] as const) {
      writeDatasetCache(file, ds, 'fp');
      overwriteBytes(file, offset, 1, 200);
      const problems: string[] = [];
      assert.equal(readDatasetCache(file, 'fp', (p) => problems.push(p)), undefined, `damaged ${what} not served`);
      assert.match(problems[0] ?? '', /sha256 .* differs from the .* written with it/);
    }
    writeDatasetCache(file, ds, 'fp');
    fs.truncateSync(file, size - 10);
    const problems: string[] = [];
    assert.equal(readDatasetCache(file, 'fp', (p) => problems.push(p)), undefined);
    assert.match(problems[0] ?? '', /has \d+ bytes where its header needs \d+/);
  });

  it('loadDataset rebuilds a damaged MNIST cache from the sources, naming the file, and removes dead temp files', async () => {
    const first = await loadDataset('mnist', 'test', { cacheDir: dir, quiet: true });
    const file = datasetCacheFile(dir, 'mnist', 'test');
    assert.ok(fs.existsSync(file));
    // Random bytes over the labels and the first pixels, file size unchanged.
    const size = fs.statSync(file).size;
    const start = size - first.count * 28 * 28 - first.count;
    const rng = createRng(9);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Uint8Array.from({ length: 4096 }, () => rng.int(256)), 0, 4096, start);
    fs.closeSync(fd);
    // A temp file of a killed write (pid 2^22+1 cannot exist: above Linux's pid_max limit).
    const stale = path.join(dir, `.tmp-mnist-test.bin-${2 ** 22 + 1}-1700000000000`);
    fs.writeFileSync(stale, 'partial');
    const { value: again, warnings } = await captureWarnings(() => loadDataset('mnist', 'test', { cacheDir: dir, quiet: true }));
    assert.equal(again.fromCache, false, 'read from the sources again');
    assert.ok(warnings.some((w) => w.includes(file) && w.includes('differs')), `warning names ${file}: ${JSON.stringify(warnings)}`);
    assert.deepEqual(again.labels, first.labels);
    assert.ok(again.checksums?.every((c) => c.verdict === 'ok'));
    assert.deepEqual(hiddenNames(dir), [], 'the stale temp file is gone');
    const third = await loadDataset('mnist', 'test', { cacheDir: dir, quiet: true });
    assert.equal(third.fromCache, true, 'the rebuilt cache is used');
  });

  it('Tiny Darknet with a zeroed shard of the right size is refused unless the caller opts in', async function () {
    const found = locateTinyDarknet().dir;
    if (!found) this.skip();
    const copy = path.join(dir, 'darknet-tiny');
    fs.cpSync(found as string, copy, { recursive: true, dereference: true });
    const shard = fs.readdirSync(copy).find((f) => f.startsWith('group3-')) as string;
    overwriteBytes(path.join(copy, shard), 0, fs.statSync(path.join(copy, shard)).size);
    await assert.rejects(loadTinyDarknet({ dataPath: [dir] }), (err: Error) => {
      assert.ok(err.message.startsWith(`${copy}: expected files whose tree sha256 is the pinned`), err.message);
      assert.match(err.message, /allowChecksumMismatch/);
      return true;
    });
    const loaded = await loadTinyDarknet({ dataPath: [dir], allowChecksumMismatch: true });
    assert.equal(loaded.checksum.verdict, 'mismatch');
    loaded.model.dispose();
  });
});

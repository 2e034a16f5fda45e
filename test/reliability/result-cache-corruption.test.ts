// Byte-level damage to every kind of file in a result-cache entry: each is detected on read, reported naming the
// file, moved aside and recomputed; never served as data (a zeroed weight snapshot once gave NaN columns).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { lenet5 } from '../../lib/src/models/index';
import { takeSnapshot } from '../../lib/src/probe/index';
import { cachedRun, cacheKey, loadCachedRun, saveCachedRun } from '../../lib/src/report/cache';
import { captureWarnings, hiddenNames, overwriteBytes, tempDir, truncateTo } from './helpers';

type Damage = { name: string; file: (entry: string) => string; apply: (file: string) => void };

const snapshotBin = (entry: string): string => path.join(entry, 'snapshots', fs.readdirSync(path.join(entry, 'snapshots')).find((f) => f.endsWith('.bin')) as string);
const snapshotJson = (entry: string): string => path.join(entry, 'snapshots', fs.readdirSync(path.join(entry, 'snapshots')).find((f) => f.endsWith('.json')) as string);

const DAMAGES: Damage[] = [
  { name: 'truncated results.json', file: (e) => path.join(e, 'results.json'), apply: (f) => truncateTo(f, 10) },
  { name: 'results.json replaced by null', file: (e) => path.join(e, 'results.json'), apply: (f) => fs.writeFileSync(f, 'null') },
  { name: 'truncated history.json', file: (e) => path.join(e, 'history.json'), apply: (f) => truncateTo(f, 20) },
  { name: 'truncated meta.json', file: (e) => path.join(e, 'meta.json'), apply: (f) => truncateTo(f, 30) },
  { name: 'truncated snapshot manifest', file: snapshotJson, apply: (f) => truncateTo(f, 50) },
  { name: 'truncated snapshot .bin', file: snapshotBin, apply: (f) => truncateTo(f, 100) },
  { name: 'zeroed snapshot .bin of the right size', file: snapshotBin, apply: (f) => overwriteBytes(f, 0, fs.statSync(f).size) },
  { name: 'one flipped byte in the snapshot .bin', file: snapshotBin, apply: (f) => overwriteBytes(f, 1234, 1, 0x5a) },
  { name: 'truncated checksums.json', file: (e) => path.join(e, 'checksums.json'), apply: (f) => truncateTo(f, 40) },
  { name: 'missing snapshot .bin', file: snapshotBin, apply: (f) => fs.rmSync(f) },
];

describe('reliability: damaged result-cache entries', () => {
  let root: string;
  let model: tf.LayersModel;
  before(async () => {
    await tf.setBackend('cpu');
    model = lenet5({ seed: 3 });
  });
  after(() => model.dispose());
  beforeEach(() => {
    root = tempDir('cache');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const config = { study: 'corruption', seed: 1 };
  const save = (): string =>
    saveCachedRun('runs', config, { history: [{ epoch: 0, trainLoss: 1, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.5, lr: 0.1, elapsedMs: 1, samplesPerSecond: 1 }], results: { bestEpoch: 0, acc: 0.5 }, snapshots: [takeSnapshot(model, 'trained')] }, { root });

  for (const damage of DAMAGES) {
    it(`${damage.name}: reported with its path, moved aside, recomputed`, async () => {
      const entry = save();
      const file = damage.file(entry);
      damage.apply(file);
      const { value: hit, warnings } = await captureWarnings(() => loadCachedRun('runs', config, { root }));
      assert.equal(hit, null, 'a damaged entry is a miss');
      assert.equal(warnings.length, 1, `one warning, got ${JSON.stringify(warnings)}`);
      const warning = warnings[0] as string;
      // The bad file is named (checksums.json itself when that is what is damaged).
      assert.ok(warning.startsWith(`result cache: ${file} `), `the warning names the damaged file ${file}: ${warning}`);
      assert.match(warning, /moved the entry to .*\.corrupt-/);
      assert.equal(fs.existsSync(entry), false, 'the damaged entry is no longer in place');
      const aside = hiddenNames(path.dirname(entry)).filter((n) => n.startsWith(`.corrupt-${cacheKey(config)}-`));
      assert.equal(aside.length, 1, 'kept aside for inspection');
      // cachedRun recomputes it and the new entry reads back intact.
      let computed = 0;
      const run = await cachedRun('runs', config, async () => {
        computed += 1;
        return { results: { bestEpoch: 2, acc: 0.75 }, snapshots: [takeSnapshot(model, 'trained')] };
      }, { root });
      assert.equal(computed, 1);
      assert.deepEqual(loadCachedRun('runs', config, { root })?.results, { bestEpoch: 2, acc: 0.75 });
      const values = run.snapshots.get('trained')?.entries[0]?.values;
      assert.ok(values && values.every(Number.isFinite));
    });
  }

  it('an entry written before checksums existed is structure-checked and adopted, a broken one moved aside', async () => {
    const entry = save();
    fs.rmSync(path.join(entry, 'checksums.json'));
    assert.deepEqual(loadCachedRun('runs', config, { root })?.results, { bestEpoch: 0, acc: 0.5 });
    assert.ok(fs.existsSync(path.join(entry, 'checksums.json')), 'checksums added');
    fs.rmSync(path.join(entry, 'checksums.json'));
    truncateTo(path.join(entry, 'results.json'), 5);
    const { value, warnings } = await captureWarnings(() => loadCachedRun('runs', config, { root }));
    assert.equal(value, null);
    assert.match(warnings[0] ?? '', /results\.json is not valid JSON .*truncated/);
  });
});

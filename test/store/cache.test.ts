import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { lenet5, resnet18 } from '../../lib/src/models/index';
import { l2Distance, takeSnapshot, writeSnapshot } from '../../lib/src/probe/index';
import { CACHE_VERSION, cacheCodeVersion, cacheKey, cachedRun, canonicalJson, loadCachedRun, saveCachedRun } from '../../lib/src/store/cache';
import type { EpochMetrics } from '../../lib/src/train/loop';

const history: EpochMetrics[] = [{ epoch: 0, trainLoss: 1.5, trainAccuracy: 0.4, valLoss: 1.4, valAccuracy: 0.45, lr: 0.01, elapsedMs: 12, samplesPerSecond: 100 }];

describe('store/cache', () => {
  let root: string;
  before(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-cache-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('keys on the config content (not key order) and on the code version', () => {
    const v = cacheCodeVersion();
    assert.match(v, new RegExp(`^@netstats/lib@\\d+\\.\\d+\\.\\d+\\+cache${CACHE_VERSION}$`));
    assert.equal(cacheKey({ a: 1, b: { c: [1, 2], d: 'x' } }), cacheKey({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    assert.notEqual(cacheKey({ a: 1 }), cacheKey({ a: 2 }));
    assert.notEqual(cacheKey({ a: 1 }, 'v1'), cacheKey({ a: 1 }, 'v2'));
    assert.equal(canonicalJson({ b: 1, a: undefined, c: Float32Array.from([0.5]) }), '{"b":1,"c":[0.5]}');
    assert.throws(() => cacheKey({ lr: NaN }), /config.lr is NaN/);
    assert.throws(() => cacheKey({ f: () => 1 }), /config.f is a function/);
  });

  it('round-trips weights (bit-exact, incl. BN stats), history, results and config', () => {
    const model = resnet18({ seed: 1, width: 2, blocksPerStage: [1] });
    const init = takeSnapshot(model, 'init');
    assert.ok(init.entries.some((e) => e.kind === 'bn-moving-variance'));
    const config = { net: 'resnet', seed: 1 };
    const dir = saveCachedRun('dyn', config, { history, results: { testAccuracy: 0.5 }, snapshots: [init, { ...init, label: 'best/epoch 3' }] }, { root });
    assert.ok(dir.startsWith(path.join(root, 'dyn')));
    const hit = loadCachedRun<typeof config, { testAccuracy: number }>('dyn', { seed: 1, net: 'resnet' }, { root });
    assert.ok(hit);
    assert.ok(hit.fromCache);
    assert.deepEqual(hit.history, history);
    assert.deepEqual(hit.results, { testAccuracy: 0.5 });
    assert.deepEqual([...hit.snapshots.keys()], ['init', 'best/epoch 3']);
    const back = hit.snapshots.get('init');
    assert.ok(back);
    assert.equal(l2Distance(init, back, { include: 'all' }), 0);
    assert.deepEqual(back.entries.map((e) => [e.name, e.kind, e.trainable, e.shape]), init.entries.map((e) => [e.name, e.kind, e.trainable, e.shape]));
    const other = resnet18({ seed: 2, width: 2, blocksPerStage: [1] });
    writeSnapshot(other, back);
    assert.equal(l2Distance(takeSnapshot(other), init, { include: 'all' }), 0);
    model.dispose();
    other.dispose();
  });

  it('a changed config or code version is a miss', () => {
    saveCachedRun('ns', { seed: 1 }, { history }, { root });
    assert.ok(loadCachedRun('ns', { seed: 1 }, { root }));
    assert.equal(loadCachedRun('ns', { seed: 2 }, { root }), null);
    assert.equal(loadCachedRun('ns', { seed: 1 }, { root, codeVersion: 'something-else' }), null);
    assert.equal(loadCachedRun('other', { seed: 1 }, { root }), null);
    assert.throws(() => saveCachedRun('../evil', {}, {}, { root }), /namespace must be/);
  });

  it('cachedRun computes once, then re-reads without computing; force recomputes', async () => {
    let calls = 0;
    const compute = async (): Promise<{ results: { n: number } }> => {
      calls += 1;
      return { results: { n: calls } };
    };
    const first = await cachedRun('runs', { seed: 3 }, compute, { root });
    assert.equal(first.fromCache, false);
    const second = await cachedRun('runs', { seed: 3 }, compute, { root });
    assert.equal(second.fromCache, true);
    assert.deepEqual(second.results, { n: 1 });
    assert.equal(calls, 1);
    const third = await cachedRun('runs', { seed: 3 }, compute, { root, force: true });
    assert.deepEqual(third.results, { n: 2 });
    assert.deepEqual(loadCachedRun('runs', { seed: 3 }, { root })?.results, { n: 2 }, 'the forced run replaced the entry');
  });

  it('an interrupted compute or save leaves no entry and no half-written folder', async () => {
    await assert.rejects(
      cachedRun('runs', { seed: 4 }, async () => {
        throw new Error('killed mid-training');
      }, { root }),
      /killed mid-training/,
    );
    assert.equal(loadCachedRun('runs', { seed: 4 }, { root }), null);
    // A save that fails after writing the snapshot files (results cannot be serialised): nothing is left behind.
    const model = lenet5({ seed: 1 });
    const results = { big: BigInt(1) };
    assert.throws(() => saveCachedRun('runs', { seed: 5 }, { snapshots: [takeSnapshot(model, 'init')], results }, { root }), /BigInt/);
    assert.equal(loadCachedRun('runs', { seed: 5 }, { root }), null);
    assert.deepEqual(fs.readdirSync(path.join(root, 'runs')), [], 'no temp folder left');
    // An old entry survives a failed overwrite.
    saveCachedRun('runs', { seed: 6 }, { results: { ok: true } }, { root });
    assert.throws(() => saveCachedRun('runs', { seed: 6 }, { results }, { root }));
    assert.deepEqual(loadCachedRun('runs', { seed: 6 }, { root })?.results, { ok: true });
    // A crash between writing and the swap leaves only a `.tmp-*` folder, which loads ignore.
    fs.mkdirSync(path.join(root, 'runs', `.tmp-${cacheKey({ seed: 7 })}-x`));
    assert.equal(loadCachedRun('runs', { seed: 7 }, { root }), null);
    model.dispose();
  });
});

import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRng } from '../../lib/src/util/random';
import { writeFileAtomic } from '../../lib/src/util/atomic';
import { scaleFromEnv } from '../../lib/src/util/scale';

describe('util/random', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = Array.from({ length: 5 }, () => a.next());
    const xb = Array.from({ length: 5 }, () => b.next());
    const xc = Array.from({ length: 5 }, () => c.next());
    assert.deepEqual(xa, xb);
    assert.notDeepEqual(xa, xc);
  });
  it('draws uniforms with mean 1/2 and normals with mean 0, sd 1', () => {
    const r = createRng(7);
    const n = 200000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      assert.ok(u >= 0 && u < 1);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    assert.ok(Math.abs(su / n - 0.5) < 0.005);
    assert.ok(Math.abs(sn / n) < 0.01);
    assert.ok(Math.abs(Math.sqrt(sn2 / n) - 1) < 0.01);
  });
  it('permutation is a permutation', () => {
    const p = Array.from(createRng(1).permutation(1000)).sort((x, y) => x - y);
    assert.deepEqual(p, Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('util/atomic', () => {
  it('writes the whole file and leaves no temp file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-atomic-'));
    const target = path.join(dir, 'sub', 'a.txt');
    writeFileAtomic(target, 'hello');
    writeFileAtomic(target, 'world');
    assert.equal(fs.readFileSync(target, 'utf8'), 'world');
    assert.deepEqual(fs.readdirSync(path.dirname(target)), ['a.txt']);
  });
});

describe('util/scale', () => {
  it('defaults to quick and rejects unknown scales by name', () => {
    assert.equal(scaleFromEnv({}), 'quick');
    assert.equal(scaleFromEnv({ NETSTATS_SCALE: 'tiny' }), 'tiny');
    assert.throws(() => scaleFromEnv({ NETSTATS_SCALE: 'huge' }), /NETSTATS_SCALE must be one of tiny, quick, full; got 'huge'/);
  });
});

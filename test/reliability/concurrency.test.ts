// Two processes saving the same cache keys at once, many times (the old replaceDirAtomic raised ENOTEMPTY 1-4
// times per 400 saves each), and two Jupyter runners writing the same executed copy (one used to fail after all its
// cells passed, on a shared '<nb>.ipynb.tmp'). Two full reproduce runs share a cache in signals.test.ts.
import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadCachedRun } from '../../lib/src/report/cache';
import { repoRoot } from '../../lib/src/util/paths';
import { captureWarnings, hiddenNames, tempDir } from './helpers';

const root = repoRoot();

function runWriter(cacheRoot: string, rounds: number, keys: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'cacheWriter.ts'), cacheRoot, String(rounds), String(keys)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('reliability: concurrent runs sharing a cache', function () {
  this.timeout(180000);

  it('two writers of the same keys, 300 rounds each: no error, every entry intact, no leftovers', async () => {
    const cacheRoot = tempDir('race');
    try {
      const [a, b] = await Promise.all([runWriter(cacheRoot, 300, 6), runWriter(cacheRoot, 300, 6)]);
      assert.equal(a.code, 0, `writer A failed:\n${a.out}`);
      assert.equal(b.code, 0, `writer B failed:\n${b.out}`);
      for (const w of [a, b]) assert.doesNotMatch(w.out, /result cache:/, 'no writer saw a damaged entry');
      const { warnings } = await captureWarnings(() => {
        for (let key = 0; key < 6; key++) {
          const hit = loadCachedRun<{ key: number; study: string }, { key: number }>('race', { key, study: 'race' }, { root: cacheRoot });
          assert.ok(hit, `entry ${key} present`);
          assert.equal(hit.results?.key, key);
          assert.equal(hit.snapshots.get('w')?.entries[0]?.values[1], Math.fround(Math.sin(1)));
        }
      });
      assert.deepEqual(warnings, [], 'no entry was damaged');
      assert.deepEqual(hiddenNames(path.join(cacheRoot, 'race')), [], 'no .tmp-/.old- leftovers');
    } finally {
      fs.rmSync(cacheRoot, { recursive: true, force: true });
    }
  });

  it('two Jupyter runners writing the same executed notebook 200 times each: no collision, never a partial file', async function () {
    // scripts/run_notebook.py's write step, run for real by two Python processes at once (starting two tslab kernels
    // as well would only add half a minute): the old shared '<out>.tmp' failed here with FileNotFoundError.
    if (!fs.existsSync('/usr/bin/python3')) this.skip();
    const work = tempDir('nbrace');
    try {
      const out = path.join(work, 'executed', 'nb.ipynb');
      const script = [
        'import sys, nbformat',
        `sys.path.insert(0, ${JSON.stringify(path.join(root, 'scripts'))})`,
        'from run_notebook import write_executed',
        'nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])',
        'for i in range(200):',
        `    err = write_executed(nb, ${JSON.stringify(out)})`,
        '    if err: sys.exit(err)',
        `    nbformat.read(${JSON.stringify(out)}, as_version=4)`,
      ].join('\n');
      const runs = await Promise.all([0, 1].map(() => new Promise<{ code: number | null; text: string }>((resolve) => {
        const child = spawn('/usr/bin/python3', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let text = '';
        child.stdout.on('data', (c: Buffer) => (text += c.toString()));
        child.stderr.on('data', (c: Buffer) => (text += c.toString()));
        child.on('close', (code) => resolve({ code, text }));
      })));
      for (const run of runs) assert.equal(run.code, 0, run.text);
      assert.deepEqual(hiddenNames(path.dirname(out)), [], 'no temp files left');
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

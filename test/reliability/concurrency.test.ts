// Two processes saving the same cache keys at once, many times (the old replaceDirAtomic raised ENOTEMPTY 1-4
// times per 400 saves each), and two Jupyter runs of one notebook writing the same executed copy (one used to fail
// after all its cells passed, on a shared '<nb>.ipynb.tmp').
import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadCachedRun } from '../../lib/src/report/cache';
import { runNotebook } from '../../lib/src/cli/notebooks';
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

  it('two Jupyter runs of one notebook writing the same executed copy both succeed', async function () {
    if (!fs.existsSync('/usr/bin/python3')) this.skip();
    const work = tempDir('nbrace');
    try {
      const nb = path.join(work, 'tiny.ipynb');
      fs.writeFileSync(nb, JSON.stringify({
        cells: [{ id: "c0", cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: ["console.log('cell ran: ' + (6 * 7));"] }],
        metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
        nbformat: 4,
        nbformat_minor: 5,
      }));
      const out = path.join(work, 'cache', 'executed', 'tiny.ipynb');
      const runs = await Promise.all([0, 1].map(() => runNotebook(root, nb, { executedOut: out, env: { NETSTATS_QUIET: '1' } })));
      for (const run of runs) assert.ok(run.ok, `exit ${run.exitCode}:\n${run.output}`);
      const executed = JSON.parse(fs.readFileSync(out, 'utf8')) as { cells: { outputs: { text?: string }[] }[] };
      assert.match(String(executed.cells[0]?.outputs[0]?.text), /cell ran: 42/);
      assert.deepEqual(hiddenNames(path.dirname(out)), [], 'no temp files left');
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

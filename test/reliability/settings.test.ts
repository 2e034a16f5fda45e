// Bad settings and unwritable folders: each stops the run at once with a message naming the variable or folder
// (NETSTATS_THREADS=0/-1/abc/1.5 silently used 2 threads, =1000 silently 16; NETSTATS_NATIVE=false left the addon on;
// NETSTATS_CHROMIUM=/nonexistent silently used another browser; a read-only cache failed after the first model).
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { selectBackend } from '../../lib/src/backend/select';
import { chromiumPath } from '../../lib/src/plot/export';
import { assertWritableDir, machineTag, removeStaleTemps } from '../../lib/src/util/atomic';
import { checkEnvironment, envFlag, envHttpUrl, envInteger } from '../../lib/src/util/env';
import { repoRoot } from '../../lib/src/util/paths';
import { hiddenNames, tempDir } from './helpers';

/** Runs `f` with the given environment variables set (undefined: unset), restoring them after. */
async function withEnv<T>(vars: Record<string, string | undefined>, f: () => T | Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>): void => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  apply(vars);
  try {
    return await f();
  } finally {
    apply(saved);
  }
}

describe('reliability: settings and folders', function () {
  this.timeout(60000);

  it('NETSTATS_MIRROR must be an http(s) URL and NETSTATS_FMA_UNITS an integer 1..4, checked with the others', () => {
    for (const bad of ['ftp://host/x', 'mirror.local', '/srv/mirror']) {
      assert.throws(() => envHttpUrl('NETSTATS_MIRROR', { NETSTATS_MIRROR: bad }), /NETSTATS_MIRROR=".*" is not valid: an http:\/\/ or https:\/\/ base URL/);
    }
    assert.equal(envHttpUrl('NETSTATS_MIRROR', { NETSTATS_MIRROR: ' http://127.0.0.1:8080/m ' }), 'http://127.0.0.1:8080/m');
    const problems = checkEnvironment({ NETSTATS_MIRROR: 'mirror.local', NETSTATS_FMA_UNITS: '0' });
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems.join('\n'), /NETSTATS_FMA_UNITS="0" is not valid: an integer from 1 to 4/);
  });

  it('NETSTATS_THREADS must be an integer 1..16; NETSTATS_NATIVE and NETSTATS_QUIET 0 or 1', () => {
    for (const bad of ['0', '-1', 'abc', '1.5', '1000', '1e1', '0x4']) {
      assert.throws(() => envInteger('NETSTATS_THREADS', 1, 16, { NETSTATS_THREADS: bad }), new RegExp(`NETSTATS_THREADS="${bad.replace('.', '\\.')}" is not valid: an integer from 1 to 16`));
    }
    assert.equal(envInteger('NETSTATS_THREADS', 1, 16, { NETSTATS_THREADS: '3' }), 3);
    assert.equal(envInteger('NETSTATS_THREADS', 1, 16, {}), undefined);
    for (const bad of ['false', 'off', 'no', 'true', '2']) {
      assert.throws(() => envFlag('NETSTATS_NATIVE', { NETSTATS_NATIVE: bad }), /NETSTATS_NATIVE=".*" is not valid: 0 \(off\) or 1 \(on\)/);
    }
    assert.equal(envFlag('NETSTATS_NATIVE', { NETSTATS_NATIVE: '0' }), false);
    const problems = checkEnvironment({ NETSTATS_THREADS: 'abc', NETSTATS_NATIVE: 'off', NETSTATS_SCALE: 'huge', NETSTATS_BACKEND: 'tpu', NETSTATS_QUIET: 'yes', NETSTATS_ONEDNN: 'no' });
    assert.equal(problems.length, 6, problems.join('\n'));
    assert.match(problems.join('\n'), /NETSTATS_ONEDNN="no" is not valid: 0 \(off\) or 1 \(on\)/);
  });

  it('a bad NETSTATS_THREADS, NETSTATS_NATIVE or NETSTATS_ONEDNN stops backend selection instead of silently changing backend', async () => {
    for (const vars of [{ NETSTATS_THREADS: '0' }, { NETSTATS_THREADS: '1000' }, { NETSTATS_NATIVE: 'false' }, { NETSTATS_ONEDNN: 'off' }]) {
      await withEnv(vars, () => assert.rejects(selectBackend({ reselect: true }), /NETSTATS_(THREADS|NATIVE|ONEDNN)=.* is not valid/));
    }
  });

  it('NETSTATS_CHROMIUM must be a working Chromium: no fallback to another browser', async () => {
    await withEnv({ NETSTATS_CHROMIUM: '/nonexistent/chromium' }, () =>
      assert.throws(() => chromiumPath(), /NETSTATS_CHROMIUM="\/nonexistent\/chromium" is not valid: the path of an executable file, and nothing exists there/),
    );
    await withEnv({ NETSTATS_CHROMIUM: '/bin/false' }, () =>
      assert.throws(() => chromiumPath(), /NETSTATS_CHROMIUM="\/bin\/false" is not valid: a Chromium or Chrome executable \('\/bin\/false --version' exited 1/),
    );
    await withEnv({ NETSTATS_CHROMIUM: '/tmp' }, () => assert.throws(() => chromiumPath(), /NETSTATS_CHROMIUM="\/tmp" is not valid: the path of an executable file, and this is not a file/));
  });

  it('reproduce stops before any work on bad settings or an unwritable cache, naming each problem', function () {
    this.timeout(60000);
    const dir = tempDir('settings');
    try {
      const file = path.join(dir, 'a-file');
      fs.writeFileSync(file, '');
      const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot(), 'lib', 'src', 'cli', 'reproduce.ts'), '01'], {
        cwd: repoRoot(),
        encoding: 'utf8',
        // A cache "folder" below a regular file can never be created (root ignores permission bits, not this).
        env: { ...process.env, NETSTATS_CACHE: path.join(file, 'cache'), NETSTATS_FIGURES: path.join(dir, 'figures'), NETSTATS_THREADS: 'abc' },
      });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /reproduce: cannot start:/);
      assert.match(run.stderr, /NETSTATS_THREADS="abc" is not valid: an integer from 1 to 16/);
      assert.match(run.stderr, new RegExp(`the result cache \\(NETSTATS_CACHE\\) ${path.join(file, 'cache').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not writable \\(ENOTDIR\\)`));
      assert.doesNotMatch(run.stdout, /\[1\/\d\]/, 'no notebook was started');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('assertWritableDir names the folder; removeStaleTemps removes leftovers of dead processes only', () => {
    const dir = tempDir('stale');
    try {
      assert.throws(() => assertWritableDir(path.join('/proc', 'version', 'x'), 'the figures folder'), /the figures folder \/proc\/version\/x is not writable/);
      const dead = 2 ** 22 + 1; // above Linux's pid_max limit: no such process
      const ns = path.join(dir, 'runs');
      fs.mkdirSync(path.join(ns, `.tmp-abc-${dead}-x1y2z3`), { recursive: true });
      fs.mkdirSync(path.join(ns, `.old-abc-${dead}-1700000000000`));
      fs.writeFileSync(path.join(dir, `.tmp-manifest.json-${dead}-1700000000000`), '{');
      const live = path.join(ns, `.tmp-def-${process.pid}-a1b2c3`);
      fs.mkdirSync(live);
      const corrupt = path.join(ns, '.corrupt-abc-1700000000000');
      fs.mkdirSync(corrupt);
      const removed = removeStaleTemps(dir, 2);
      assert.equal(removed.length, 3, removed.join('\n'));
      assert.deepEqual(hiddenNames(ns), [path.basename(corrupt), path.basename(live)], 'a live run\'s temp folder and the kept corrupt entry stay');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('removeStaleTemps keeps a fresh temp of another machine on a shared folder, whatever its pid says here', () => {
    const dir = tempDir('shared');
    try {
      const dead = 2 ** 22 + 1;
      const ns = path.join(dir, 'runs');
      const other = path.join(ns, `.tmp-abc@${machineTag()}x-${dead}-x1y2z3`);
      const mine = path.join(ns, `.tmp-def@${machineTag()}-${dead}-a1b2c3`);
      fs.mkdirSync(other, { recursive: true });
      fs.mkdirSync(mine);
      assert.deepEqual(removeStaleTemps(dir, 2), [mine]);
      assert.deepEqual(hiddenNames(ns), [path.basename(other)]);
      const dayAndMinuteAgo = (Date.now() - 24 * 3600 * 1000 - 60_000) / 1000;
      fs.utimesSync(other, dayAndMinuteAgo, dayAndMinuteAgo);
      assert.deepEqual(removeStaleTemps(dir, 2), [other], 'older than a day: stale on any machine');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Signals to real `reproduce` runs at tiny scale: whatever ends the runner (SIGKILL to it alone, as the OOM killer
// does; SIGHUP to its process group, as a closed terminal or dropped ssh session does), its Jupyter runner and tslab
// kernel end too, and nothing more is written to the cache. Jupyter starts kernels in a session of their own, so
// before the kernel guard such a kernel went on training under PID 1. Two runs share one cache meanwhile.
import { strict as assert } from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../../lib/src/util/paths';
import { tempDir } from './helpers';

const root = repoRoot();

/** Pids of live processes whose environment says they work for this runner (its Jupyter runner and kernel). */
function processesOfRunner(runnerPid: number): { pid: number; cmd: string }[] {
  const marker = `NETSTATS_RUNNER_PID=${runnerPid}`;
  const found: { pid: number; cmd: string }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = fs.readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      if (env.includes(marker)) found.push({ pid: Number(name), cmd: fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every file under `dir` with its size: what a run has written. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(`${path.relative(dir, full)}:${fs.statSync(full).size}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe('reliability: signals to a real reproduce run', function () {
  this.timeout(240000);
  const children: ChildProcess[] = [];
  let cache: string;
  let figures: string;
  before(function () {
    if (!fs.existsSync('/usr/bin/python3') || !fs.existsSync('/proc/self/environ')) this.skip();
    cache = tempDir('sig-cache');
    figures = tempDir('sig-figures');
  });
  after(() => {
    // Should the test fail half-way, leave nothing running.
    for (const c of children) if (c.pid !== undefined && c.exitCode === null) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (cache) fs.rmSync(cache, { recursive: true, force: true });
    if (figures) fs.rmSync(figures, { recursive: true, force: true });
  });

  it('SIGKILL to the runner and SIGHUP to another runner\'s group end their Jupyter runners and kernels', async () => {
    const start = (): { child: ChildProcess; output: () => string } => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'lib', 'src', 'cli', 'reproduce.ts'), '02', '--no-export'], {
        cwd: root,
        detached: true, // its own process group, like a run started from its own terminal
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NETSTATS_SCALE: 'tiny', NETSTATS_CACHE: cache, NETSTATS_FIGURES: figures, NETSTATS_QUIET: '1' },
      });
      children.push(child);
      let text = '';
      child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
      return { child, output: () => text };
    };
    const runs = [start(), start()];
    const pids = runs.map((r) => r.child.pid as number);
    // Wait until each run's kernel is executing cells.
    for (const [i, run] of runs.entries()) {
      await waitFor(`run ${i}'s kernel to execute a cell (output so far:\n${run.output()})`, 150000, () =>
        processesOfRunner(pids[i] as number).some((p) => p.cmd.includes('tslab')) && /cell \d+ \(/.test(run.output()) ? true : undefined,
      );
    }
    process.kill(pids[0] as number, 'SIGKILL');
    process.kill(-(pids[1] as number), 'SIGHUP');
    const killedAt = Date.now();
    for (const pid of pids) {
      await waitFor(`the Jupyter runner and kernel of runner ${pid} to exit (left: ${JSON.stringify(processesOfRunner(pid))})`, 10000, () =>
        processesOfRunner(pid).length === 0 ? true : undefined,
      );
    }
    const goneAfterMs = Date.now() - killedAt;
    assert.ok(goneAfterMs < 10000, `gone after ${goneAfterMs} ms`);
    // Nothing writes to the shared cache any more.
    const before = listing(cache);
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(listing(cache), before, 'no cache writes after the runners are gone');
  });
});

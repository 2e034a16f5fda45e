/**
 * The queue end to end: a local redis-server on a free port, two worker processes, notebook 02's tiny grid. Needs
 * the redis-server executable (Debian: apt-get install redis-server); without it every test here is skipped, saying so.
 */
import { strict as assert } from 'assert';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Queue } from 'bullmq';
import { selectBackend } from '../../lib/src/backend/select';
import { parameterChangeCellPlan } from '../../lib/src/experiments/parameterChange/cells';
import { parameterChangeCellKey, parameterChangeConfig } from '../../lib/src/experiments/parameterChange/config';
import { runParameterChange, type ParameterChangeResults } from '../../lib/src/experiments/parameterChange/run';
import { CellsFailedError, runCellsOnQueue } from '../../lib/src/queue/coordinator';
import { CELL_QUEUE } from '../../lib/src/queue/jobs';
import { connectionOf, parseQueueUrl, type QueueServer } from '../../lib/src/queue/redisUrl';
import { checkServer } from '../../lib/src/queue/server';
import type { ExecutionLogLine } from '../../lib/src/queue/worker';
import type { ExperimentCells } from '../../lib/src/store/cells';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
/**
 * One native thread everywhere: with more, the native kernels' sums run in a varying order and even two local runs
 * differ in the last float bits; with one, a cell gives the same bits in any process.
 */
const THREADS = '1';
/** Short locks so that a killed worker's cell is retried within seconds (30 s by default). */
const LOCK_MS = 4000;

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function readLog(file: string): ExecutionLogLine[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ExecutionLogLine);
}

/** The results without what differs between any two runs (timings, cache hits). */
function comparable(r: ParameterChangeResults): unknown {
  return {
    runs: r.runs.map(({ trainSeconds: _t, fromCache: _f, ...rest }) => rest),
    layers: r.layers, kinds: r.kinds, curves: r.curves, snapshotDistances: r.snapshotDistances, histograms: r.histograms, verdict: r.verdict,
  };
}

describe('queue: notebook 02 tiny grid on two workers through Redis', function () {
  this.timeout(600_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-queue-'));
  const queueCache = path.join(tmp, 'cache-queue');
  const localCache = path.join(tmp, 'cache-local');
  const logs = { a: path.join(tmp, 'worker-a.jsonl'), b: path.join(tmp, 'worker-b.jsonl') };
  const workers: ChildProcess[] = [];
  const coordinatorLines: string[] = [];
  const planned = parameterChangeCellPlan.plan('tiny');
  let redis: ChildProcess | undefined;
  let server: QueueServer;
  let savedCache: string | undefined;
  let savedThreads: string | undefined;
  let previousBackend = '';

  const startWorker = (log: string): ChildProcess => {
    const env: NodeJS.ProcessEnv = { ...process.env, NETSTATS_CACHE: queueCache, NETSTATS_FIGURES: path.join(tmp, 'figures'), NETSTATS_SCALE: 'tiny', NETSTATS_THREADS: THREADS };
    delete env.NETSTATS_RUNNER_PID;
    // Its own process group: killing the group is losing the machine (worker and cell process at once).
    const child = spawn(TSX, ['lib/src/cli/worker.ts', '--queue', server.display, '--lock-ms', String(LOCK_MS), '--log', log], {
      cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) console.error(`worker (${log}) exited with ${code}:\n${output}`);
    });
    workers.push(child);
    return child;
  };
  const killGroup = (child: ChildProcess, signal: NodeJS.Signals): void => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // already gone
    }
  };
  const coordinate = (plan: ExperimentCells<unknown, unknown>, signal?: AbortSignal) =>
    runCellsOnQueue({ server, parameter: '--queue', plan, scale: 'tiny', log: (l) => coordinatorLines.push(l), pollMs: 250, heartbeatMs: 60_000, ...(signal === undefined ? {} : { signal }) });

  before(async function () {
    if (!hasRedisServer()) {
      console.log('    (skipped: redis-server is not installed; Debian: apt-get install redis-server. CI installs it, so these run there)');
      this.skip();
    }
    const port = await freePort();
    server = parseQueueUrl(`redis://127.0.0.1:${port}`, '--queue');
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], { stdio: 'ignore' });
    await waitFor('redis-server to listen', async () => checkServer(server, 'redis').then(() => true, () => undefined), 20_000, 100);
    savedCache = process.env.NETSTATS_CACHE;
    process.env.NETSTATS_CACHE = queueCache;
    savedThreads = process.env.NETSTATS_THREADS;
    process.env.NETSTATS_THREADS = THREADS;
    previousBackend = tf.getBackend();
    await selectBackend();
  });

  after(async () => {
    for (const w of workers) killGroup(w, 'SIGKILL');
    redis?.kill('SIGTERM');
    for (const [name, value] of [['NETSTATS_CACHE', savedCache], ['NETSTATS_THREADS', savedThreads]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (previousBackend) await tf.setBackend(previousBackend);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a coordinator stopped before any worker came leaves its cells on the queue', async () => {
    const stop = new AbortController();
    const run = coordinate(parameterChangeCellPlan as ExperimentCells<unknown, unknown>, stop.signal);
    await waitFor('the cells to be enqueued', () => (coordinatorLines.some((l) => l.includes(`0/${planned.length} done`)) ? true : undefined), 60_000);
    stop.abort();
    await assert.rejects(run, /stopped waiting; the 16 unfinished cells stay on the queue/);
    const queue = new Queue(CELL_QUEUE, { connection: connectionOf(server) });
    try {
      assert.equal(await queue.getWaitingCount(), planned.length);
    } finally {
      await queue.close();
    }
  });

  it('a restarted coordinator resumes; a worker killed with SIGKILL mid-cell loses no cell and none runs twice', async () => {
    const a = startWorker(logs.a);
    startWorker(logs.b);
    coordinatorLines.length = 0;
    const run = coordinate(parameterChangeCellPlan as ExperimentCells<unknown, unknown>);
    // Kill worker A as soon as it has started a cell (the cells take seconds; the kill follows within ~50 ms).
    const victim = await waitFor('worker A to start a cell', () => readLog(logs.a).find((l) => l.event === 'start'), 180_000);
    killGroup(a, 'SIGKILL');
    const report = await run;
    assert.equal(report.resumed, planned.length, 'every cell was already on the queue: none added twice');
    assert.ok(coordinatorLines.some((l) => l.includes(`${planned.length} of them already on the queue`)));
    const a1 = readLog(logs.a);
    const b1 = readLog(logs.b);
    assert.ok(!a1.some((l) => l.event === 'done' && l.key === victim.key), `worker A finished ${victim.label} before the kill: the test did not kill it mid-cell`);
    assert.ok(b1.some((l) => l.event === 'start' && l.key === victim.key), `the killed cell ${victim.label} was taken over by worker B`);
    const done = [...a1, ...b1].filter((l) => l.event === 'done');
    for (const p of planned) {
      const trained = done.filter((l) => l.key === p.key && l.fromCache === false);
      assert.equal(trained.length, 1, `${p.label} trained ${trained.length} times`);
    }
    assert.equal(done.length, planned.length);
    assert.equal([...a1, ...b1].filter((l) => l.event === 'failed').length, 0);
    // Nothing half-written: every entry of the cache is a complete one (temp folders of the killed cell are not entries).
    const entries = fs.readdirSync(path.join(queueCache, 'parameter-change')).filter((n) => !n.startsWith('.'));
    assert.deepEqual(entries.sort(), planned.map((p) => p.key).sort());
    for (const p of planned) assert.ok(parameterChangeCellPlan.isCached(p.cell), `${p.label} is a sound cache entry`);
  });

  it('the grid computed on the queue gives the same results as a local run', async () => {
    const config = parameterChangeConfig('tiny');
    const fromQueue = await runParameterChange(config, { progress: false, cacheRoot: queueCache });
    assert.equal(fromQueue.trainedRuns, 0, 'the notebook finds every cell in the shared cache');
    const local = await runParameterChange(config, { progress: false, cacheRoot: localCache });
    assert.equal(local.trainedRuns, planned.length);
    assert.deepEqual(fromQueue.runs.map((r) => r.cacheKey), planned.map((p) => p.key));
    assert.deepEqual(comparable(fromQueue), comparable(local));
  });

  it('cells whose results exist are not enqueued or run again', async () => {
    const before = readLog(logs.b).length;
    coordinatorLines.length = 0;
    const report = await coordinate(parameterChangeCellPlan as ExperimentCells<unknown, unknown>);
    assert.deepEqual(report, { planned: planned.length, cachedBefore: planned.length, finished: 0, resumed: 0 });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(readLog(logs.b).length, before);
  });

  it('a cell that fails deterministically fails once, with its error shown', async () => {
    const good = planned[0]!.cell;
    const bad = { ...good, architecture: 'alexnet' } as unknown as typeof good;
    const failing: ExperimentCells<unknown, unknown> = {
      ...(parameterChangeCellPlan as ExperimentCells<unknown, unknown>),
      plan: () => [{ key: parameterChangeCellKey(bad), label: 'alexnet/broken', cell: bad }],
      isCached: () => false,
    };
    await assert.rejects(coordinate(failing), (err: unknown) => {
      assert.ok(err instanceof CellsFailedError);
      assert.match(err.message, /1 cell\(s\) failed on the queue/);
      assert.match(err.message, /alexnet\/broken on .*#\d+:\n\s+Error: buildParameterChangeModel: unknown architecture 'alexnet'/);
      return true;
    });
    await new Promise((r) => setTimeout(r, 2 * LOCK_MS));
    const attempts = readLog(logs.b).filter((l) => l.key === parameterChangeCellKey(bad));
    assert.deepEqual(attempts.map((l) => l.event), ['start', 'failed'], 'one attempt, not retried');
  });

  it('a worker given a bad URL stops with an error naming --queue', () => {
    const r = spawnSync(TSX, ['lib/src/cli/worker.ts', '--queue', 'http://127.0.0.1:6379'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NETSTATS_CACHE: queueCache } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /worker: --queue "http:\/\/127\.0\.0\.1:6379" is not a usable Redis URL: the scheme is 'http'/);
  });
});

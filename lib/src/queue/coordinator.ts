// The coordinator: puts a notebook's missing cells on the queue and waits until workers have computed them all.
import { Queue, type Job } from 'bullmq';
import type { ExperimentCells, PlannedCell } from '../store/cells';
import type { Scale } from '../util/scale';
import { CELL_QUEUE, cellJobId, type CellJobData, type CellJobProgress, type CellJobResult } from './jobs';
import { gridProgress, progressLine, type CellState } from './progress';
import { connectionOf, type QueueServer } from './redisUrl';
import { checkServer } from './server';

export interface CoordinatorOptions {
  server: QueueServer;
  /** The command-line parameter the server came from (named in errors). */
  parameter: string;
  plan: ExperimentCells<unknown, unknown>;
  scale: Scale;
  log: (line: string) => void;
  /** How often the queue is polled. */
  pollMs?: number;
  /** A progress line at least this often even when nothing changed. */
  heartbeatMs?: number;
  /** Stops waiting (the cells stay on the queue for the next coordinator). */
  signal?: AbortSignal;
}

export interface CoordinatorReport {
  planned: number;
  /** Cells whose entries were in the cache before anything was enqueued. */
  cachedBefore: number;
  /** Cells the workers finished (computed, or found in the cache by the worker). */
  finished: number;
  /** Jobs that were still on the queue from an earlier coordinator and were waited for, not enqueued again. */
  resumed: number;
}

/** A cell failed on its worker: the grid is incomplete. The message lists every failed cell with its error. */
export class CellsFailedError extends Error {
  constructor(readonly failures: { label: string; worker: string; error: string }[]) {
    super(`${failures.length} cell(s) failed on the queue (each ran once; fix the cause and run again to retry them):\n` +
      failures.map((f) => `  ${f.label} on ${f.worker}:\n    ${f.error.split('\n').slice(0, 4).join('\n    ')}`).join('\n'));
    this.name = 'CellsFailedError';
  }
}

/** Removes a finished job of a cell that must be computed again (its earlier result is not in the cache, or it failed). */
async function clearFinished(job: Job<CellJobData, CellJobResult>): Promise<void> {
  await job.remove();
}

/** Job options of a cell: one attempt (a deterministic failure fails once), kept a week so a restarted coordinator sees it. */
const JOB_OPTIONS = { attempts: 1, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } };

/**
 * Enqueues the cells of `plan` at `scale` that the cache does not hold, then polls until each is done or failed,
 * logging progress. Cells already waiting or running on the queue (a coordinator that was stopped and started again,
 * or two coordinators) are waited for, not added twice: a cell's job id is its cache key. Resolves when every cell is
 * in the cache; throws CellsFailedError when cells failed, and an error naming the cache folder when a worker finished
 * a cell whose entry this process cannot see (the workers and the coordinator must share NETSTATS_CACHE).
 */
export async function runCellsOnQueue(options: CoordinatorOptions): Promise<CoordinatorReport> {
  const { plan, log } = options;
  const planned = plan.plan(options.scale);
  const missing = planned.filter((p) => !plan.isCached(p.cell));
  log(`${plan.notebook}: ${planned.length} cells, ${planned.length - missing.length} in the cache, ${missing.length} to compute on the queue at ${options.server.display}`);
  const report: CoordinatorReport = { planned: planned.length, cachedBefore: planned.length - missing.length, finished: 0, resumed: 0 };
  if (missing.length === 0) return report;
  await checkServer(options.server, options.parameter);
  const queue = new Queue<CellJobData, CellJobResult>(CELL_QUEUE, { connection: connectionOf(options.server) });
  queue.on('error', (err) => log(`queue error: ${err.message}`));
  try {
    report.resumed = await enqueue(queue, plan, missing, log);
    const statuses = await waitForCells(queue, plan, missing, options);
    const failures = missing.flatMap((p) => {
      const s = statuses.get(p.key);
      return s?.state === 'failed' ? [{ label: p.label, worker: s.worker, error: s.error }] : [];
    });
    if (failures.length > 0) throw new CellsFailedError(failures);
    const unseen = missing.filter((p) => !plan.isCached(p.cell));
    if (unseen.length > 0) {
      throw new Error(`workers finished ${unseen.length} cell(s) (e.g. ${unseen[0]?.label}) whose cache entries are not in this machine's ` +
        `NETSTATS_CACHE (${process.env.NETSTATS_CACHE ?? 'unset: the checkout\'s cache/'}): the coordinator and every worker must use one shared cache folder`);
    }
    report.finished = missing.length;
    return report;
  } finally {
    await queue.close();
  }
}

async function enqueue(queue: Queue<CellJobData, CellJobResult>, plan: ExperimentCells<unknown, unknown>, missing: PlannedCell<unknown>[], log: (line: string) => void): Promise<number> {
  let resumed = 0;
  let again = 0;
  for (const p of missing) {
    const jobId = cellJobId(plan.experiment, p.key);
    const existing = await queue.getJob(jobId);
    if (existing !== undefined) {
      const state = await existing.getState();
      if (state === 'completed' || state === 'failed') {
        // Done before but not in the cache (cleared, or another cache folder), or failed in an earlier run: again.
        await clearFinished(existing);
        again++;
      } else if (state !== 'unknown') {
        resumed++;
        continue;
      }
    }
    const data: CellJobData = { experiment: plan.experiment, key: p.key, label: p.label, cell: p.cell };
    await queue.add(plan.experiment, data, { ...JOB_OPTIONS, jobId });
  }
  if (resumed > 0) log(`${resumed} of them already on the queue (an earlier run's): waiting for those, not adding them again`);
  if (again > 0) log(`${again} of them finished in an earlier run without an entry in this cache (or failed there): enqueued again`);
  return resumed;
}

/** Polls the cells' jobs until none is waiting or running; logs a progress line on every change and every heartbeat. */
async function waitForCells(
  queue: Queue<CellJobData, CellJobResult>,
  plan: ExperimentCells<unknown, unknown>,
  missing: PlannedCell<unknown>[],
  options: CoordinatorOptions,
): Promise<Map<string, CellState>> {
  const pollMs = options.pollMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const statuses = new Map<string, CellState>(missing.map((p) => [p.key, { state: 'waiting' }]));
  let lastLine = '';
  let lastLogAt = 0;
  let idleSince: number | null = null;
  for (;;) {
    for (const p of missing) {
      const current = statuses.get(p.key) as CellState;
      if (current.state === 'done' || current.state === 'failed') continue;
      statuses.set(p.key, await cellState(queue, plan, p));
    }
    const now = Date.now();
    const progress = gridProgress(missing.map((p) => ({ label: p.label, status: statuses.get(p.key) as CellState })), now);
    const line = progressLine(progress);
    // A new line when a cell changes state (the ETA alone ticks every poll), else every heartbeat.
    const counts = line.replace(/ · ETA [^·]*/, '');
    if (counts !== lastLine || now - lastLogAt >= heartbeatMs) {
      options.log(line);
      lastLine = counts;
      lastLogAt = now;
    }
    if (progress.waiting + progress.running === 0) return statuses;
    if (options.signal?.aborted) throw new Error(`stopped waiting; the ${progress.waiting + progress.running} unfinished cells stay on the queue for the next run`);
    idleSince = progress.running > 0 ? null : idleSince ?? now;
    if (idleSince !== null && now - idleSince >= heartbeatMs && (await queue.getWorkersCount()) === 0) {
      options.log(`no worker is connected to ${options.server.display}: start one per machine with 'npm run worker -- --queue ${options.server.display}' (same commit, same NETSTATS_CACHE folder)`);
      idleSince = now;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function cellState(queue: Queue<CellJobData, CellJobResult>, plan: ExperimentCells<unknown, unknown>, p: PlannedCell<unknown>): Promise<CellState> {
  const jobId = cellJobId(plan.experiment, p.key);
  // State first, then the job: a job read after it was seen completed carries its return value.
  const state = await queue.getJobState(jobId);
  const job = state === 'unknown' ? undefined : await queue.getJob(jobId);
  if (job === undefined) {
    // Removed behind our back (the queue was emptied): put it on again.
    await queue.add(plan.experiment, { experiment: plan.experiment, key: p.key, label: p.label, cell: p.cell }, { ...JOB_OPTIONS, jobId });
    return { state: 'waiting' };
  }
  const progress = job.progress as Partial<CellJobProgress> | number;
  const reported = typeof progress === 'object' ? progress : {};
  const worker = reported.worker ?? job.processedBy ?? 'a worker';
  if (state === 'completed' && job.returnvalue !== null) {
    const r = job.returnvalue;
    return { state: 'done', worker: r.worker, fromCache: r.fromCache, elapsedMs: r.elapsedMs };
  }
  if (state === 'failed') return { state: 'failed', worker, error: job.failedReason || 'no reason recorded' };
  if (state === 'active') return { state: 'running', worker, startedAt: reported.startedAt ?? Date.now() };
  return { state: 'waiting' };
}

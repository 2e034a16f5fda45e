// A worker: takes cells from the queue, computes them in its cell process, sends their small results back.
import { Worker, type Job } from 'bullmq';
import * as fs from 'fs';
import { CellRunner } from './cellRunner';
import { CELL_QUEUE, type CellJobData, type CellJobProgress, type CellJobResult } from './jobs';
import { connectionOf, type QueueServer } from './redisUrl';

export interface CellWorkerOptions {
  server: QueueServer;
  /** Name on the queue and in logs (host#pid). */
  name: string;
  /** Cells computed at once (each in its own process). */
  concurrency: number;
  /**
   * How long a job stays locked to this worker without a renewal; a worker that is gone (killed, its machine down) is
   * noticed by the others after about this long and its cell goes back to the queue. The lock is renewed every half
   * of it while the cell runs, so a long cell keeps its lock.
   */
  lockMs: number;
  /** Append one JSON line per cell start, finish and failure here (who computed what, for audits and tests). */
  executionLog?: string;
  log: (line: string) => void;
}

/** A line of the execution log. */
export interface ExecutionLogLine {
  event: 'start' | 'done' | 'failed';
  key: string;
  label: string;
  worker: string;
  at: string;
  fromCache?: boolean;
  error?: string;
}

/** How many times a cell may lose its worker before it counts as failed (a cell that kills its worker every time). */
export const MAX_LOST_WORKERS = 2;

export interface RunningCellWorker {
  /** Stops taking cells, waits for those under way, ends the cell processes. */
  close(): Promise<void>;
}

/** Starts a worker that computes cells until closed. */
export function startCellWorker(options: CellWorkerOptions): RunningCellWorker {
  const idle: CellRunner[] = [];
  const all: CellRunner[] = [];
  const record = (line: Omit<ExecutionLogLine, 'worker' | 'at'>): void => {
    if (options.executionLog === undefined) return;
    const full: ExecutionLogLine = { ...line, worker: options.name, at: new Date().toISOString() };
    fs.appendFileSync(options.executionLog, `${JSON.stringify(full)}\n`);
  };
  const compute = async (job: Job<CellJobData, CellJobResult>): Promise<CellJobResult> => {
    const runner = idle.pop() ?? new CellRunner((backend) => options.log(`cell process ready: ${backend}`));
    if (!all.includes(runner)) all.push(runner);
    const { experiment, key, label, cell } = job.data;
    const progress: CellJobProgress = { worker: options.name, startedAt: Date.now() };
    await job.updateProgress({ ...progress });
    record({ event: 'start', key, label });
    options.log(`${label}: started`);
    try {
      const outcome = await runner.run({ experiment, key, label, cell });
      const elapsedMs = Date.now() - progress.startedAt;
      record({ event: 'done', key, label, fromCache: outcome.fromCache });
      options.log(`${label}: ${outcome.fromCache ? 'already in the cache' : 'done'} in ${(elapsedMs / 1000).toFixed(1)} s`);
      return { key, fromCache: outcome.fromCache, elapsedMs, worker: options.name, result: outcome.result };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      record({ event: 'failed', key, label, error });
      options.log(`${label}: FAILED: ${error.split('\n')[0] ?? error}`);
      throw err;
    } finally {
      idle.push(runner);
    }
  };
  const worker = new Worker<CellJobData, CellJobResult>(CELL_QUEUE, compute, {
    connection: connectionOf(options.server),
    name: options.name,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    maxStalledCount: MAX_LOST_WORKERS,
  });
  worker.on('error', (err) => options.log(`queue error: ${err.message}`));
  return {
    async close() {
      await worker.close();
      for (const runner of all) runner.stop();
    },
  };
}

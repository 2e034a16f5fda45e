// What travels through the queue: one job per cell, its small result back.

/** The BullMQ queue that holds every experiment's cells (jobs are named by experiment). */
export const CELL_QUEUE = 'netstats-cells';

/** A cell to compute: the experiment it belongs to, its cache key as the coordinator computed it, and the cell itself. */
export interface CellJobData {
  experiment: string;
  key: string;
  label: string;
  cell: unknown;
}

/** What a worker sends back for a cell. */
export interface CellJobResult {
  key: string;
  fromCache: boolean;
  /** Wall time of the cell on its worker. */
  elapsedMs: number;
  worker: string;
  result: unknown;
}

/** Progress a worker reports when it takes a cell (shows who runs what). */
export interface CellJobProgress {
  worker: string;
  startedAt: number;
}

/**
 * Job id of a cell: the same cell always gets the same id, so enqueueing a cell that is already waiting, running or
 * done adds nothing (BullMQ ignores an add with an existing id). BullMQ ids may not contain ':'.
 */
export function cellJobId(experiment: string, key: string): string {
  return `${experiment}-${key}`;
}

/** The worker's name on the queue and in logs: host and pid. */
export function workerName(host: string, pid: number): string {
  return `${host}#${pid}`;
}

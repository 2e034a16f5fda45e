// What the coordinator shows while it waits: cells done / running / failed, per worker, and an estimate of the rest.
import { clockDuration } from '../util/format';

/** Where one cell of the grid stands. */
export type CellState =
  | { state: 'waiting' }
  | { state: 'running'; worker: string; startedAt: number }
  | { state: 'done'; worker: string; fromCache: boolean; elapsedMs: number }
  | { state: 'failed'; worker: string; error: string };

export interface GridProgress {
  total: number;
  waiting: number;
  running: number;
  done: number;
  failed: number;
  /** Per worker: cells it finished and the cell it runs now (label), if any. */
  workers: Map<string, { done: number; failed: number; running: string[] }>;
  /** Estimated time to finish, or null before a cell was computed (no rate to go by). */
  etaMs: number | null;
}

/**
 * Counts the states. The estimate: the mean time of the cells computed so far (cells found in the cache left out),
 * times the cells not finished, divided by the workers busy now (at least one), minus the time the running cells
 * already spent — a rough figure that firms up as cells finish.
 */
export function gridProgress(cells: { label: string; status: CellState }[], now: number): GridProgress {
  const out: GridProgress = { total: cells.length, waiting: 0, running: 0, done: 0, failed: 0, workers: new Map(), etaMs: null };
  const workerOf = (name: string): { done: number; failed: number; running: string[] } => {
    let w = out.workers.get(name);
    if (w === undefined) {
      w = { done: 0, failed: 0, running: [] };
      out.workers.set(name, w);
    }
    return w;
  };
  const computedMs: number[] = [];
  let runningSpentMs = 0;
  for (const { label, status } of cells) {
    out[status.state]++;
    if (status.state === 'running') {
      workerOf(status.worker).running.push(label);
      runningSpentMs += Math.max(0, now - status.startedAt);
    } else if (status.state === 'done') {
      workerOf(status.worker).done++;
      if (!status.fromCache) computedMs.push(status.elapsedMs);
    } else if (status.state === 'failed') workerOf(status.worker).failed++;
  }
  if (computedMs.length > 0) {
    const mean = computedMs.reduce((a, b) => a + b, 0) / computedMs.length;
    const busy = Math.max(1, out.running);
    const remainingWork = Math.max(0, (out.waiting + out.running) * mean - Math.min(runningSpentMs, out.running * mean));
    out.etaMs = remainingWork / busy;
  }
  return out;
}

/** One line: totals, then per worker, then the estimate. */
export function progressLine(p: GridProgress): string {
  const workers = [...p.workers.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, w]) => `${name}: ${w.done} done${w.failed > 0 ? `, ${w.failed} failed` : ''}${w.running.length > 0 ? `, running ${w.running.join(', ')}` : ''}`);
  const eta = p.etaMs === null ? 'ETA after the first cell' : p.waiting + p.running === 0 ? 'finished' : `ETA ${clockDuration(p.etaMs)}`;
  return `${p.done}/${p.total} done, ${p.running} running, ${p.failed} failed, ${p.waiting} waiting · ${eta}${workers.length > 0 ? ` · ${workers.join('; ')}` : ''}`;
}

import { strict as assert } from 'assert';
import { gridProgress, progressLine, type CellState } from '../../lib/src/queue/progress';

describe('queue: progress of a grid', () => {
  const now = 1_000_000;
  const cells: { label: string; status: CellState }[] = [
    { label: 'a', status: { state: 'done', worker: 'h1#1', fromCache: false, elapsedMs: 10_000 } },
    { label: 'b', status: { state: 'done', worker: 'h2#2', fromCache: false, elapsedMs: 30_000 } },
    { label: 'c', status: { state: 'done', worker: 'h2#2', fromCache: true, elapsedMs: 50 } },
    { label: 'd', status: { state: 'running', worker: 'h1#1', startedAt: now - 5_000 } },
    { label: 'e', status: { state: 'running', worker: 'h2#2', startedAt: now - 15_000 } },
    { label: 'f', status: { state: 'failed', worker: 'h1#1', error: 'boom' } },
    { label: 'g', status: { state: 'waiting' } },
    { label: 'h', status: { state: 'waiting' } },
  ];

  it('counts per state and per worker', () => {
    const p = gridProgress(cells, now);
    assert.deepEqual([p.total, p.done, p.running, p.failed, p.waiting], [8, 3, 2, 1, 2]);
    assert.deepEqual(p.workers.get('h1#1'), { done: 1, failed: 1, running: ['d'] });
    assert.deepEqual(p.workers.get('h2#2'), { done: 2, failed: 0, running: ['e'] });
  });

  it('estimates the rest from the computed cells only, spread over the busy workers', () => {
    // Mean of computed cells 20 s (the cache hit c is left out); 4 unfinished cells = 80 s of work, minus the 20 s the
    // two running cells already spent, over 2 busy workers: 30 s.
    assert.equal(gridProgress(cells, now).etaMs, 30_000);
    assert.equal(gridProgress(cells.filter((c) => c.status.state !== 'done'), now).etaMs, null);
  });

  it('writes one line with totals, ETA and workers', () => {
    assert.equal(progressLine(gridProgress(cells, now)),
      '3/8 done, 2 running, 1 failed, 2 waiting · ETA 30s · h1#1: 1 done, 1 failed, running d; h2#2: 2 done, running e');
  });
});

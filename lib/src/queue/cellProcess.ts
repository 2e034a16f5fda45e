/**
 * The process that computes a worker's cells, one at a time, started by CellRunner with an IPC channel. Training is
 * synchronous work that would block the worker's event loop for a whole cell; here it blocks only this process, so
 * the worker keeps renewing its lock on the job and the queue never mistakes a busy worker for a dead one.
 */
import { describeBackend, selectBackend } from '../backend/select';
import type { CellOutcome } from '../store/cells';
import { experimentCells } from './registry';
import type { CellRequest, CellReply } from './cellMessages';

// The worker is gone (killed with its machine, or SIGKILL): stop rather than train for nobody. A save that is under way
// refuses to publish too, because the worker's pid is this process's NETSTATS_RUNNER_PID.
process.on('disconnect', () => process.exit(1));

const reply = (message: CellReply): void => {
  if (process.send !== undefined) process.send(message);
};

async function runCell(request: CellRequest): Promise<CellOutcome<unknown>> {
  const plan = experimentCells(request.experiment);
  const key = plan.keyOf(request.cell);
  if (key !== request.key) {
    throw new Error(`the cell ${request.label} has cache key ${key} here but ${request.key} where it was enqueued: ` +
      'the worker and the coordinator run different code versions (check out the same commit on both)');
  }
  return plan.run(request.cell);
}

async function main(): Promise<void> {
  const backend = await selectBackend();
  reply({ type: 'ready', backend: describeBackend(backend) });
  process.on('message', (request: CellRequest) => {
    runCell(request).then(
      (outcome) => reply({ type: 'done', key: request.key, outcome }),
      (err: unknown) => reply({ type: 'failed', key: request.key, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
}

main().catch((err: unknown) => {
  reply({ type: 'failed', key: '', error: `the cell process could not start: ${err instanceof Error ? err.message : String(err)}` });
  process.exit(1);
});

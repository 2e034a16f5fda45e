// The worker's side of a cell process: start it, hand it a cell, wait for the result.
import { fork, type ChildProcess } from 'child_process';
import * as path from 'path';
import type { CellOutcome } from '../store/cells';
import { RUNNER_PID_VARIABLE } from '../util/runner';
import type { CellReply, CellRequest } from './cellMessages';

/** The cell process's file next to this one (.ts when run with tsx, .js from the build). */
function cellProcessFile(): string {
  return path.join(__dirname, `cellProcess${path.extname(__filename)}`);
}

/** Node flags for the cell process: the worker's own (they load tsx when it runs from source). */
function cellProcessFlags(): string[] {
  const flags = [...process.execArgv];
  if (path.extname(__filename) === '.ts' && !flags.some((f) => f.includes('tsx'))) flags.push('--import', 'tsx');
  return flags;
}

/**
 * One long-lived cell process (the dataset reads and the backend are paid once, not per cell); started again when it
 * died. `onReady` hears the backend it chose.
 */
export class CellRunner {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;

  constructor(private readonly onReady: (backend: string) => void = () => undefined) {}

  private start(): Promise<void> {
    if (this.child !== null && this.child.exitCode === null && this.child.signalCode === null && this.ready !== null) return this.ready;
    const child = fork(cellProcessFile(), [], {
      execArgv: cellProcessFlags(),
      // The cell process saves nothing once this worker is gone (store/cache checks the runner's pid before publishing).
      env: { ...process.env, [RUNNER_PID_VARIABLE]: String(process.pid) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: CellReply): void => {
        if (m.type === 'ready') {
          this.onReady(m.backend);
          resolve();
        } else if (m.type === 'failed') reject(new Error(m.error));
        else return;
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        reject(new Error(`the cell process exited while starting (${signal ?? `exit code ${code}`})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    return this.ready;
  }

  /** Computes one cell in the cell process; rejects with the cell's error, or when the process dies meanwhile. */
  async run(request: CellRequest): Promise<CellOutcome<unknown>> {
    await this.start();
    const child = this.child as ChildProcess;
    return new Promise((resolve, reject) => {
      const done = (): void => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onMessage = (m: CellReply): void => {
        if (m.type === 'ready' || m.key !== request.key) return;
        done();
        if (m.type === 'done') resolve(m.outcome);
        else reject(new Error(m.error));
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        done();
        reject(new Error(`the cell process died while computing ${request.label} (${signal ?? `exit code ${code}`}; out of memory?)`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(request);
    });
  }

  /** Ends the cell process (between cells). */
  stop(): void {
    if (this.child !== null && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    this.child = null;
    this.ready = null;
  }
}

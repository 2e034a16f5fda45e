import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { envExecutable } from '../util/env';
import { RUNNER_PID_VARIABLE } from '../util/runner';

/** Debian's interpreter, which has nbclient and ipykernel (the `python3` on PATH may be another one). */
export function jupyterPython(): string {
  return envExecutable('NETSTATS_PYTHON') ?? '/usr/bin/python3';
}

/** Notebooks in notebooks/, sorted by name; `only` filters by name prefix (e.g. '03'). */
export function listNotebooks(root: string, only: readonly string[] = []): string[] {
  const dir = path.join(root, 'notebooks');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface NotebookRun {
  notebook: string;
  ok: boolean;
  /**
   * The runner's exit status (scripts/run_notebook.py: 1 a cell failed, 2 the kernel could not start, 3 the executed
   * notebook could not be written), or null when it ended by a signal.
   */
  exitCode: number | null;
  elapsedMs: number;
  /** Everything the runner printed (kernel streams, progress, and on failure the cell and its error). */
  output: string;
}

/** What went wrong in a failed run, for the line after the runner's own output. */
export function failureSummary(run: NotebookRun): string {
  switch (run.exitCode) {
    case 1:
      return 'its failing cell and error are above';
    case 3:
      return 'its cells ran, but the executed notebook could not be written: see the message above';
    case null:
      return 'the Jupyter runner was killed by a signal';
    default:
      return `the Jupyter runner exited with status ${run.exitCode}: see its message above`;
  }
}

/**
 * Executes one notebook headless in real Jupyter (nbclient + the committed tslab kernelspec in jupyter/).
 * Output is streamed to `echo` as it comes and also returned. The executed copy goes to `executedOut`.
 */
export function runNotebook(
  root: string,
  notebook: string,
  options: { env?: NodeJS.ProcessEnv; executedOut?: string; echo?: (chunk: string) => void; timeoutS?: number } = {},
): Promise<NotebookRun> {
  const start = Date.now();
  const args = [path.join(root, 'scripts', 'run_notebook.py'), notebook];
  if (options.executedOut) args.push('--out', options.executedOut);
  if (options.timeoutS) args.push('--timeout', String(options.timeoutS));
  // NETSTATS_RUNNER_PID: the runner and the kernel exit when this process is gone (kernel guard: jupyter/kernels/tslab).
  const env = { ...process.env, ...options.env, JUPYTER_PATH: path.join(root, 'jupyter'), [RUNNER_PID_VARIABLE]: String(process.pid) };
  return new Promise((resolve, reject) => {
    const child = spawn(jupyterPython(), args, { cwd: path.dirname(notebook), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output += text;
      options.echo?.(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) =>
      reject(new Error(`could not start ${jupyterPython()} (${err.message}); on Debian: apt-get install python3-nbclient python3-ipykernel jupyter-nbconvert`)),
    );
    child.on('close', (code) => resolve({ notebook, ok: code === 0, exitCode: code, elapsedMs: Date.now() - start, output }));
  });
}

/** True when no cell of the notebook has outputs or an execution count (notebooks are committed clean). */
export function notebookIsClean(file: string): { clean: boolean; dirtyCells: number[] } {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[] };
  const dirtyCells = nb.cells
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.cell_type === 'code' && ((c.outputs?.length ?? 0) > 0 || (c.execution_count ?? null) !== null))
    .map(({ i }) => i);
  return { clean: dirtyCells.length === 0, dirtyCells };
}

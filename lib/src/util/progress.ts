import { envFlag } from './env';
import { insideNotebookKernel } from './notebookKernel';
import { clockDuration } from './format';

/**
 * Progress with ETA for long work, shown one of three ways:
 * - terminal (a TTY): one line redrawn in place with a carriage return and an erase-to-end-of-line code;
 * - notebook (inside a Jupyter kernel, e.g. tslab): one stdout line redrawn with plain carriage returns, which
 *   Jupyter renders in place (stderr would show every update as a separate red box, and ANSI codes as junk);
 * - lines (a CI log, a pipe): a plain line at most every `minIntervalMs`, plus the last one, so the log stays short.
 */
export interface ProgressOptions {
  /** Shown before the bar, e.g. "MNIST w=256". */
  label: string;
  /** Total units of work (epochs, steps, models). */
  total: number;
  /** Unit name shown after the counts, e.g. "steps". */
  unit?: string;
  /** Where to write; default process.stdout inside a notebook kernel, else process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** How to show it; by default 'notebook' inside a Jupyter kernel, else 'terminal' on a TTY and 'lines' elsewhere. */
  mode?: ProgressMode;
  /** Minimum time between two lines in the 'lines' mode (default 5000 ms). */
  minIntervalMs?: number;
  /** Silence it entirely (tests). Also silenced by NETSTATS_QUIET=1. */
  quiet?: boolean;
}

export type ProgressMode = 'terminal' | 'notebook' | 'lines';

/**
 * Visible length of the line now open on each notebook stream. Jupyter treats a carriage return like a terminal does
 * (the new text overwrites the old character by character and leaves the rest), so a shorter line is padded with
 * spaces; shared by all bars on a stream, since nested bars (a study and each model it trains) redraw one line.
 */
const openLineLength = new WeakMap<object, number>();

/** Least time between two redraws: each notebook redraw is a kernel message that the browser re-renders. */
const REDRAW_MS: Record<Exclude<ProgressMode, 'lines'>, number> = { terminal: 100, notebook: 1000 };

/**
 * In a notebook kernel every write is a ZeroMQ message. zeromq.js sends 512 messages on a socket at once and then
 * hands sends to the event loop, which a long synchronous computation (one model's training) never lets turn: the
 * kernel's send queue (jupyter/kernels/tslab/zmq-send-queue.cjs) keeps them, and they all arrive together after it.
 * So redraws are budgeted per turn of the event loop (REDRAW_BUDGET; the bar resumes when the loop turns) and final
 * lines a little further (FINAL_BUDGET): a stale bar is better than hundreds of redraws delivered at once.
 */
const REDRAW_BUDGET = 200;
const FINAL_BUDGET = 400;
let notebookWritesThisTurn = 0;

export function notebookWriteAllowed(final: boolean): boolean {
  if (notebookWritesThisTurn === 0) {
    setImmediate(() => {
      notebookWritesThisTurn = 0;
    });
  }
  if (notebookWritesThisTurn >= (final ? FINAL_BUDGET : REDRAW_BUDGET)) return false;
  notebookWritesThisTurn += 1;
  return true;
}

/** Lets the event loop turn (pending kernel messages go out); await it between long synchronous steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Progress {
  /** Marks `done` units complete (absolute, not a delta) with an optional status text, e.g. "loss 0.31". */
  update(done: number, status?: string): void;
  /** Prints the final line with the elapsed time. */
  finish(status?: string): void;
  /** Milliseconds since the start. */
  elapsedMs(): number;
}


export function createProgress(options: ProgressOptions): Progress {
  const notebook = options.mode === undefined && options.stream === undefined && insideNotebookKernel();
  const stream = options.stream ?? (notebook ? process.stdout : process.stderr);
  const mode: ProgressMode = options.mode ?? (notebook ? 'notebook' : stream.isTTY ? 'terminal' : 'lines');
  const quiet = options.quiet ?? envFlag('NETSTATS_QUIET') === true;
  const minInterval = options.minIntervalMs ?? 5000;
  const unit = options.unit ?? '';
  const start = Date.now();
  let lastPrint = 0;
  let lastDone = 0;

  const line = (done: number, status: string | undefined, final: boolean): string => {
    const elapsed = Date.now() - start;
    const frac = options.total > 0 ? Math.min(1, done / options.total) : 1;
    const width = 20;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const eta = done > 0 ? (elapsed / done) * (options.total - done) : NaN;
    const time = final ? `in ${clockDuration(elapsed)}` : `${clockDuration(elapsed)} elapsed, ETA ${clockDuration(eta)}`;
    return `${options.label} [${bar}] ${done}/${options.total}${unit ? ' ' + unit : ''} ${time}${status ? ' | ' + status : ''}`;
  };
  // Only a terminal understands the erase code that clears what a longer previous line left behind; in a notebook
  // spaces do that (ANSI codes would show as junk).
  const redrawn = (text: string): string => {
    if (mode === 'terminal') return `${text}\x1b[K`;
    const pad = ' '.repeat(Math.max(0, (openLineLength.get(stream) ?? 0) - text.length));
    openLineLength.set(stream, text.length);
    return text + pad;
  };

  return {
    update(done: number, status?: string) {
      lastDone = done;
      if (quiet) return;
      const now = Date.now();
      if (mode === 'lines') {
        if (now - lastPrint >= minInterval || lastPrint === 0) {
          lastPrint = now;
          stream.write(`${line(done, status, false)}\n`);
        }
        return;
      }
      if (lastPrint !== 0 && now - lastPrint < REDRAW_MS[mode] && done < options.total) return;
      if (mode === 'notebook' && !notebookWriteAllowed(false)) return;
      lastPrint = now;
      stream.write(`\r${redrawn(line(done, status, false))}`);
    },
    finish(status?: string) {
      if (quiet) return;
      const text = line(Math.max(lastDone, options.total), status, true);
      if (mode === 'notebook' && !notebookWriteAllowed(true)) return;
      stream.write(mode === 'lines' ? `${text}\n` : `\r${redrawn(text)}\n`);
      openLineLength.delete(stream);
    },
    elapsedMs: () => Date.now() - start,
  };
}

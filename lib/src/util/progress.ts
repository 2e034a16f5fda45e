import { envFlag } from './env';
/**
 * Progress with ETA for long work. In a terminal one line is redrawn in place; elsewhere (a notebook cell,
 * a CI log) a plain line is printed at most every `minIntervalMs`, plus the last one, so the output stays short.
 */
export interface ProgressOptions {
  /** Shown before the bar, e.g. "MNIST w=256". */
  label: string;
  /** Total units of work (epochs, steps, models). */
  total: number;
  /** Unit name shown after the counts, e.g. "steps". */
  unit?: string;
  /** Where to write; default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Minimum time between two non-TTY lines (default 5000 ms). */
  minIntervalMs?: number;
  /** Silence it entirely (tests). Also silenced by NETSTATS_QUIET=1. */
  quiet?: boolean;
}

export interface Progress {
  /** Marks `done` units complete (absolute, not a delta) with an optional status text, e.g. "loss 0.31". */
  update(done: number, status?: string): void;
  /** Prints the final line with the elapsed time. */
  finish(status?: string): void;
  /** Milliseconds since the start. */
  elapsedMs(): number;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const quiet = options.quiet ?? envFlag('NETSTATS_QUIET') === true;
  const tty = Boolean(stream.isTTY);
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
    const time = final ? `in ${formatDuration(elapsed)}` : `${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}`;
    return `${options.label} [${bar}] ${done}/${options.total}${unit ? ' ' + unit : ''} ${time}${status ? ' | ' + status : ''}`;
  };

  return {
    update(done: number, status?: string) {
      lastDone = done;
      if (quiet) return;
      const now = Date.now();
      if (tty) {
        if (now - lastPrint < 100 && done < options.total) return;
        lastPrint = now;
        stream.write(`\r${line(done, status, false)}\x1b[K`);
      } else if (now - lastPrint >= minInterval || lastPrint === 0) {
        lastPrint = now;
        stream.write(`${line(done, status, false)}\n`);
      }
    },
    finish(status?: string) {
      if (quiet) return;
      stream.write(`${tty ? '\r' : ''}${line(Math.max(lastDone, options.total), status, true)}${tty ? '\x1b[K' : ''}\n`);
    },
    elapsedMs: () => Date.now() - start,
  };
}

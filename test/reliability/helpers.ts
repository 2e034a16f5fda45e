import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A fresh folder under the system temp folder (the caller removes it). */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `netstats-rel-${prefix}-`));
}

/** Runs `f` with console.warn captured; returns its result and the lines warned. */
export async function captureWarnings<T>(f: () => T | Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]): void => {
    warnings.push(args.map(String).join(' '));
  };
  try {
    return { value: await f(), warnings };
  } finally {
    console.warn = original;
  }
}

/** Overwrites `length` bytes of a file at `offset` with `fill` (same size: what a bad disk or a stray write does). */
export function overwriteBytes(file: string, offset: number, length: number, fill = 0): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, Buffer.alloc(length, fill), 0, length, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** Cuts a file to `keep` bytes (an interrupted copy, a full disk). */
export function truncateTo(file: string, keep: number): void {
  fs.truncateSync(file, keep);
}

/** Names starting with '.' in a folder (temp, old and corrupt leftovers). */
export function hiddenNames(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.startsWith('.')).sort() : [];
}

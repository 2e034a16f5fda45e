import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Writes a file so that readers never see it half-written: data goes to a temp file in the same folder,
 * is flushed, then renamed over the target (rename is atomic on one filesystem). A crash leaves at most a
 * stray `.tmp-*` file, never a truncated target.
 */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.tmp-${path.basename(target)}-${process.pid}-${Date.now()}`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Publishes a fully written temporary folder as `target` unless a complete one is already there. rename(2) of a
 * folder onto an existing non-empty folder fails, so of several processes writing the same entry exactly one wins;
 * the others' folders are removed. Returns true when this call published `tmpDir`, false when another writer had.
 */
export function publishDirOnce(tmpDir: string, target: string): boolean {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  try {
    fs.renameSync(tmpDir, target);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    fs.rmSync(tmpDir, { recursive: true, force: true });
    return false;
  }
}

/**
 * Replaces `target` with a fully written temporary folder (a forced recompute). The previous entry is first moved
 * to `.old-<name>-<pid>-<time>` beside it and removed after; if another process publishes between the two renames,
 * its entry is kept and ours dropped (both are complete). Returns true when `tmpDir` became `target`.
 */
export function replaceDirAtomic(tmpDir: string, target: string): boolean {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const trash = path.join(path.dirname(target), `.old-${path.basename(target)}-${process.pid}-${Date.now()}`);
  try {
    fs.renameSync(target, trash);
  } catch (err) {
    // Nothing to move aside (absent, or another process moved it first): publishing decides.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const published = publishDirOnce(tmpDir, target);
  fs.rmSync(trash, { recursive: true, force: true });
  return published;
}

/** True while a process with this id exists (EPERM: it exists but belongs to another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const TEMP_NAME = /^\.(tmp|old)-.*-(\d+)-[A-Za-z0-9]+$/;
const STALE_TEMP_MS = 24 * 3600 * 1000;
/** A temp name written on a shared folder carries its machine: `@<machine>-<pid>-<suffix>`. */
const TEMP_MACHINE = /@([^@/]+)-\d+-[A-Za-z0-9]+$/;

/**
 * This machine in temp names (its host name, reduced to letters, digits, '.' and '_'). Folders that several machines
 * share (a queue's NETSTATS_CACHE) hold temps of other machines' processes, whose pids mean nothing here.
 */
export function machineTag(): string {
  return os.hostname().replace(/[^A-Za-z0-9._]/g, '_') || 'host';
}

/**
 * Removes leftovers of interrupted writes under `root` (the folder and two levels below it): `.tmp-*` files and
 * folders (writeFileAtomic, cache saves) and `.old-*` folders (replaceDirAtomic). Their names end in
 * `-<pid>-<suffix>`: one whose process is gone is removed; one of a live process (a concurrent run) is kept unless
 * older than a day, and so is one marked with another machine (`@<machine>-<pid>-<suffix>`, see machineTag). Returns the paths removed. Run at start, before anything writes.
 */
export function removeStaleTemps(root: string, depth = 2): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    const full = path.join(root, name);
    const match = TEMP_NAME.exec(name);
    if (match) {
      try {
        const machine = TEMP_MACHINE.exec(name)?.[1];
        // Another machine's temp: its process cannot be checked from here, so only age makes it stale.
        const gone = machine === undefined || machine === machineTag() ? !pidAlive(Number(match[2])) : false;
        const stale = gone || Date.now() - fs.lstatSync(full).mtimeMs > STALE_TEMP_MS;
        if (stale) {
          fs.rmSync(full, { recursive: true, force: true });
          removed.push(full);
        }
      } catch {
        // removed by another process meanwhile: fine
      }
    } else if (depth > 0 && !name.startsWith('.')) {
      let isDir = false;
      try {
        isDir = fs.lstatSync(full).isDirectory();
      } catch {
        // vanished: skip
      }
      if (isDir) removed.push(...removeStaleTemps(full, depth - 1));
    }
  }
  return removed;
}

/**
 * Fails with a message naming the folder and the fix when `dir` cannot be created or written (checked with a probe
 * file), so that a read-only cache or figures folder stops a run before any work instead of after it.
 */
export function assertWritableDir(dir: string, what: string): void {
  const probe = path.join(dir, `.tmp-write-probe-${process.pid}-${Date.now()}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${what} ${dir} is not writable (${e.code ?? e.message}); make it writable or point the setting at another folder`);
  }
}

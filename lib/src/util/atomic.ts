import * as fs from 'fs';
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
 * Moves a fully written temporary folder into place (used for multi-file cache entries). The previous
 * entry, if any, is removed first; an interrupted call leaves either the old entry or none, never a mix.
 */
export function replaceDirAtomic(tmpDir: string, target: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (fs.existsSync(target)) {
    const trash = `${target}.old-${process.pid}-${Date.now()}`;
    fs.renameSync(target, trash);
    fs.renameSync(tmpDir, target);
    fs.rmSync(trash, { recursive: true, force: true });
  } else {
    fs.renameSync(tmpDir, target);
  }
}

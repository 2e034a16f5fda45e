import { assertWritableDir, removeStaleTemps } from '../util/atomic';
import { checkEnvironment } from '../util/env';
import { cacheDir, figuresDir } from '../util/paths';

/**
 * What a run checks before any work: every NETSTATS_* setting (all bad values at once), that the result cache and
 * figures folders can be written (else the first trained model would be lost at its save), and it removes the
 * temp files and folders that killed runs left there (those of live concurrent runs are kept). Returns the number
 * of leftovers removed; throws with every problem found.
 */
export function checkBeforeRun(log: (line: string) => void = () => undefined): number {
  const problems = checkEnvironment();
  for (const [dir, what] of [
    [cacheDir(), 'the result cache (NETSTATS_CACHE)'],
    [figuresDir(), 'the figures folder (NETSTATS_FIGURES)'],
  ] as const) {
    try {
      assertWritableDir(dir, what);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw new Error(`cannot start:\n  ${problems.join('\n  ')}`);
  const removed = [...removeStaleTemps(cacheDir(), 3), ...removeStaleTemps(figuresDir(), 2)];
  if (removed.length > 0) log(`removed ${removed.length} leftover temp file(s)/folder(s) of interrupted runs`);
  return removed.length;
}

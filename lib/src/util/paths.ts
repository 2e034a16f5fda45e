import * as fs from 'fs';
import * as path from 'path';
import { envValue } from './env';

/**
 * The repository root: the nearest folder above this file (or `start`) whose package.json is named "netstats".
 * Works from lib/src (tsx), lib/dist (compiled) and from notebooks (cwd = notebooks/).
 */
export function repoRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        const parsed = JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string };
        if (parsed.name === 'netstats') return dir;
      } catch {
        // not a readable package.json: keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`repoRoot: no package.json named "netstats" above ${start}`);
    dir = parent;
  }
}

/** `cache/` under the repo root (or `NETSTATS_CACHE`): trained models and results, gitignored. */
export function cacheDir(): string {
  return envValue('NETSTATS_CACHE') ?? path.join(repoRoot(), 'cache');
}

/** `figures/` under the repo root (or `NETSTATS_FIGURES`). */
export function figuresDir(): string {
  return envValue('NETSTATS_FIGURES') ?? path.join(repoRoot(), 'figures');
}

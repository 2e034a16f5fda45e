import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../util/atomic';
import { repoRoot } from '../util/paths';

/** Path of the full plotly.js bundle shipped by the plotly.js-dist package. */
export function plotlySourcePath(): string {
  try {
    return require.resolve('plotly.js-dist/plotly.js');
  } catch {
    throw new Error("plotly.js-dist is not installed: run 'npm ci' in the repository root");
  }
}

/**
 * The minified plotly bundle that every exported HTML figure shares (figures/plotly.min.js), made once with
 * esbuild (a dependency of tsx) and reused while the source bundle is unchanged.
 */
export function ensureMinifiedPlotly(figuresRoot: string): string {
  const target = path.join(figuresRoot, 'plotly.min.js');
  const source = plotlySourcePath();
  const stamp = `/* plotly.js-dist ${plotlyVersion()} */\n`;
  if (fs.existsSync(target) && fs.readFileSync(target, { encoding: 'utf8', flag: 'r' }).startsWith(stamp)) return target;
  // esbuild is resolved lazily: notebooks that only display inline never need it.
  const esbuild = require('esbuild') as { transformSync(code: string, options: { minify: boolean; loader: string }): { code: string } };
  const out = esbuild.transformSync(fs.readFileSync(source, 'utf8'), { minify: true, loader: 'js' });
  writeFileAtomic(target, stamp + out.code);
  return target;
}

export function plotlyVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(plotlySourcePath()), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The bundle text for inline notebook display (minified if available, else the full one). */
export function plotlyBundleText(): string {
  try {
    return fs.readFileSync(ensureMinifiedPlotly(path.join(repoRoot(), 'figures')), 'utf8');
  } catch {
    return fs.readFileSync(plotlySourcePath(), 'utf8');
  }
}

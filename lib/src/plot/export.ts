import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../util/atomic';
import { envChromium } from '../util/env';
import { ensureMinifiedPlotly } from './bundle';
import type { Figure } from './types';

/** Chromium flags for a closed network: without the background-networking ones it keeps dialling out. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/**
 * Where Chromium is: NETSTATS_CHROMIUM (which must then be a working Chromium: no silent fallback to another
 * browser), else Debian's /usr/bin/chromium.
 */
export function chromiumPath(): string {
  const fromEnv = envChromium();
  if (fromEnv !== undefined) return fromEnv;
  const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p): p is string => typeof p === 'string' && p !== '',
  );
  for (const p of candidates) if (fs.existsSync(p)) return p;
  throw new Error(
    `Chromium not found (looked at ${candidates.join(', ')}). On Debian/Ubuntu: 'sudo apt-get install chromium'; ` +
      'elsewhere install Chromium or Chrome and set NETSTATS_CHROMIUM to its executable.',
  );
}

export interface ExportResult {
  figure: string;
  png: string;
  svg: string;
  elapsedMs: number;
}

/** All figure specs (figures/<notebook>/<name>.json) under `root`, optionally only those of some notebooks. */
export function listFigureSpecs(root: string, notebooks?: readonly string[]): string[] {
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  for (const nb of fs.readdirSync(root).sort()) {
    const dir = path.join(root, nb);
    if (!fs.statSync(dir).isDirectory() || (notebooks && !notebooks.includes(nb))) continue;
    for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.json')) out.push(path.join(dir, f));
  }
  return out;
}

interface PageLike {
  addScriptTag(options: { path: string }): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  setContent(html: string): Promise<void>;
}
interface BrowserLike {
  newPage(): Promise<PageLike>;
  close(): Promise<void>;
}
interface ChromiumLauncher {
  launch(options: { executablePath: string; args: string[]; headless: boolean }): Promise<BrowserLike>;
}

/**
 * Renders figure specs to PNG and SVG next to them, with one headless Chromium for the whole run. Files are
 * written atomically. The shared minified bundle figures/plotly.min.js (used by the HTML files) is ensured too.
 */
export async function exportFigures(
  specFiles: readonly string[],
  options: { figuresRoot: string; pngScale?: number; log?: (line: string) => void },
): Promise<ExportResult[]> {
  const bundle = ensureMinifiedPlotly(options.figuresRoot);
  if (specFiles.length === 0) return [];
  const { chromium } = require('playwright-core') as { chromium: ChromiumLauncher };
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], headless: true });
  const results: ExportResult[] = [];
  try {
    const page = await browser.newPage();
    await page.setContent('<!DOCTYPE html><html><body><div id="g"></div></body></html>');
    await page.addScriptTag({ path: bundle });
    for (const spec of specFiles) {
      const start = Date.now();
      let figure: Figure;
      try {
        figure = JSON.parse(fs.readFileSync(spec, 'utf8')) as Figure;
      } catch (err) {
        throw new Error(`exportFigures: ${spec} is not valid figure JSON (${(err as Error).message})`);
      }
      const width = figure.layout.width ?? 800;
      const height = figure.layout.height ?? 500;
      const images = await page.evaluate(
        async (arg: { fig: Figure; width: number; height: number; scale: number }) => {
          const P = (window as unknown as { Plotly: { toImage(f: unknown, o: object): Promise<string> } }).Plotly;
          const f = { data: arg.fig.data, layout: arg.fig.layout };
          const png = await P.toImage(f, { format: 'png', width: arg.width, height: arg.height, scale: arg.scale });
          const svg = await P.toImage(f, { format: 'svg', width: arg.width, height: arg.height });
          return { png, svg };
        },
        { fig: figure, width, height, scale: options.pngScale ?? 2 },
      );
      const base = spec.slice(0, -'.json'.length);
      const pngData = Buffer.from(images.png.replace(/^data:image\/png;base64,/, ''), 'base64');
      const svgData = decodeURIComponent(images.svg.replace(/^data:image\/svg\+xml,/, ''));
      writeFileAtomic(`${base}.png`, pngData);
      writeFileAtomic(`${base}.svg`, svgData);
      const r = { figure: spec, png: `${base}.png`, svg: `${base}.svg`, elapsedMs: Date.now() - start };
      results.push(r);
      options.log?.(`  exported ${path.relative(options.figuresRoot, base)}.{png,svg} (${r.elapsedMs} ms)`);
    }
  } finally {
    await browser.close();
  }
  return results;
}

import { escapeHtml } from '../util';
import type { Figure } from './types';

/** JSON that is safe inside a <script> element (no '</script>' break-out). */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const CONFIG = { responsive: true, displaylogo: false };

/** A <div> plus the script that draws the figure into it (needs window.Plotly). */
export function figureSnippet(figure: Figure, divId: string): string {
  return (
    `<div id="${escapeHtml(divId)}" class="netstats-figure"></div>\n` +
    `<script>(function(){var f=${scriptSafeJson(figure)};` +
    `function draw(){window.Plotly.newPlot(${JSON.stringify(divId)},f.data,f.layout,${JSON.stringify(CONFIG)});}` +
    `if(window.Plotly){draw();}else{window.addEventListener('load',draw);}})();</script>`
  );
}

/** A standalone page that loads the shared bundle from a relative path (works offline from file://). */
export function standaloneHtml(figure: Figure, title: string, bundleHref: string): string {
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>\n` +
    `<script src="${escapeHtml(bundleHref)}"></script></head>\n<body>\n${figureSnippet(figure, 'figure')}\n</body></html>\n`
  );
}

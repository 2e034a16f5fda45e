import MarkdownIt from 'markdown-it';
import { escapeHtml } from '../util/html';

/**
 * One executed notebook as one standalone HTML page (figures/<notebook>/<notebook>.html), so that a reader without
 * Node or Jupyter can read the whole story: markdown cells, code (folded), and every output: tables, text and the
 * interactive figures. The figures' plotly bundle is loaded from the shared figures/plotly.min.js (the notebook
 * outputs carry it inline once per notebook; that 3-4 MB copy is dropped here).
 *
 * Markdown is rendered with markdown-it (CommonMark + GFM tables), the renderer Jupyter's own front ends use.
 */

interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[] | undefined>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
interface NotebookCell {
  cell_type: string;
  source: string | string[];
  outputs?: NotebookOutput[];
}
export interface NotebookJson {
  cells: NotebookCell[];
}

const markdown = new MarkdownIt({ html: true, linkify: false, typographer: false });
const joined = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : (s ?? ''));
// Terminal colour codes in tracebacks.
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

/** Drops the inline plotly bundle that precedes a notebook's first figure (the page loads the shared one). */
export function withoutInlineBundle(html: string): string {
  if (!html.startsWith('<script>')) return html;
  const figure = html.indexOf('<div id="netstats-');
  return figure > 0 ? html.slice(figure) : html;
}

/** Consecutive stream outputs of the same stream as one (the kernel sends progress lines one message each). */
function mergeStreams(outputs: readonly NotebookOutput[]): NotebookOutput[] {
  const merged: NotebookOutput[] = [];
  for (const out of outputs) {
    const last = merged[merged.length - 1];
    if (out.output_type === 'stream' && last?.output_type === 'stream' && last.name === out.name) {
      merged[merged.length - 1] = { ...last, text: joined(last.text) + joined(out.text) };
    } else merged.push(out);
  }
  return merged;
}

function renderOutput(out: NotebookOutput): string {
  if (out.output_type === 'stream') {
    const text = stripAnsi(joined(out.text));
    if (text.trim() === '') return '';
    if (out.name !== 'stderr') return `<pre class="stream stdout">${escapeHtml(text)}</pre>`;
    // stderr carries progress bars and logs: folded, with its line count.
    const lines = text.trimEnd().split('\n').length;
    return `<details class="log"><summary>log (${lines} line${lines === 1 ? '' : 's'})</summary><pre class="stream stderr">${escapeHtml(text)}</pre></details>`;
  }
  if (out.output_type === 'error') {
    return `<pre class="error">${escapeHtml(stripAnsi([`${out.ename ?? ''}: ${out.evalue ?? ''}`, ...(out.traceback ?? [])].join('\n')))}</pre>`;
  }
  const data = out.data ?? {};
  if (data['text/html'] !== undefined) return `<div class="output-html">${withoutInlineBundle(joined(data['text/html']))}</div>`;
  if (data['text/markdown'] !== undefined) return `<div class="output-markdown">${markdown.render(joined(data['text/markdown']))}</div>`;
  if (data['image/png'] !== undefined) return `<img alt="figure" src="data:image/png;base64,${joined(data['image/png']).trim()}">`;
  if (data['image/svg+xml'] !== undefined) return joined(data['image/svg+xml']);
  if (data['text/plain'] !== undefined) return `<pre class="stream stdout">${escapeHtml(joined(data['text/plain']))}</pre>`;
  return '';
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #222; }
header { border-bottom: 1px solid #ddd; margin-bottom: 1.5em; color: #555; font-size: 0.9em; }
pre { background: #f6f8fa; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
pre.stderr { color: #666; } pre.error { background: #fdecea; color: #8a1f11; }
details.code > summary, details.log > summary { cursor: pointer; color: #777; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; } td, th { border: 1px solid #ddd; padding: 0.2em 0.5em; }
.netstats-figure { min-height: 300px; }
.output-html, .output-markdown { overflow-x: auto; }
`;

/** The page: `bundleHref` is the path of plotly.min.js relative to the page. */
export function notebookPageHtml(nb: NotebookJson, options: { title: string; subtitle: string; bundleHref: string }): string {
  const body: string[] = [];
  for (const cell of nb.cells) {
    const source = joined(cell.source);
    if (cell.cell_type === 'markdown') body.push(`<section class="markdown">${markdown.render(source)}</section>`);
    else if (cell.cell_type === 'code') {
      const outputs = mergeStreams(cell.outputs ?? []).map(renderOutput).filter((s) => s !== '');
      body.push(
        `<section class="code"><details class="code"><summary>code</summary><pre>${escapeHtml(source)}</pre></details>\n${outputs.join('\n')}</section>`,
      );
    }
  }
  return [
    '<!DOCTYPE html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title>`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<style>${STYLE}</style>`,
    `<script src="${escapeHtml(options.bundleHref)}"></script></head>`,
    `<body><header>${escapeHtml(options.subtitle)}</header>`,
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

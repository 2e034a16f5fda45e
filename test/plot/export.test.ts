import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { exportFigures, listFigureSpecs } from '../../lib/src/plot/export';
import { lineChart } from '../../lib/src/plot/builders';
import { notebook } from '../../lib/src/report/notebook';

function pngSize(buf: Buffer): { width: number; height: number } {
  assert.equal(buf.subarray(1, 4).toString('ascii'), 'PNG', 'not a PNG file');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

describe('plot/export (headless Chromium)', function () {
  this.timeout(120000);
  it('writes JSON + HTML per figure and renders PNG + SVG with one browser', async function () {
    if (!fs.existsSync('/usr/bin/chromium') && !process.env['NETSTATS_CHROMIUM']) {
      console.log('    (skipped: no Chromium; apt-get install chromium)');
      this.skip();
    }
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-export-'));
    const nb = notebook('99-export-test', { figuresRoot: root });
    nb.show(lineChart({ title: 'line', width: 300, height: 200, series: [{ name: 'a', x: [1, 2], y: [3, 4] }] }), 'a');
    nb.show(lineChart({ title: 'line b', width: 320, height: 240, series: [{ name: 'b', x: [1, 2], y: [4, 3] }] }), 'b');
    const specs = listFigureSpecs(root);
    assert.equal(specs.length, 2);
    const results = await exportFigures(specs, { figuresRoot: root, pngScale: 1 });
    assert.equal(results.length, 2);
    assert.deepEqual(pngSize(fs.readFileSync(path.join(root, '99-export-test', 'a.png'))), { width: 300, height: 200 });
    assert.deepEqual(pngSize(fs.readFileSync(path.join(root, '99-export-test', 'b.png'))), { width: 320, height: 240 });
    const svg = fs.readFileSync(path.join(root, '99-export-test', 'a.svg'), 'utf8');
    assert.match(svg, /^<svg[^>]*width="300"/);
    assert.match(svg, /line/);
    const html = fs.readFileSync(path.join(root, '99-export-test', 'a.html'), 'utf8');
    assert.match(html, /<script src="\.\.\/plotly\.min\.js"><\/script>/);
    const bundle = fs.statSync(path.join(root, 'plotly.min.js')).size;
    assert.ok(bundle > 1e6 && bundle < 8e6, `minified bundle is ${bundle} bytes`);
  });

  it('rejects figure names that are not safe file names', () => {
    const nb = notebook('99-export-test', { figuresRoot: fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-export-')) });
    assert.throws(() => nb.show(lineChart({ series: [] }), '../evil'), /figure name '..\/evil' must be/);
  });
});

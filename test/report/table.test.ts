import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { htmlTable, toCsv, toDataFrame, writeCsv, textTable, type Row } from '../../lib/src/report/table';

describe('report/table', () => {
  const rows: Row[] = [
    { model: 'lenet', acc: 0.981, note: 'has, comma' },
    { model: 'vgg "small"', acc: Number.NaN, extra: true },
  ];
  it('writes RFC 4180 CSV with the union of columns', () => {
    assert.equal(toCsv(rows), 'model,acc,note,extra\nlenet,0.981,"has, comma",\n"vgg ""small""",nan,,true\n');
  });
  it('writes CSV atomically to disk', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-csv-')), 'r.csv');
    writeCsv(rows, file);
    assert.equal(fs.readFileSync(file, 'utf8'), toCsv(rows));
  });
  it('builds a danfo DataFrame with the same shape', function () {
    this.timeout(60000);
    const df = toDataFrame(rows);
    assert.deepEqual(df.shape, [2, 4]);
    assert.deepEqual(df.columns, ['model', 'acc', 'note', 'extra']);
  });
  it('formats a text table', () => {
    assert.match(textTable(rows), /^model\s+acc\s+note\s+extra\n/);
  });
  it('shows the first rows as HTML and says how many more are in the CSV', () => {
    const html = htmlTable(rows, 1, 'figures/x/runs.csv');
    assert.equal((html.match(/<tr>/g) ?? []).length, 2, 'header and one row');
    assert.ok(html.includes('<td>lenet</td>') && !html.includes('vgg'));
    assert.ok(html.endsWith('<p>1 more rows in <code>figures/x/runs.csv</code>.</p>'), html);
  });
  it('never shows an empty table: maxRows 0 or no rows give one line about the table instead', () => {
    const many: Row[] = Array.from({ length: 6 }, (_, i) => ({ a: i, b: i, c: i, d: i, e: i, f: i, g: i }));
    const html = htmlTable(many, 0, 'figures/03/widths-mnist.csv');
    assert.ok(!html.includes('<table') && !html.includes('<tr'), html);
    assert.equal(html, '<p class="netstats-table">6 rows × 7 columns (a, b, c, d, e, f, …): all in <code>figures/03/widths-mnist.csv</code>.</p>');
    assert.equal(textTable(many, 0, 'w.csv'), '6 rows × 7 columns (a, b, c, d, e, f, …): all in w.csv.');
    assert.equal(htmlTable([], 20), '<p class="netstats-table">0 rows × 0 columns: nothing to show.</p>');
  });
});

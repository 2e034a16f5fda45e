import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { toCsv, toDataFrame, writeCsv, textTable, type Row } from '../../lib/src/report/table';

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
});

import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cellDifference, compareNotebook, parseCsv } from '../../scripts/compare-csv';
import { toCsv } from '../../lib/src/report/table';

describe('scripts/compare-csv: CSV tables of two runs, cell by cell', () => {
  it('reads back what toCsv writes, quoted commas, quotes and newlines included', () => {
    const rows = [{ a: 'x, "y"', b: 1.5, c: 'two\nlines' }, { a: 'plain', b: NaN, c: null }];
    assert.deepEqual(parseCsv(toCsv(rows)), [['a', 'b', 'c'], ['x, "y"', '1.5', 'two\nlines'], ['plain', 'nan', '']]);
  });

  it('differences: relative to the larger magnitude; NaN equals NaN; text or a missing number cannot be compared', () => {
    assert.deepEqual(cellDifference('2', '2.5'), { absolute: 0.5, relative: 0.2 });
    assert.deepEqual(cellDifference('nan', 'nan'), { absolute: 0, relative: 0 });
    assert.deepEqual(cellDifference('1e-3', '0.001'), { absolute: 0, relative: 0 });
    assert.equal(cellDifference('sgd', 'adam').relative, Infinity);
    assert.equal(cellDifference('', '0').relative, Infinity);
  });

  it('counts equal cells, cells within the tolerance and the largest difference; timing columns and missing files apart', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-compare-csv-'));
    try {
      const a = path.join(root, 'a');
      const b = path.join(root, 'b');
      fs.mkdirSync(a);
      fs.mkdirSync(b);
      fs.writeFileSync(path.join(a, 't.csv'), 'name,value,trainSeconds\nx,1,3.5\ny,100,2\nz,NaN,1\n');
      fs.writeFileSync(path.join(b, 't.csv'), 'name,value,trainSeconds\nx,1,9\ny,100.001,4\nz,NaN,1\n');
      fs.writeFileSync(path.join(a, 'only-a.csv'), 'k\n1\n');
      const loose = compareNotebook('nb', a, b, { rtol: 1e-6, atol: 0 });
      assert.equal(loose.files, 1);
      assert.equal(loose.cells, 6);
      assert.equal(loose.equal, 5);
      assert.equal(loose.within, 5, 'equal cells, NaN = NaN included, are within the tolerance');
      assert.equal(loose.timingCells, 3);
      assert.ok(Math.abs(loose.maxRelative - 0.001 / 100.001) < 1e-12);
      assert.deepEqual(loose.problems, ['only-a.csv: only in A', 't.csv: 1 cell(s) differ beyond the tolerance']);
      assert.equal(compareNotebook('nb', a, b, { rtol: 1e-6, atol: 2e-3 }).within, 6);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

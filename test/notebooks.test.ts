/**
 * Every notebook is committed without outputs, with an id on every cell, and executes at tiny scale in real Jupyter (nbclient + tslab).
 * Figures of these runs go to a temporary folder so the committed quick/full-scale figures stay untouched.
 * Requires the library to be built (`npm test` builds it first).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listNotebooks, notebookIsClean, runNotebook } from '../lib/src/cli/notebooks';
import { repoRoot } from '../lib/src/util/paths';

const root = repoRoot();
const notebooks = listNotebooks(root);

describe('notebooks', function () {
  this.timeout(15 * 60 * 1000);
  const figuresRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-nb-figures-'));

  it('are committed without outputs', () => {
    assert.ok(notebooks.length > 0, 'no notebooks found');
    for (const nb of notebooks) {
      const { clean, dirtyCells } = notebookIsClean(nb);
      assert.ok(clean, `${path.basename(nb)} has outputs in cells ${dirtyCells.join(', ')}: clear them before committing`);
    }
  });

  it('give every cell a unique id (nbformat 4.5 requires one; a missing id is a warning now and an error later)', () => {
    for (const nb of notebooks) {
      const cells = (JSON.parse(fs.readFileSync(nb, 'utf8')) as { cells: { id?: unknown }[] }).cells;
      const missing = cells.flatMap((c, i) => (typeof c.id === 'string' && c.id.length > 0 ? [] : [i]));
      assert.deepEqual(missing, [], `${path.basename(nb)}: cells without an id: ${missing.join(', ')}`);
      const ids = cells.map((c) => c.id);
      assert.equal(new Set(ids).size, ids.length, `${path.basename(nb)}: duplicate cell ids`);
    }
  });

  for (const nb of notebooks) {
    it(`${path.basename(nb)} executes at tiny scale`, async () => {
      const run = await runNotebook(root, nb, {
        env: { NETSTATS_SCALE: 'tiny', NETSTATS_FIGURES: figuresRoot, NETSTATS_QUIET: '1' },
      });
      assert.ok(run.ok, `${path.basename(nb)} failed:\n${run.output.split('\n').slice(-60).join('\n')}`);
    });
  }
});

/**
 * A cell that prints many lines without ever awaiting (a long synchronous training with progress, a loop of
 * console.log) must complete with every line delivered in order, and the kernel must live on. zeromq.js, under
 * tslab, sends at most 512 messages on a socket before it hands one to the event loop and throws EBUSY on the next:
 * without jupyter/kernels/tslab/zmq-send-queue.cjs this cell failed after about 500 lines and the kernel died.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { runNotebook } from '../../lib/src/cli/notebooks';
import { repoRoot } from '../../lib/src/util/paths';
import { tempDir } from './helpers';

describe('reliability: kernel output bursts', function () {
  this.timeout(120_000);

  it('a cell printing 1500 lines in one synchronous loop delivers them all, in order, and the next cell runs', async () => {
    const dir = tempDir('burst');
    try {
      const cells = [
        "for (let i = 0; i < 1500; i++) process.stdout.write(`line ${i}\\n`);\nconsole.log('done writing');",
        "console.log('next cell runs');",
      ];
      const notebook = {
        cells: cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null })),
        metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
        nbformat: 4,
        nbformat_minor: 5,
      };
      const file = path.join(dir, 'burst.ipynb');
      const executed = path.join(dir, 'burst.out.ipynb');
      fs.writeFileSync(file, JSON.stringify(notebook));
      const run = await runNotebook(repoRoot(), file, { executedOut: executed });
      assert.ok(run.ok, `the notebook failed:\n${run.output.split('\n').filter((l) => !l.startsWith('line ')).slice(-30).join('\n')}`);
      const out = JSON.parse(fs.readFileSync(executed, 'utf8')) as { cells: { outputs: { text?: string | string[] }[] }[] };
      const text = (i: number): string => (out.cells[i]?.outputs ?? []).map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text ?? '')).join('');
      const lines = text(0).split('\n').filter((l) => l.startsWith('line '));
      assert.equal(lines.length, 1500);
      lines.forEach((l, i) => assert.equal(l, `line ${i}`));
      assert.match(text(0), /done writing/);
      assert.match(text(1), /next cell runs/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

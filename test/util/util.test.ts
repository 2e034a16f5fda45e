import { notebookWriteAllowed, yieldToEventLoop } from '../../lib/src/util/progress';
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { createRng } from '../../lib/src/util/random';
import { writeFileAtomic } from '../../lib/src/util/atomic';
import { scaleFromEnv } from '../../lib/src/util/scale';
import { insideNotebookKernel } from '../../lib/src/util/notebookKernel';
import { createProgress, type ProgressOptions } from '../../lib/src/util/progress';

describe('util/random', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = Array.from({ length: 5 }, () => a.next());
    const xb = Array.from({ length: 5 }, () => b.next());
    const xc = Array.from({ length: 5 }, () => c.next());
    assert.deepEqual(xa, xb);
    assert.notDeepEqual(xa, xc);
  });
  it('draws uniforms with mean 1/2 and normals with mean 0, sd 1', () => {
    const r = createRng(7);
    const n = 200000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      assert.ok(u >= 0 && u < 1);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    assert.ok(Math.abs(su / n - 0.5) < 0.005);
    assert.ok(Math.abs(sn / n) < 0.01);
    assert.ok(Math.abs(Math.sqrt(sn2 / n) - 1) < 0.01);
  });
  it('permutation is a permutation', () => {
    const p = Array.from(createRng(1).permutation(1000)).sort((x, y) => x - y);
    assert.deepEqual(p, Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('util/atomic', () => {
  it('writes the whole file and leaves no temp file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-atomic-'));
    const target = path.join(dir, 'sub', 'a.txt');
    writeFileAtomic(target, 'hello');
    writeFileAtomic(target, 'world');
    assert.equal(fs.readFileSync(target, 'utf8'), 'world');
    assert.deepEqual(fs.readdirSync(path.dirname(target)), ['a.txt']);
  });
});

describe('util/scale', () => {
  it('defaults to quick and rejects unknown scales by name', () => {
    assert.equal(scaleFromEnv({}), 'quick');
    assert.equal(scaleFromEnv({ NETSTATS_SCALE: 'tiny' }), 'tiny');
    assert.equal(scaleFromEnv({ NETSTATS_SCALE: 'standard' }), 'standard');
    assert.throws(() => scaleFromEnv({ NETSTATS_SCALE: 'huge' }), /NETSTATS_SCALE must be one of tiny, quick, standard, full; got 'huge'/);
  });
});

/** A writable that records what was written, optionally claiming to be a TTY. */
function recorder(isTTY: boolean): { stream: NonNullable<ProgressOptions['stream']>; text: () => string; writes: () => number } {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc: string, done: () => void) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => chunks.join(''), writes: () => chunks.length };
}

/**
 * What the Jupyter notebook (6.4) shows for a stream's text: its fixCarriageReturn, copied from
 * notebook/static/base/js/utils.js. A carriage return overwrites character by character, like a terminal.
 */
function jupyterRendered(text: string): string {
  let txt = text.replace(/\r+\n/gm, '\n');
  while (txt.search(/\r[^$]/g) > -1) {
    const base = (txt.match(/^(.*)\r+/m) as RegExpMatchArray)[1] as string;
    let insert = (txt.match(/\r+(.*)$/m) as RegExpMatchArray)[1] as string;
    insert = insert + base.slice(insert.length, base.length);
    txt = txt.replace(/\r+.*$/m, '\r').replace(/^.*\r/m, insert);
  }
  return txt;
}

describe('util/progress', () => {
  it('in a notebook: one stdout line redrawn in place, no terminal codes, throttled', () => {
    const out = recorder(false);
    const p = createProgress({ label: 'mnist w=16', total: 1000, unit: 'steps', stream: out.stream, mode: 'notebook', quiet: false });
    for (let i = 1; i <= 1000; i++) p.update(i, `loss ${(1 / i).toFixed(3)}`);
    p.finish('done');
    const text = out.text();
    assert.ok(!text.includes('\x1b'), 'ANSI codes would show as junk in Jupyter');
    assert.equal(text.split('\n').length - 1, 1, 'only the final line ends with a newline');
    // the loop takes well under a redraw interval: the first update, the last (done = total) and the final line
    assert.ok(out.writes() <= 3, `${out.writes()} writes`);
    const shown = jupyterRendered(text).trimEnd();
    assert.match(shown, /^mnist w=16 \[#{20}\] 1000\/1000 steps in \d+s \| done$/);
  });

  it('in a notebook: nested bars (a study and a model it trains) leave no leftovers of each other\'s line', async () => {
    const out = recorder(false);
    const study = createProgress({ label: 'activation variance mnist (tiny)', total: 100, unit: '% of work', stream: out.stream, mode: 'notebook', quiet: false });
    study.update(10, 'w=16 test acc 47.10%');
    const model = createProgress({ label: 'mnist w=32 x2', total: 16, unit: 'steps', stream: out.stream, mode: 'notebook', quiet: false });
    model.update(3);
    model.finish('loss 1.81');
    study.update(100);
    study.finish();
    const shown = jupyterRendered(out.text()).split('\n').map((l) => l.trimEnd());
    assert.equal(shown.length, 3, JSON.stringify(shown));
    assert.match(shown[0] as string, /^mnist w=32 x2 \[#{20}\] 16\/16 steps in \d+s \| loss 1\.81$/);
    assert.match(shown[1] as string, /^activation variance mnist \(tiny\) \[#{20}\] 100\/100 % of work in \d+s$/);
  });

  it('in a terminal: redraws with an erase code; in a log: plain lines at most every minIntervalMs', () => {
    const tty = recorder(true);
    const t = createProgress({ label: 'a', total: 4, stream: tty.stream, quiet: false });
    t.update(1);
    t.finish();
    assert.ok(tty.text().startsWith('\ra [#####---------------] 1/4'));
    assert.ok(tty.text().includes('\x1b[K'));
    const log = recorder(false);
    const l = createProgress({ label: 'b', total: 4, stream: log.stream, minIntervalMs: 60_000, quiet: false });
    for (let i = 1; i <= 4; i++) l.update(i);
    l.finish();
    const lines = log.text().split('\n').filter((x) => x.length > 0);
    assert.equal(lines.length, 2);
    assert.ok(lines.every((x) => !x.includes('\r') && !x.includes('\x1b')));
    assert.match(lines[1] as string, /^b \[#{20}\] 4\/4 in \d+s$/);
  });

  it('is silent when quiet', () => {
    const out = recorder(true);
    const p = createProgress({ label: 'q', total: 2, stream: out.stream, quiet: true });
    p.update(1);
    p.finish();
    assert.equal(out.writes(), 0);
  });

  it('knows a notebook kernel by the display hook tslab sets when its kernel runs', () => {
    assert.equal(insideNotebookKernel(), false, 'no kernel runs here');
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
    assert.equal(insideNotebookKernel(), false, 'loaded but no kernel running');
    jupyter.lastWriteDisplayData = () => undefined;
    try {
      assert.equal(insideNotebookKernel(), true);
    } finally {
      jupyter.lastWriteDisplayData = null;
    }
  });
});

describe('util/progress: notebook write budget', () => {
  it('allows at most 200 redraws and 400 writes in all per turn of the event loop, and resets when the loop turns', async () => {
    await yieldToEventLoop();
    let redraws = 0;
    while (notebookWriteAllowed(false) && redraws < 1000) redraws++;
    assert.equal(redraws, 200);
    let finals = 0;
    while (notebookWriteAllowed(true) && finals < 1000) finals++;
    assert.equal(finals, 200, 'final lines share the budget up to 400 writes');
    await yieldToEventLoop();
    assert.equal(notebookWriteAllowed(false), true);
  });
});

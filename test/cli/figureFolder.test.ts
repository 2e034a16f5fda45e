import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { figuresReadme, readManifest, removeFigureSpecs, removeStaleFigures, type Manifest } from '../../lib/src/cli/figureFolder';

describe('cli/figureFolder', () => {
  let dir = '';
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-figfolder-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const touch = (...names: string[]): void => { for (const n of names) fs.writeFileSync(path.join(dir, n), n); };

  it('removes the figures an earlier run drew and this one did not; keeps tables, the page and current figures', () => {
    touch('a.png', 'a.svg', 'a.html', 'a.json', 'old-sgd.png', 'old-sgd.svg', 'old-sgd.html', 'nb.html', 'runs.csv');
    const removed = removeStaleFigures(dir, 'nb', ['a']);
    assert.deepEqual(removed, ['old-sgd.html', 'old-sgd.png', 'old-sgd.svg']);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['a.html', 'a.json', 'a.png', 'a.svg', 'nb.html', 'runs.csv']);
    assert.deepEqual(removeStaleFigures(path.join(dir, 'absent'), 'nb', []), []);
  });

  it('removes the specs of a notebook before it runs, nothing else', () => {
    touch('a.json', 'b.json', 'a.png', 'runs.csv');
    removeFigureSpecs(dir);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['a.png', 'runs.csv']);
  });

  it('the README lists every run and the notes of the runs that have one', () => {
    const manifest: Manifest = {
      '03-x': { scale: 'standard', finishedAt: '2026-12-03T17:55:29Z', elapsedMs: 1_632_000, figures: ['f1', 'f2'], commit: 'bddc352', note: 'from an empty cache, 27m12s.' },
      '01-y': { scale: 'quick', finishedAt: '2026-12-03T15:03:28Z', elapsedMs: 60_000, figures: ['g'] },
    };
    const text = figuresReadme(manifest);
    const rows = text.split('\n').filter((l) => l.startsWith('| 0'));
    assert.deepEqual(rows, ['| 01-y | quick | 2026-12-03T15:03:28Z | 1m00s | not recorded | 1 |', '| 03-x | standard | 2026-12-03T17:55:29Z | 27m12s | bddc352 | 2 |']);
    assert.match(text, /^- \*\*03-x\*\*: from an empty cache, 27m12s\.$/m);
    assert.doesNotMatch(text, /\*\*01-y\*\*/);
    assert.doesNotMatch(figuresReadme({ '01-y': manifest['01-y'] as Manifest[string] }), /Notes on the runs/);
  });

  it('names the manifest file when it is not JSON', () => {
    const file = path.join(dir, 'manifest.json');
    fs.writeFileSync(file, '{"a": ');
    assert.throws(() => readManifest(file), new RegExp(`manifest ${file.replace(/[/.]/g, '\\$&')} is not valid JSON`));
    assert.deepEqual(readManifest(path.join(dir, 'none.json')), {});
  });
});

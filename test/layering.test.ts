import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';

// The areas of lib/src from the bottom up: an area may import values only from its own level or below. Type-only
// imports may point up (a result type named in a signature); import cycles are checked by `npm run check:cycles`.
const LAYERS: readonly (readonly string[])[] = [
  ['util'],
  ['backend'],
  ['data'],
  ['models', 'stats'],
  ['probe'],
  ['train'],
  ['store'],
  ['plot'],
  ['report'],
  ['experiments'],
  ['queue'],
  ['cli'],
];
const SRC = path.join(__dirname, '..', 'lib', 'src');

function levelOf(area: string): number {
  const level = LAYERS.findIndex((l) => l.includes(area));
  assert.ok(level >= 0, `lib/src/${area} is in no layer of test/layering.test.ts`);
  return level;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative module specifiers of the value imports and re-exports of a source text (type-only ones left out). */
export function valueImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^;]*?)\s+from\s+'(\.[^']*)'/gms)) {
    const [, , typeOnly, clause = '', spec = ''] = m;
    if (typeOnly) continue;
    const braces = /^\{([^}]*)\}$/.exec(clause.trim());
    if (braces && braces[1]!.split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '))) continue;
    out.push(spec);
  }
  return out;
}

describe('lib/src layering', () => {
  it('finds value imports and skips type-only ones', () => {
    const text = "import { a, type B } from './x';\nimport type { C } from '../y';\nimport { type D } from './z';\nexport * from './w';\nimport * as tf from '@tensorflow/tfjs';";
    assert.deepEqual(valueImports(text), ['./x', './w']);
  });

  it('no area imports a value from an area above it', () => {
    const violations: string[] = [];
    for (const file of tsFiles(SRC)) {
      const area = path.relative(SRC, file).split(path.sep)[0]!;
      if (area.endsWith('.ts')) continue; // lib/src/index.ts, the public face, re-exports from every area
      for (const spec of valueImports(fs.readFileSync(file, 'utf8'))) {
        const target = path.relative(SRC, path.resolve(path.dirname(file), spec)).split(path.sep)[0]!;
        if (levelOf(target) > levelOf(area)) violations.push(`${path.relative(SRC, file)} imports ${spec}`);
      }
    }
    assert.deepEqual(violations, []);
  });
});

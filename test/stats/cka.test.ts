import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { linearCKA } from '../../lib/src/stats/cka';
import type { DenseMatrix } from '../../lib/src/stats/validate';
import { createRng } from '../../lib/src/util/random';

interface CkaCase {
  name: string;
  n: number;
  p: number;
  q: number;
  x: number[][];
  y: number[][];
  cka: number;
  ckaDebiased: number;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/stats/cka.json'), 'utf8')) as {
  cases: CkaCase[];
};

function assertClose(actual: number, expected: number, rtol: number, what: string, atol = 0): void {
  const ok = actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected) + atol;
  assert.ok(ok, `${what}: got ${actual}, expected ${expected}`);
}

function randomMatrix(seed: number, rows: number, cols: number): DenseMatrix {
  const rng = createRng(seed);
  return { data: Float64Array.from({ length: rows * cols }, () => rng.normal()), rows, cols };
}

/** A random orthogonal p x p matrix: Gram-Schmidt on normal columns. */
function randomOrthogonal(seed: number, p: number): Float64Array {
  const rng = createRng(seed);
  const q = new Float64Array(p * p); // column-major columns q_j
  for (let j = 0; j < p; j++) {
    const v = Float64Array.from({ length: p }, () => rng.normal());
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < p; i++) dot += (v[i] as number) * (q[k * p + i] as number);
      for (let i = 0; i < p; i++) v[i] = (v[i] as number) - dot * (q[k * p + i] as number);
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < p; i++) q[j * p + i] = (v[i] as number) / norm;
  }
  return q;
}

/** X Q for X n x p row-major and Q given column-major (so (XQ)[r][j] = sum_i X[r][i] q_j[i]). */
function times(x: DenseMatrix, q: Float64Array): DenseMatrix {
  const { rows, cols } = x;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let i = 0; i < cols; i++) s += (x.data[r * cols + i] as number) * (q[j * cols + i] as number);
      out[r * cols + j] = s;
    }
  }
  return { data: out, rows, cols };
}

describe('stats/cka: linearCKA vs Kornblith et al. reference (Gram-matrix code, numpy)', () => {
  for (const c of fixture.cases) {
    it(`${c.name}: biased and debiased, both methods, number[][] and row-major input`, () => {
      const dense: DenseMatrix = { data: Float32Array.from(c.x.flat()), rows: c.n, cols: c.p };
      for (const method of ['features', 'gram', 'auto'] as const) {
        assertClose(linearCKA(c.x, c.y, { method }), c.cka, 1e-6, `CKA (${method})`);
        assertClose(linearCKA(c.x, c.y, { debiased: true, method }), c.ckaDebiased, 1e-6, `debiased CKA (${method})`, 1e-12);
      }
      // Float32 storage rounds X; still close at float32 precision.
      assertClose(linearCKA(dense, c.y), c.cka, 1e-5, 'CKA from Float32Array');
    });
  }
});

describe('stats/cka: properties', () => {
  const x = randomMatrix(1, 40, 6);
  const y = randomMatrix(2, 40, 9);
  it('CKA(X, X) = 1 (biased and debiased) and CKA is symmetric', () => {
    for (const debiased of [false, true]) {
      assertClose(linearCKA(x, x, { debiased }), 1, 1e-12, `CKA(X,X) debiased=${debiased}`);
      assertClose(linearCKA(x, y, { debiased }), linearCKA(y, x, { debiased }), 1e-12, 'symmetry');
    }
  });
  it('is invariant to orthogonal transforms and isotropic scaling of X', () => {
    const q = randomOrthogonal(3, 6);
    const xq = times(x, q);
    const scaled: DenseMatrix = { data: (x.data as Float64Array).map((v) => -7.5 * v), rows: 40, cols: 6 };
    for (const debiased of [false, true]) {
      const base = linearCKA(x, y, { debiased });
      assertClose(linearCKA(xq, y, { debiased }), base, 1e-10, `orthogonal, debiased=${debiased}`);
      assertClose(linearCKA(scaled, y, { debiased }), base, 1e-10, `scaled, debiased=${debiased}`);
    }
  });
  it('is not invariant to a non-isotropic scaling (the invariance test can fail)', () => {
    const stretched: DenseMatrix = {
      data: (x.data as Float64Array).map((v, i) => (i % 6 === 0 ? 10 * v : v)),
      rows: 40,
      cols: 6,
    };
    assert.ok(Math.abs(linearCKA(stretched, y) - linearCKA(x, y)) > 1e-3);
  });
  it('rejects mismatched rows, too few examples, NaN, ragged and constant input', () => {
    assert.throws(() => linearCKA(x, randomMatrix(4, 39, 3)), /linearCKA: X and Y must have the same number of rows \(examples\), got 40 and 39/);
    assert.throws(() => linearCKA([[1], [2], [3]], [[1], [2], [4]], { debiased: true }), /needs at least 4 examples/);
    assert.throws(() => linearCKA([[1, 2], [3, Number.NaN]], [[1], [2]]), /linearCKA: X\[1\]\[1\] is NaN/);
    assert.throws(() => linearCKA([[1, 2], [3]], [[1], [2]]), /X must be rectangular/);
    assert.throws(() => linearCKA({ data: [1, 2, 3], rows: 2, cols: 2 }, [[1], [2]]), /X.data has 3 values but rows \* cols = 2 \* 2 = 4/);
    assert.throws(() => linearCKA([[1, 2], [1, 2], [1, 2]], [[1], [2], [3]]), /X has no variance/);
  });
});

/**
 * Input checks shared by lib/stats. Every public function turns its inputs into Float64Arrays through these, so
 * bad input fails loudly with the function and parameter named, never as a silent NaN further down.
 */

/** A one-dimensional sample: a plain array or a typed array of numbers. */
export type Sample = readonly number[] | Float64Array | Float32Array;

/** A dense row-major matrix: `data[r * cols + c]` is row r, column c. */
export interface DenseMatrix {
  readonly data: readonly number[] | Float64Array | Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** A matrix given either as rows (`number[][]`, all rows the same length) or as a {@link DenseMatrix}. */
export type Matrix = readonly (readonly number[])[] | DenseMatrix;

function isSample(x: unknown): x is Sample {
  return Array.isArray(x) || x instanceof Float64Array || x instanceof Float32Array;
}

/**
 * Copies a sample into a Float64Array after checking that it is an array of finite numbers with at least
 * `minLength` entries. Errors name the calling function and parameter.
 */
export function toFiniteArray(fn: string, param: string, x: Sample, minLength = 1): Float64Array {
  if (!isSample(x)) {
    throw new Error(`${fn}: ${param} must be a number[] or Float64Array/Float32Array, got ${describe(x)}`);
  }
  const n = x.length;
  if (n < minLength) {
    throw new Error(`${fn}: ${param} must have at least ${minLength} value${minLength === 1 ? '' : 's'}, got ${n}`);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(`${fn}: ${param}[${i}] is ${String(v)}; expected a finite number`);
    }
    out[i] = v;
  }
  return out;
}

/** Throws unless both samples have the same length. */
export function requireSameLength(fn: string, a: ArrayLike<number>, b: ArrayLike<number>, names = ['x', 'y']): void {
  if (a.length !== b.length) {
    throw new Error(`${fn}: ${names[0]} and ${names[1]} must have the same length, got ${a.length} and ${b.length}`);
  }
}

/** Throws unless `v` is a finite number. */
export function requireFiniteNumber(fn: string, param: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`${fn}: ${param} must be a finite number, got ${String(v)}`);
  }
}

/** Throws unless `v` is a finite number strictly greater than zero. */
export function requirePositive(fn: string, param: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 0)) {
    throw new Error(`${fn}: ${param} must be a finite number > 0, got ${String(v)}`);
  }
}

/** Throws unless `v` lies strictly between 0 and 1 (a probability or confidence level). */
export function requireOpenUnit(fn: string, param: string, v: number): void {
  if (typeof v !== 'number' || !(v > 0 && v < 1)) {
    throw new Error(`${fn}: ${param} must be a number strictly between 0 and 1, got ${String(v)}`);
  }
}

/** Throws unless `v` is an integer >= min. */
export function requireInteger(fn: string, param: string, v: number, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new Error(`${fn}: ${param} must be an integer >= ${min}, got ${String(v)}`);
  }
}

/** True when every value equals the first (a constant sample). */
export function isConstant(x: Float64Array): boolean {
  const first = x[0];
  for (let i = 1; i < x.length; i++) if (x[i] !== first) return false;
  return true;
}

/** A checked, row-major Float64Array copy of a matrix. */
export interface CheckedMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/**
 * Copies a {@link Matrix} into a row-major Float64Array, checking shape and entries.
 * @param allowPositiveInfinity accept +Infinity entries (forbidden pairs in assignment problems).
 */
export function toCheckedMatrix(fn: string, param: string, m: Matrix, allowPositiveInfinity = false): CheckedMatrix {
  const check = (v: unknown, r: number, c: number): number => {
    if (typeof v !== 'number' || Number.isNaN(v) || (!Number.isFinite(v) && !(allowPositiveInfinity && v === Infinity))) {
      const what = allowPositiveInfinity ? 'a finite number or +Infinity' : 'a finite number';
      throw new Error(`${fn}: ${param}[${r}][${c}] is ${String(v)}; expected ${what}`);
    }
    return v;
  };
  if (Array.isArray(m)) {
    const rowsArr = m as readonly (readonly number[])[];
    const rows = rowsArr.length;
    if (rows === 0) throw new Error(`${fn}: ${param} must have at least one row, got 0`);
    const first = rowsArr[0];
    if (!Array.isArray(first)) throw new Error(`${fn}: ${param} must be number[][] or {data, rows, cols}`);
    const cols = first.length;
    if (cols === 0) throw new Error(`${fn}: ${param} must have at least one column, got 0`);
    const data = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = rowsArr[r];
      if (!Array.isArray(row) || row.length !== cols) {
        const len = Array.isArray(row) ? row.length : describe(row);
        throw new Error(`${fn}: ${param} must be rectangular; row 0 has ${cols} columns but row ${r} has ${len}`);
      }
      for (let c = 0; c < cols; c++) data[r * cols + c] = check(row[c], r, c);
    }
    return { data, rows, cols };
  }
  const dm = m as DenseMatrix;
  if (dm === null || typeof dm !== 'object' || !isSample(dm.data)) {
    throw new Error(`${fn}: ${param} must be number[][] or {data, rows, cols}, got ${describe(m)}`);
  }
  const { rows, cols } = dm;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new Error(`${fn}: ${param}.rows and ${param}.cols must be positive integers, got ${rows} x ${cols}`);
  }
  if (dm.data.length !== rows * cols) {
    throw new Error(`${fn}: ${param}.data has ${dm.data.length} values but rows * cols = ${rows} * ${cols} = ${rows * cols}`);
  }
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = check(dm.data[i], Math.floor(i / cols), i % cols);
  return { data, rows, cols };
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `array of length ${x.length}`;
  return typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x;
}

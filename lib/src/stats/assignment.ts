/**
 * One-to-one matching of rows to columns: the optimal linear assignment (Hungarian problem, solved with the
 * shortest augmenting path method of Jonker-Volgenant as described by Crouse 2016 - the algorithm behind
 * scipy.optimize.linear_sum_assignment) and a greedy matching by descending value.
 */
import { type Matrix, toCheckedMatrix } from './validate';

/**
 * Shortest augmenting path from row `start` (Crouse 2016, Algorithm 1), on an nr x nc cost matrix with nr <= nc.
 * Returns the sink column and the path length, or sink = -1 when no finite-cost augmenting path exists.
 */
function augmentingPath(
  nc: number,
  cost: Float64Array,
  u: Float64Array,
  v: Float64Array,
  path: Int32Array,
  row4col: Int32Array,
  shortestPathCosts: Float64Array,
  start: number,
  SR: Uint8Array,
  SC: Uint8Array,
  remaining: Int32Array,
): { sink: number; minVal: number } {
  let minVal = 0;
  let numRemaining = nc;
  for (let it = 0; it < nc; it++) remaining[it] = nc - it - 1;
  SR.fill(0);
  SC.fill(0);
  shortestPathCosts.fill(Infinity);
  let sink = -1;
  let i = start;
  while (sink === -1) {
    let index = -1;
    let lowest = Infinity;
    SR[i] = 1;
    for (let it = 0; it < numRemaining; it++) {
      const j = remaining[it] as number;
      const r = minVal + (cost[i * nc + j] as number) - (u[i] as number) - (v[j] as number);
      if (r < (shortestPathCosts[j] as number)) {
        path[j] = i;
        shortestPathCosts[j] = r;
      }
      // Prefer a free column among equally short ones: it ends the search sooner.
      const spc = shortestPathCosts[j] as number;
      if (spc < lowest || (spc === lowest && row4col[j] === -1)) {
        lowest = spc;
        index = it;
      }
    }
    minVal = lowest;
    if (minVal === Infinity) return { sink: -1, minVal };
    const j = remaining[index] as number;
    if (row4col[j] === -1) sink = j;
    else i = row4col[j] as number;
    SC[j] = 1;
    remaining[index] = remaining[--numRemaining] as number;
  }
  return { sink, minVal };
}

/** Solves the assignment for nr <= nc; returns the column of each row. */
function solveWide(nr: number, nc: number, cost: Float64Array): Int32Array {
  const u = new Float64Array(nr);
  const v = new Float64Array(nc);
  const shortestPathCosts = new Float64Array(nc);
  const path = new Int32Array(nc).fill(-1);
  const col4row = new Int32Array(nr).fill(-1);
  const row4col = new Int32Array(nc).fill(-1);
  const SR = new Uint8Array(nr);
  const SC = new Uint8Array(nc);
  const remaining = new Int32Array(nc);
  for (let curRow = 0; curRow < nr; curRow++) {
    const { sink, minVal } = augmentingPath(nc, cost, u, v, path, row4col, shortestPathCosts, curRow, SR, SC, remaining);
    if (sink < 0) throw new Error('hungarian: cost matrix is infeasible (no assignment avoids the +Infinity entries)');
    // Update dual variables.
    u[curRow] = (u[curRow] as number) + minVal;
    for (let i = 0; i < nr; i++) {
      if (SR[i] && i !== curRow) u[i] = (u[i] as number) + minVal - (shortestPathCosts[col4row[i] as number] as number);
    }
    for (let j = 0; j < nc; j++) {
      if (SC[j]) v[j] = (v[j] as number) - (minVal - (shortestPathCosts[j] as number));
    }
    // Augment the previous solution along the path.
    let j = sink;
    for (;;) {
      const i = path[j] as number;
      row4col[j] = i;
      const prev = col4row[i] as number;
      col4row[i] = j;
      j = prev;
      if (i === curRow) break;
    }
  }
  return col4row;
}

/**
 * Minimum-cost one-to-one assignment of rows to columns, equal in total cost to
 * `scipy.optimize.linear_sum_assignment(cost)` (same algorithm, so the same assignment when the optimum is unique).
 * O(n^3). Rectangular matrices are allowed: every row is assigned when rows <= cols; when rows > cols every column
 * is assigned and the left-over rows get -1.
 * @param cost rows x cols matrix (`number[][]` or `{data, rows, cols}`) of finite costs; +Infinity marks a forbidden pair.
 * @returns `col[r]`: the column assigned to row r (or -1).
 * @throws on NaN / -Infinity entries, a ragged matrix, or when no assignment avoids the forbidden pairs.
 */
export function hungarian(cost: Matrix): number[] {
  const m = toCheckedMatrix('hungarian', 'cost', cost, true);
  const { rows, cols } = m;
  if (rows <= cols) return Array.from(solveWide(rows, cols, m.data));
  // Tall: solve the transpose (as SciPy does) and invert the matching.
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m.data[r * cols + c] as number;
  const rowOfCol = solveWide(cols, rows, t);
  const out = new Array<number>(rows).fill(-1);
  for (let c = 0; c < cols; c++) out[rowOfCol[c] as number] = c;
  return out;
}

/** Total cost of an assignment returned by {@link hungarian} (unassigned rows, -1, are skipped). */
export function assignmentCost(cost: Matrix, assignment: readonly number[]): number {
  const m = toCheckedMatrix('assignmentCost', 'cost', cost, true);
  if (assignment.length !== m.rows) {
    throw new Error(`assignmentCost: assignment has ${assignment.length} entries but cost has ${m.rows} rows`);
  }
  let total = 0;
  for (let r = 0; r < m.rows; r++) {
    const c = assignment[r] as number;
    if (c === -1) continue;
    if (!Number.isInteger(c) || c < 0 || c >= m.cols) {
      throw new Error(`assignmentCost: assignment[${r}] = ${c} is not a column index in [0, ${m.cols})`);
    }
    total += m.data[r * m.cols + c] as number;
  }
  return total;
}

/** One pair of a greedy matching. */
export interface MatchPair {
  row: number;
  col: number;
  value: number;
}

/**
 * Greedy one-to-one matching: repeatedly takes the largest remaining entry whose row and column are both still
 * free (ties broken by lower row, then lower column). Typically applied to a matrix of |correlations| between
 * units of two networks. Returns min(rows, cols) pairs in descending value order. O(rc log rc).
 * The values are used as given (take Math.abs yourself if the input is signed).
 */
export function greedyMatch(absCorr: Matrix): MatchPair[] {
  const m = toCheckedMatrix('greedyMatch', 'absCorr', absCorr);
  const { rows, cols, data } = m;
  const order = new Uint32Array(rows * cols);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => (data[b] as number) - (data[a] as number) || a - b);
  const rowUsed = new Uint8Array(rows);
  const colUsed = new Uint8Array(cols);
  const pairs: MatchPair[] = [];
  const want = Math.min(rows, cols);
  for (let k = 0; k < order.length && pairs.length < want; k++) {
    const idx = order[k] as number;
    const row = Math.floor(idx / cols);
    const col = idx - row * cols;
    if (rowUsed[row] || colUsed[col]) continue;
    rowUsed[row] = 1;
    colUsed[col] = 1;
    pairs.push({ row, col, value: data[idx] as number });
  }
  return pairs;
}

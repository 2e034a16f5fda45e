import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { assignmentCost, greedyMatch, hungarian } from '../../lib/src/stats/assignment';
import { createRng } from '../../lib/src/util/random';

interface AssignmentCase {
  name: string;
  cost: number[][];
  colOfRow: number[];
  total: number;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/stats/assignment.json'), 'utf8')) as {
  cases: AssignmentCase[];
};

function randomMatrix(seed: number, rows: number, cols: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.next()));
}

/** Minimum over all permutations, for tiny square matrices. */
function bruteForceMin(cost: number[][]): number {
  const n = cost.length;
  let best = Infinity;
  const used = new Array<boolean>(n).fill(false);
  const walk = (row: number, acc: number): void => {
    if (row === n) {
      best = Math.min(best, acc);
      return;
    }
    for (let c = 0; c < n; c++) {
      if (used[c]) continue;
      used[c] = true;
      walk(row + 1, acc + (cost[row]?.[c] as number));
      used[c] = false;
    }
  };
  walk(0, 0);
  return best;
}

describe('stats/assignment: hungarian vs scipy.optimize.linear_sum_assignment', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const cols = hungarian(c.cost);
      assert.equal(cols.length, c.cost.length);
      const assigned = cols.filter((j) => j >= 0);
      assert.equal(new Set(assigned).size, assigned.length, 'one-to-one');
      assert.equal(assigned.length, Math.min(c.cost.length, c.cost[0]?.length ?? 0));
      const total = assignmentCost(c.cost, cols);
      assert.ok(Math.abs(total - c.total) <= 1e-9 * Math.abs(c.total) + 1e-12, `total ${total} vs scipy ${c.total}`);
      if (!c.name.includes('ties')) assert.deepEqual(cols, c.colOfRow, 'same assignment as scipy (unique optimum)');
    });
  }
  it('equals brute force on random small matrices, and accepts {data, rows, cols}', () => {
    for (let seed = 0; seed < 30; seed++) {
      const n = 1 + (seed % 6);
      const m = randomMatrix(100 + seed, n, n);
      const flat = { data: Float64Array.from(m.flat()), rows: n, cols: n };
      const best = bruteForceMin(m);
      assert.ok(Math.abs(assignmentCost(m, hungarian(m)) - best) < 1e-12);
      assert.ok(Math.abs(assignmentCost(m, hungarian(flat)) - best) < 1e-12);
    }
  });
  it('respects +Infinity as a forbidden pair and reports infeasible problems', () => {
    const cost = [
      [1, Infinity],
      [2, 100],
    ];
    assert.deepEqual(hungarian(cost), [0, 1]);
    assert.throws(() => hungarian([[Infinity, Infinity], [1, 2]]), /hungarian: cost matrix is infeasible/);
  });
  it('rejects NaN, -Infinity, ragged and empty matrices', () => {
    assert.throws(() => hungarian([[1, Number.NaN]]), /hungarian: cost\[0\]\[1\] is NaN; expected a finite number or \+Infinity/);
    assert.throws(() => hungarian([[1, -Infinity]]), /hungarian: cost\[0\]\[1\] is -Infinity/);
    assert.throws(() => hungarian([[1, 2], [3]]), /hungarian: cost must be rectangular/);
    assert.throws(() => hungarian([]), /hungarian: cost must have at least one row/);
  });
});

describe('stats/assignment: greedyMatch', () => {
  it('pairs by descending value, one-to-one (hand-checked case)', () => {
    const m = [
      [0.9, 0.8, 0.1],
      [0.85, 0.2, 0.3],
      [0.1, 0.7, 0.6],
    ];
    assert.deepEqual(greedyMatch(m), [
      { row: 0, col: 0, value: 0.9 },
      { row: 2, col: 1, value: 0.7 },
      { row: 1, col: 2, value: 0.3 },
    ]);
  });
  it('returns min(rows, cols) pairs for rectangular input, in descending order', () => {
    const m = randomMatrix(7, 5, 9);
    const pairs = greedyMatch(m);
    assert.equal(pairs.length, 5);
    for (let i = 1; i < pairs.length; i++) assert.ok((pairs[i - 1]?.value as number) >= (pairs[i]?.value as number));
    assert.equal(new Set(pairs.map((p) => p.col)).size, 5);
    assert.equal(greedyMatch(randomMatrix(8, 9, 4)).length, 4);
  });
  it('Hungarian (maximising) is never worse than greedy on random matrices, and strictly better somewhere', () => {
    let strictlyBetter = 0;
    for (let seed = 0; seed < 200; seed++) {
      const rows = 2 + (seed % 9);
      const cols = rows + (seed % 3);
      const m = randomMatrix(1000 + seed, rows, cols);
      const greedyTotal = greedyMatch(m).reduce((s, p) => s + p.value, 0);
      const negated = m.map((row) => row.map((v) => -v));
      const optimalTotal = -assignmentCost(negated, hungarian(negated));
      assert.ok(optimalTotal >= greedyTotal - 1e-12, `seed ${seed}: hungarian ${optimalTotal} < greedy ${greedyTotal}`);
      if (optimalTotal > greedyTotal + 1e-9) strictlyBetter++;
    }
    assert.ok(strictlyBetter > 0);
  });
  it('rejects NaN and ragged input', () => {
    assert.throws(() => greedyMatch([[0.5, Number.NaN]]), /greedyMatch: absCorr\[0\]\[1\] is NaN/);
    assert.throws(() => greedyMatch([[0.5], [0.1, 0.2]]), /greedyMatch: absCorr must be rectangular/);
  });
});

/**
 * Notebook 04 — how similar are the features two networks learned (the original parameter-change study's "feature correlation")?
 *
 * Features are the penultimate layer's outputs on the same examples (an N × d matrix per model). Two families of
 * measures, both from one centred copy of each matrix:
 * - unit-level: the d_A × d_B matrix of Pearson correlations between A's and B's units, units paired one-to-one
 *   either greedily by |r| (as the original) or optimally (Hungarian: maximum total |r|), summarised by the mean
 *   matched |r|;
 * - representation-level: linear CKA (Kornblith et al. 2019) and debiased linear CKA (Nguyen et al. 2021), invariant
 *   to any rotation of the feature space (so they do not depend on a pairing at all).
 *
 * `linearCKAMatrix` computes CKA of every pair of many models at once: the per-model terms (‖XᵀX‖_F², row norms)
 * once per model and only the cross product XᵀY per pair, with exactly the formulas of stats/cka.ts `linearCKA`
 * (tests check equality) — `linearCKA` itself recomputes the per-model terms for every pair, which makes an all-pairs
 * matrix of ~40 models several times slower.
 */
import * as tf from '@tensorflow/tfjs';
import { greedyMatch, hungarian } from '../stats/assignment';
import { inOrder, type LabelledBatchSource } from '../data/source';

/** An N × d feature matrix, row-major (rows = examples). */
export interface FeatureMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
  /** Layer the features came from. */
  layer: string;
}

/**
 * The layer whose output feeds the model's last layer (the classifier): LeNet-5 'relu4' (84 units), the VGG-style
 * net 'flatten' (or its last hidden fc's ReLU), the ResNet 'gap' (global average pool).
 */
export function penultimateLayerName(model: tf.LayersModel): string {
  const last = model.layers[model.layers.length - 1];
  if (last === undefined) throw new Error(`penultimateLayerName: model '${model.name}' has no layers`);
  const input = last.input;
  if (Array.isArray(input)) throw new Error(`penultimateLayerName: the last layer '${last.name}' of '${model.name}' has several inputs`);
  const feeding = model.layers.find((l) => l !== last && l.output === input);
  if (feeding === undefined) throw new Error(`penultimateLayerName: no layer of '${model.name}' feeds its last layer '${last.name}'`);
  return feeding.name;
}

/**
 * Outputs of one layer (default: the penultimate) for the first `maxExamples` examples of the source (default all),
 * flattened to N × d, in inference mode (BN uses its moving statistics).
 */
export async function extractFeatures(
  model: tf.LayersModel,
  source: LabelledBatchSource,
  options: { layer?: string; maxExamples?: number; batchSize?: number } = {},
): Promise<FeatureMatrix> {
  const layer = options.layer ?? penultimateLayerName(model);
  const known = model.layers.map((l) => l.name);
  if (!known.includes(layer)) throw new Error(`extractFeatures: model '${model.name}' has no layer '${layer}'; layers: ${known.join(', ')}`);
  const output = model.getLayer(layer).output;
  if (Array.isArray(output)) throw new Error(`extractFeatures: layer '${layer}' has several outputs`);
  // Shares the model's weights: never dispose it.
  const probe = tf.model({ inputs: model.inputs, outputs: output });
  const rows = Math.min(source.count, options.maxExamples ?? source.count);
  if (rows < 1) throw new Error('extractFeatures: the source has no examples');
  const cols = output.shape.slice(1).reduce<number>((a, d) => {
    if (d === null) throw new Error(`extractFeatures: layer '${layer}' has an unknown output dimension`);
    return a * d;
  }, 1);
  const data = new Float32Array(rows * cols);
  const batchSize = options.batchSize ?? 256;
  for (const { start, batch } of inOrder(source, batchSize, rows)) {
    const n = batch.labels.length;
    const y = tf.tidy(() => {
      const out = probe.apply(tf.tensor(batch.xs, batch.shape, 'float32'), { training: false });
      if (Array.isArray(out) || !(out instanceof tf.Tensor)) throw new Error('extractFeatures: the probe returned no single tensor');
      return out;
    });
    try {
      data.set((await y.data()) as Float32Array, start * cols);
    } finally {
      y.dispose();
    }
  }
  return { data, rows, cols, layer };
}

/** A feature matrix with every column centred, plus the per-model terms of correlation and CKA. */
export interface CentredFeatures {
  rows: number;
  cols: number;
  /** Centred values, row-major, float64. */
  centred: Float64Array;
  /** The same values column-major (unit by unit): cross products become contiguous dot products. */
  columns: Float64Array;
  /** Population standard deviation of each column (0 = a dead / constant unit). */
  columnStd: Float64Array;
  /** Number of constant columns (units whose output never varies over the examples, e.g. dead ReLUs). */
  deadUnits: number;
  /** Squared norm of each centred row. */
  rowSquaredNorms: Float64Array;
  /** ‖X‖_F² of the centred matrix. */
  frobeniusSquared: number;
  /** ‖XᵀX‖_F² of the centred matrix. */
  selfCrossSquared: number;
}

/** Centres the columns (float64) and precomputes what every pair needs. */
export function centreFeatures(features: { data: ArrayLike<number>; rows: number; cols: number }): CentredFeatures {
  const { rows, cols } = features;
  if (!(rows >= 2) || !(cols >= 1) || features.data.length !== rows * cols) {
    throw new Error(`centreFeatures: need rows >= 2, cols >= 1 and rows·cols values; got ${rows} × ${cols} with ${features.data.length} values`);
  }
  const centred = Float64Array.from(features.data);
  const columnStd = new Float64Array(cols);
  let deadUnits = 0;
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) {
      const v = centred[r * cols + c] as number;
      if (!Number.isFinite(v)) throw new Error(`centreFeatures: value at row ${r}, column ${c} is ${v}`);
      s += v;
    }
    const m = s / rows;
    let ss = 0;
    for (let r = 0; r < rows; r++) {
      const d = (centred[r * cols + c] as number) - m;
      centred[r * cols + c] = d;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / rows);
    // Float noise of a constant column is ~1e-16 of its magnitude: such a unit carries no signal.
    columnStd[c] = sd > 1e-12 * (Math.abs(m) + 1) ? sd : 0;
    if (columnStd[c] === 0) deadUnits++;
  }
  const rowSquaredNorms = new Float64Array(rows);
  let frobeniusSquared = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += (centred[r * cols + c] as number) ** 2;
    rowSquaredNorms[r] = s;
    frobeniusSquared += s;
  }
  const columns = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) columns[c * rows + r] = centred[r * cols + c] as number;
  const partial = { rows, cols, columns };
  const xtx = crossProduct(partial, partial);
  let selfCrossSquared = 0;
  for (let i = 0; i < xtx.length; i++) selfCrossSquared += (xtx[i] as number) ** 2;
  return { rows, cols, centred, columns, columnStd, deadUnits, rowSquaredNorms, frobeniusSquared, selfCrossSquared };
}

/** Dot product of columns i of a and j of b (each `n` contiguous values), 4 accumulators. */
function columnDot(a: Float64Array, ai: number, b: Float64Array, bj: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += (a[ai + k] as number) * (b[bj + k] as number);
    s1 += (a[ai + k + 1] as number) * (b[bj + k + 1] as number);
    s2 += (a[ai + k + 2] as number) * (b[bj + k + 2] as number);
    s3 += (a[ai + k + 3] as number) * (b[bj + k + 3] as number);
  }
  for (; k < n; k++) s0 += (a[ai + k] as number) * (b[bj + k] as number);
  return s0 + s1 + s2 + s3;
}

/** AᵀB (p × q, row-major) of the centred features A (n × p) and B (n × q). */
function crossProduct(a: Pick<CentredFeatures, 'rows' | 'cols' | 'columns'>, b: Pick<CentredFeatures, 'rows' | 'cols' | 'columns'>): Float64Array {
  const n = a.rows;
  const out = new Float64Array(a.cols * b.cols);
  for (let i = 0; i < a.cols; i++) {
    for (let j = 0; j < b.cols; j++) out[i * b.cols + j] = columnDot(a.columns, i * n, b.columns, j * n, n);
  }
  return out;
}

function checkSameExamples(what: string, a: CentredFeatures, b: CentredFeatures): void {
  if (a.rows !== b.rows) throw new Error(`${what}: the two feature matrices have ${a.rows} and ${b.rows} examples; they must be the same examples`);
}

/** A d_A × d_B matrix, row-major. */
export interface CorrelationMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Pearson correlation of every unit of A with every unit of B; 0 where either unit is dead (constant). */
export function featureCorrelationMatrix(a: CentredFeatures, b: CentredFeatures): CorrelationMatrix {
  checkSameExamples('featureCorrelationMatrix', a, b);
  return correlationFromCross(a, b, crossProduct(a, b));
}

/** Pearson correlations from the cross product AᵀB of the centred features (overwrites `cross`). */
function correlationFromCross(a: CentredFeatures, b: CentredFeatures, cross: Float64Array): CorrelationMatrix {
  const data = cross;
  for (let i = 0; i < a.cols; i++) {
    const sa = a.columnStd[i] as number;
    for (let j = 0; j < b.cols; j++) {
      const sb = b.columnStd[j] as number;
      const k = i * b.cols + j;
      data[k] = sa === 0 || sb === 0 ? 0 : Math.max(-1, Math.min(1, (data[k] as number) / (a.rows * sa * sb)));
    }
  }
  return { data, rows: a.cols, cols: b.cols };
}

/** One matched pair of units: A's unit `row`, B's unit `col`, their correlation r. */
export interface MatchedUnits {
  row: number;
  col: number;
  r: number;
}

/**
 * One-to-one pairing of A's and B's units by |r|: 'greedy' repeatedly takes the largest remaining |r| (the
 * original's method), 'hungarian' maximises the total |r| (optimal assignment). Pairs are returned by descending |r|.
 */
export function matchUnits(corr: CorrelationMatrix, method: 'greedy' | 'hungarian'): MatchedUnits[] {
  const abs = Float64Array.from(corr.data, (v) => Math.abs(v));
  let pairs: { row: number; col: number }[];
  if (method === 'greedy') {
    pairs = greedyMatch({ data: abs, rows: corr.rows, cols: corr.cols });
  } else if (method === 'hungarian') {
    const cost = Float64Array.from(abs, (v) => 1 - v);
    pairs = hungarian({ data: cost, rows: corr.rows, cols: corr.cols })
      .map((col, row) => ({ row, col }))
      .filter((p) => p.col >= 0);
  } else {
    throw new Error(`matchUnits: method must be 'greedy' or 'hungarian', got '${String(method)}'`);
  }
  return pairs
    .map((p) => ({ row: p.row, col: p.col, r: corr.data[p.row * corr.cols + p.col] as number }))
    .sort((x, y) => Math.abs(y.r) - Math.abs(x.r) || x.row - y.row);
}

function debiasedDot(xty: number, rowsX: Float64Array, rowsY: Float64Array, normX: number, normY: number, n: number): number {
  let dot = 0;
  for (let i = 0; i < n; i++) dot += (rowsX[i] as number) * (rowsY[i] as number);
  return xty - (n / (n - 2)) * dot + (normX * normY) / ((n - 1) * (n - 2));
}

/** Linear CKA and debiased linear CKA from ‖XᵀY‖_F² (the formulas of stats/cka.ts, feature-space form). */
function ckaFromCross(a: CentredFeatures, b: CentredFeatures, xty: number): { cka: number; ckaDebiased: number } {
  const n = a.rows;
  if (!(a.selfCrossSquared > 0) || !(b.selfCrossSquared > 0)) {
    throw new Error('linear CKA: a representation has no variance across examples (every unit dead); CKA is undefined');
  }
  const cka = xty / Math.sqrt(a.selfCrossSquared * b.selfCrossSquared);
  let ckaDebiased = NaN;
  if (n >= 4) {
    const xy = debiasedDot(xty, a.rowSquaredNorms, b.rowSquaredNorms, a.frobeniusSquared, b.frobeniusSquared, n);
    const xx = debiasedDot(a.selfCrossSquared, a.rowSquaredNorms, a.rowSquaredNorms, a.frobeniusSquared, a.frobeniusSquared, n);
    const yy = debiasedDot(b.selfCrossSquared, b.rowSquaredNorms, b.rowSquaredNorms, b.frobeniusSquared, b.frobeniusSquared, n);
    ckaDebiased = xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : NaN;
  }
  return { cka, ckaDebiased };
}

/** Linear CKA (and the debiased estimate; NaN for n < 4) of two centred feature matrices of the same examples. */
export function linearCKAPair(a: CentredFeatures, b: CentredFeatures): { cka: number; ckaDebiased: number } {
  checkSameExamples('linearCKAPair', a, b);
  const cross = crossProduct(a, b);
  let xty = 0;
  for (let i = 0; i < cross.length; i++) xty += (cross[i] as number) ** 2;
  return ckaFromCross(a, b, xty);
}

/** CKA of every pair of models: symmetric matrices with 1 on the diagonal (the debiased diagonal is 1 too). */
export function linearCKAMatrix(models: readonly CentredFeatures[]): { cka: number[][]; ckaDebiased: number[][] } {
  const m = models.length;
  const cka = Array.from({ length: m }, () => new Array<number>(m).fill(1));
  const ckaDebiased = Array.from({ length: m }, () => new Array<number>(m).fill(1));
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const v = linearCKAPair(models[i] as CentredFeatures, models[j] as CentredFeatures);
      (cka[i] as number[])[j] = v.cka;
      (cka[j] as number[])[i] = v.cka;
      (ckaDebiased[i] as number[])[j] = v.ckaDebiased;
      (ckaDebiased[j] as number[])[i] = v.ckaDebiased;
    }
  }
  return { cka, ckaDebiased };
}

/** Every similarity measure of one pair of models. */
export interface FeatureComparison {
  /** Units of A and B. */
  unitsA: number;
  unitsB: number;
  deadA: number;
  deadB: number;
  /** Mean |r| of the greedily matched pairs (original's pairing) and of the optimal pairs. */
  greedyMeanAbsR: number;
  hungarianMeanAbsR: number;
  /** Median |r| of the optimal pairs, and the share of optimal pairs with |r| > 0.9 / < 0.5. */
  hungarianMedianAbsR: number;
  /** Mean |r| of the optimal pairs whose two units are both live (dead units otherwise count as r = 0). */
  hungarianMeanAbsRLive: number;
  hungarianShareAbove09: number;
  hungarianShareBelow05: number;
  /** Mean over A's units of the best |r| with any unit of B (no one-to-one constraint: an upper bound). */
  bestMatchMeanAbsR: number;
  cka: number;
  ckaDebiased: number;
  /** The correlation matrix and both pairings, for heatmaps. */
  correlation: CorrelationMatrix;
  greedy: MatchedUnits[];
  hungarian: MatchedUnits[];
}

function meanAbs(pairs: readonly MatchedUnits[]): number {
  return pairs.length === 0 ? NaN : pairs.reduce((s, p) => s + Math.abs(p.r), 0) / pairs.length;
}

/** Pearson (greedy and Hungarian pairing) and linear CKA (plain and debiased) of two models' features. */
export function compareFeatures(a: CentredFeatures, b: CentredFeatures): FeatureComparison {
  checkSameExamples('compareFeatures', a, b);
  const cross = crossProduct(a, b);
  let xty = 0;
  for (let i = 0; i < cross.length; i++) xty += (cross[i] as number) ** 2;
  const ckas = ckaFromCross(a, b, xty);
  const correlation = correlationFromCross(a, b, cross);
  const greedy = matchUnits(correlation, 'greedy');
  const optimal = matchUnits(correlation, 'hungarian');
  const absSorted = optimal.map((p) => Math.abs(p.r)).sort((x, y) => x - y);
  const mid = absSorted.length >> 1;
  const median = absSorted.length === 0 ? NaN : absSorted.length % 2 === 1 ? (absSorted[mid] as number) : ((absSorted[mid - 1] as number) + (absSorted[mid] as number)) / 2;
  const live = optimal.filter((p) => (a.columnStd[p.row] as number) > 0 && (b.columnStd[p.col] as number) > 0);
  let best = 0;
  for (let i = 0; i < correlation.rows; i++) {
    let m = 0;
    for (let j = 0; j < correlation.cols; j++) m = Math.max(m, Math.abs(correlation.data[i * correlation.cols + j] as number));
    best += m;
  }
  return {
    unitsA: a.cols,
    unitsB: b.cols,
    deadA: a.deadUnits,
    deadB: b.deadUnits,
    greedyMeanAbsR: meanAbs(greedy),
    hungarianMeanAbsR: meanAbs(optimal),
    hungarianMedianAbsR: median,
    hungarianMeanAbsRLive: meanAbs(live),
    hungarianShareAbove09: optimal.length === 0 ? NaN : optimal.filter((p) => Math.abs(p.r) > 0.9).length / optimal.length,
    hungarianShareBelow05: optimal.length === 0 ? NaN : optimal.filter((p) => Math.abs(p.r) < 0.5).length / optimal.length,
    bestMatchMeanAbsR: best / correlation.rows,
    ...ckas,
    correlation,
    greedy,
    hungarian: optimal,
  };
}

/**
 * The "sorted correlation" heatmap of a pair: rows are A's units by descending matched |r|, columns B's units in the
 * matched partner order (unmatched B units at the end), values |r|. A bright diagonal = one-to-one similar units.
 */
export function sortedCorrelationGrid(corr: CorrelationMatrix, pairs: readonly MatchedUnits[]): number[][] {
  const rowOrder = pairs.map((p) => p.row);
  const colOrder = pairs.map((p) => p.col);
  const usedCols = new Set(colOrder);
  for (let j = 0; j < corr.cols; j++) if (!usedCols.has(j)) colOrder.push(j);
  const usedRows = new Set(rowOrder);
  for (let i = 0; i < corr.rows; i++) if (!usedRows.has(i)) rowOrder.push(i);
  return rowOrder.map((i) => colOrder.map((j) => Math.abs(corr.data[i * corr.cols + j] as number)));
}

// The unit of work that an experiment can hand to other processes or machines: a cell.
import type { Scale } from '../util/scale';

/** One planned cell: its plain-JSON config, the cache key its result is stored under and a short readable label. */
export interface PlannedCell<C> {
  key: string;
  label: string;
  cell: C;
}

/** What running a cell gives back: small enough to travel through a queue (trained weights stay in the cache). */
export interface CellOutcome<R> {
  key: string;
  /** True when the cache already held the cell's entry and nothing was trained. */
  fromCache: boolean;
  result: R;
}

/**
 * An experiment seen as a set of independent cells: each cell is a serialisable config whose result the result cache
 * keeps under a content key, so any process that reaches the same cache folder can compute it, and the experiment's
 * run step then only assembles cached cells. Methods (not function properties) so that a plan of a concrete cell type
 * can sit in a list of plans of unknown cells.
 */
export interface ExperimentCells<C, R> {
  /** Cache namespace of the cells, also the name of their jobs on a queue. */
  readonly experiment: string;
  /** The notebook whose cells these are (its file name without .ipynb). */
  readonly notebook: string;
  /** Every cell the notebook trains at this scale, in the order it assembles them. */
  plan(scale: Scale): PlannedCell<C>[];
  /** The cache key of a cell (content hash of the cell and the code version). */
  keyOf(cell: C): string;
  /** Whether the cache holds a sound entry for the cell (a damaged entry is moved aside and counts as missing). */
  isCached(cell: C): boolean;
  /** Computes the cell into the cache (or loads it when already there). */
  run(cell: C): Promise<CellOutcome<R>>;
}

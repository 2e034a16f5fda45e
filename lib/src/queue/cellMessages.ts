// Messages between a worker and its cell process.
import type { CellOutcome } from '../store/cells';

/** Worker → cell process: compute this cell. */
export interface CellRequest {
  experiment: string;
  key: string;
  label: string;
  cell: unknown;
}

/** Cell process → worker. */
export type CellReply =
  | { type: 'ready'; backend: string }
  | { type: 'done'; key: string; outcome: CellOutcome<unknown> }
  | { type: 'failed'; key: string; error: string };

// The experiments whose cells can run on a queue.
import { parameterChangeCellPlan } from '../experiments/parameterChange/cells';
import type { ExperimentCells } from '../store/cells';

/** Every experiment with a cell plan (the others run in their notebook only). */
export const QUEUE_EXPERIMENTS: readonly ExperimentCells<unknown, unknown>[] = [parameterChangeCellPlan as ExperimentCells<unknown, unknown>];

/** The cell plan of an experiment by its name (a job's name); throws naming the known ones. */
export function experimentCells(experiment: string): ExperimentCells<unknown, unknown> {
  const found = QUEUE_EXPERIMENTS.find((e) => e.experiment === experiment);
  if (found === undefined) throw new Error(`no cell plan for experiment '${experiment}' (known: ${QUEUE_EXPERIMENTS.map((e) => e.experiment).join(', ')})`);
  return found;
}

/** The cell plan of a notebook (file name without .ipynb), or undefined when its cells run only inside it. */
export function notebookCells(notebook: string): ExperimentCells<unknown, unknown> | undefined {
  return QUEUE_EXPERIMENTS.find((e) => e.notebook === notebook);
}

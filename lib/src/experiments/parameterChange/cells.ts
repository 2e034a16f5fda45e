// Notebook 02's models as cells (one trained model each) that the queue can spread over workers.
import { loadCachedRun } from '../../store/cache';
import type { ExperimentCells } from '../../store/cells';
import { PARAMETER_CHANGE_NAMESPACE, parameterChangeCellKey, parameterChangeConfig, parameterChangeRunId, plannedCells, type ParameterChangeCell } from './config';
import { trainParameterChangeCell, type ParameterChangeRunResults } from './run';

/**
 * The cells of notebook 02 at a scale: exactly those `runParameterChange(parameterChangeConfig(scale))` trains or
 * loads, with the same cache keys, so a grid computed elsewhere is read back by the notebook unchanged.
 */
export const parameterChangeCellPlan: ExperimentCells<ParameterChangeCell, ParameterChangeRunResults> = {
  experiment: PARAMETER_CHANGE_NAMESPACE,
  notebook: '02-parameter-change',
  plan(scale) {
    return plannedCells(parameterChangeConfig(scale)).map(({ cell }) => ({ key: parameterChangeCellKey(cell), label: parameterChangeRunId(cell), cell }));
  },
  keyOf(cell) {
    return parameterChangeCellKey(cell);
  },
  isCached(cell) {
    return loadCachedRun(PARAMETER_CHANGE_NAMESPACE, cell) !== null;
  },
  async run(cell) {
    const run = await trainParameterChangeCell(cell);
    if (run.results === undefined) throw new Error(`parameterChange: the cache entry ${run.dir} of ${parameterChangeRunId(cell)} has no results`);
    return { key: run.key, fromCache: run.fromCache, result: run.results };
  },
};

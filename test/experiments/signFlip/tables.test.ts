// The tables of notebook 04 are made from typed records at the display edge; their columns (names and order) are the
// layout of the CSVs written before the records were typed, so hand-made records must give exactly those columns.
import { strict as assert } from 'assert';
import type { SfFeaturePair, SfRetrain, SfRetrainIdentity, SfSkippedRetrain } from '../../../lib/src/experiments/signFlip/records';
import type { SignFlipResults } from '../../../lib/src/experiments/signFlip/run';
import { signFlipTables } from '../../../lib/src/experiments/signFlip/tables';
import { toCsv } from '../../../lib/src/report/table';

const id: SfRetrainIdentity = {
  runId: 'lenet5-mnist-sgd-ku-s0', architecture: 'lenet5', dataset: 'mnist', optimizer: 'sgd', init: 'kaiming-uniform', seed: 0,
  perturbation: 'flip-all', perturbationKind: 'flip-all',
};
const ID_COLUMNS = ['runId', 'architecture', 'dataset', 'optimizer', 'init', 'seed', 'perturbation', 'perturbationKind'];
const START_COLUMNS = ['sigma', 'delta', 'cacheKey', 'diverged', 'originalTestAccuracy', 'startTestAccuracy', 'startTestLoss', 'startNonFiniteShare',
  'retrainedTestAccuracy', 'retrainedTestLoss', 'bestEpoch', 'negativeVariancesAtStart', 'negativeVariancesAtEnd', 'originalNorm', 'startDistance', 'relativeStartDistance'];
const KEPT_COLUMNS = ['distanceToOriginal', 'relativeDistanceToOriginal', 'gapClosed', 'distanceFromStart', 'relativeDistanceToOriginalLast',
  'distanceToControl', 'relativeDistanceToControl', 'changedFraction', 'changedFractionVsControl',
  'trainLossBarrier', 'testLossBarrier', 'trainAccuracyDrop', 'testAccuracyDrop', 'testLossArgmax'];

function retrain(kept: boolean, lastDistanceBetweenFlips: number | null): SfRetrain {
  return {
    ...id, skipped: null, sigma: null, delta: null, cacheKey: 'k', diverged: !kept, originalTestAccuracy: 0.98, startTestAccuracy: 0.1,
    startTestLoss: null, startNonFiniteShare: 0, retrainedTestAccuracy: kept ? 0.97 : null, retrainedTestLoss: kept ? 0.1 : null,
    bestEpoch: kept ? 3 : null, negativeVariancesAtStart: 0, negativeVariancesAtEnd: kept ? 0 : null, originalNorm: 10, startDistance: 20,
    relativeStartDistance: 2,
    kept: kept
      ? {
          distanceToOriginal: 5, relativeDistanceToOriginal: 0.5, gapClosed: 0.75, distanceFromStart: 18, relativeDistanceToOriginalLast: 0.51,
          distanceToControl: 4, relativeDistanceToControl: 0.4, changedFraction: 0.99, changedFractionVsControl: 0.98,
          trainLossBarrier: 1.5, testLossBarrier: 1.6, trainAccuracyDrop: 0.5, testAccuracyDrop: 0.6, testLossArgmax: 0.5,
        }
      : null,
    retrainSeconds: 1.5, fromCache: true, lastDistanceBetweenFlips,
  };
}

type Records = Pick<SignFlipResults, 'models' | 'retrains' | 'paths' | 'pairs' | 'cka' | 'excluded'>;
function results(records: Partial<Records>): Records {
  return { models: [], retrains: [], paths: [], pairs: [], cka: [], excluded: [], ...records };
}

function pair(pairType: SfFeaturePair['pairType'], optimizer: SfFeaturePair['optimizer'], perturbation: string | null, cka: number): SfFeaturePair {
  return {
    pairType, architecture: 'lenet5', dataset: 'mnist', modelA: 'a', modelB: 'b', optimizerA: 'sgd', optimizerB: 'adam', initA: 'kaiming-uniform',
    initB: 'kaiming-uniform', seedA: 0, seedB: 1, perturbationA: '', perturbationB: perturbation ?? '', optimizer, perturbation, units: 84, deadA: 0, deadB: 1,
    greedyMeanAbsR: 0.5, hungarianMeanAbsR: 0.6, hungarianMeanAbsRLive: 0.61, hungarianMedianAbsR: 0.62, shareAbove09: 0.1, shareBelow05: 0.3,
    bestMatchMeanAbsR: 0.7, cka, ckaDebiased: null, relativeParameterDistance: 1.2, examples: 64,
  };
}

describe('signFlip tables: the CSV columns of the typed records', () => {
  it('a retrain row has the start columns, the kept-model columns only when a model was kept, the flip distance only where measured', () => {
    const skipped: SfSkippedRetrain = { ...id, perturbation: 'flip-weights', perturbationKind: 'flip-weights', skipped: 'no BatchNorm statistics: identical to flip-all', kept: null };
    const rows = signFlipTables(results({ retrains: [retrain(false, null), skipped, retrain(true, 0.25)] })).retrains;
    assert.deepEqual(Object.keys(rows[0] ?? {}), [...ID_COLUMNS, ...START_COLUMNS, 'retrainSeconds', 'fromCache']);
    assert.deepEqual(Object.keys(rows[1] ?? {}), [...ID_COLUMNS, 'skipped']);
    assert.deepEqual(Object.keys(rows[2] ?? {}), [...ID_COLUMNS, ...START_COLUMNS, ...KEPT_COLUMNS, 'retrainSeconds', 'fromCache', 'lastDistanceBetweenFlips']);
    assert.equal(rows[2]?.['testLossBarrier'], 1.6);
    assert.equal(rows[2]?.['lastDistanceBetweenFlips'], 0.25);
    // The CSV header is the union in first-seen order: the kept-model columns after fromCache when the first retrain diverged.
    const header = toCsv(rows).split('\n')[0];
    assert.equal(header, [...ID_COLUMNS, ...START_COLUMNS, 'retrainSeconds', 'fromCache', 'skipped', ...KEPT_COLUMNS, 'lastDistanceBetweenFlips'].join(','));
  });

  it("a pair row has 'optimizer' only when both models share one and 'perturbation' only for retrain pairs; non-finite cells are empty", () => {
    const rows = signFlipTables(results({ pairs: [pair('optimizer', null, null, NaN), pair('seed', 'sgd', null, 0.9), pair('original-vs-retrained', 'sgd', 'flip-all', 0.8)] })).pairs;
    const head = ['pairType', 'architecture', 'dataset', 'modelA', 'modelB', 'optimizerA', 'optimizerB', 'initA', 'initB', 'seedA', 'seedB', 'perturbationA', 'perturbationB'];
    const measures = ['units', 'deadA', 'deadB', 'greedyMeanAbsR', 'hungarianMeanAbsR', 'hungarianMeanAbsRLive', 'hungarianMedianAbsR', 'shareAbove09', 'shareBelow05',
      'bestMatchMeanAbsR', 'cka', 'ckaDebiased', 'relativeParameterDistance', 'examples'];
    assert.deepEqual(Object.keys(rows[0] ?? {}), [...head, ...measures]);
    assert.deepEqual(Object.keys(rows[1] ?? {}), [...head, 'optimizer', ...measures]);
    assert.deepEqual(Object.keys(rows[2] ?? {}), [...head, 'optimizer', 'perturbation', ...measures]);
    assert.equal(rows[0]?.['cka'], null);
    assert.equal(rows[2]?.['perturbation'], 'flip-all');
  });

  it('the feature-similarity summary: one row per kind of pair, mean and t-interval columns per measure', () => {
    const pairs = [pair('seed', 'sgd', null, 0.8), pair('seed', 'sgd', null, 0.9), pair('seed', 'sgd', null, 1.0), pair('optimizer', null, null, 0.5)];
    const rows = signFlipTables(results({ pairs })).featureSimilarity;
    assert.deepEqual(rows.map((r) => [r['pairs'], r['n']]), [['seed (sgd)', 3], ['sgd vs adam', 1]]);
    // mean 0.9, s = 0.1, t(0.975, 2) = 4.302653: 0.9 ± 4.302653 · 0.1/√3 (SciPy t.interval).
    const half = 4.302652729749464 * 0.1 / Math.sqrt(3);
    assert.ok(Math.abs((rows[0]?.['cka'] as number) - 0.9) < 1e-12);
    assert.ok(Math.abs((rows[0]?.['ckaLo'] as number) - (0.9 - half)) < 1e-9);
    assert.ok(Math.abs((rows[0]?.['ckaHi'] as number) - (0.9 + half)) < 1e-9);
    // One pair: a mean, no interval; no finite value at all: every cell empty.
    assert.deepEqual([rows[1]?.['cka'], rows[1]?.['ckaLo'], rows[1]?.['ckaHi']], [0.5, null, null]);
    assert.deepEqual([rows[0]?.['ckaDebiased'], rows[0]?.['ckaDebiasedLo']], [null, null]);
    assert.deepEqual(Object.keys(rows[0] ?? {}).slice(0, 7), ['architecture', 'dataset', 'pairs', 'n', 'greedyMeanAbsR', 'greedyMeanAbsRLo', 'greedyMeanAbsRHi']);
  });
});

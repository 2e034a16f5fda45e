import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { selectBackend } from '../../../lib/src/backend/select';
import { cellOf, parameterChangeConfig, scheduledLr, type PcCellChoice } from '../../../lib/src/experiments/parameterChange/config';
import { trainParameterChangeCell } from '../../../lib/src/experiments/parameterChange/run';
import { runLrSweep } from '../../../lib/src/experiments/parameterChange/sweep';

describe('parameterChange lr sweep and cosine schedule (tiny scale)', function () {
  this.timeout(120_000);
  const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-pc-sweep-'));
  const config = parameterChangeConfig('tiny', { training: { epochs: 3, lrSchedule: 'cosine' } });
  const choice: PcCellChoice = { architecture: 'lenet5', init: 'kaiming-uniform', optimizer: 'sgd', dataset: 'mnist', seed: 100 };

  before(async () => { await selectBackend(); });
  after(() => fs.rmSync(cacheRoot, { recursive: true, force: true }));

  it('trains one run per lr, reports its best validation accuracy, and each epoch ran at its cosine lr', async () => {
    const results = await runLrSweep({ config, choice, learningRates: [0.01, 0.1] }, { cacheRoot });
    assert.deepEqual(results.map((r) => r.lr), [0.01, 0.1]);
    for (const [i, lr] of [0.01, 0.1].entries()) {
      const base = cellOf(config, choice);
      const run = await trainParameterChangeCell({ ...base, optimizer: { ...base.optimizer, lr } }, { cacheRoot });
      assert.deepEqual(run.history.map((e) => e.lr), [0, 1, 2].map((e) => scheduledLr('cosine', lr, e, 3)));
      const best = Math.max(...run.history.map((e) => e.valAccuracy ?? NaN));
      assert.equal(results[i]?.bestValAccuracy, best);
      assert.ok(best >= 0 && best <= 1);
    }
  });

  it('names the bad parameter', async () => {
    await assert.rejects(runLrSweep({ config, choice, learningRates: [] }, { cacheRoot }), /learningRates is empty/);
    await assert.rejects(runLrSweep({ config, choice, learningRates: [0.1, -1] }, { cacheRoot }), /every learning rate must be a positive number; got -1/);
  });
});

// Notebook 02 writes its central rule out in a visible cell: an element of a weight tensor is unchanged when
// |θ − θ₀| ≤ atol + rtol·|θ₀|, counted over the learned parameters that do not start at 0. This test runs the same
// lines (copied from the notebook) on a trained ResNet with BatchNorm (so that biases, BN β and BN running
// statistics are present and must be skipped) and compares the count with the library's unchangedWeights.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../lib/src/backend/select';
import { parameterChangeCells, parameterChangeConfig } from '../../../lib/src/experiments/parameterChange/config';
import { runParameterChange, trainedParameterChangeModel, type ParameterChangeResults } from '../../../lib/src/experiments/parameterChange/run';

describe('notebook 02 visible cell: the changed-fraction rule by hand equals the library', function () {
  this.timeout(240_000);
  const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-pc-cell-'));
  // rtol 0.05: after a few Adam steps part of the weights moved by more, part by less (checked below).
  const config = parameterChangeConfig('tiny', {
    architectures: ['resnet18'], optimizers: ['adam'], seeds: [0],
    training: { epochs: 2, batchSize: 8, maxStepsPerEpoch: 2, snapshotEvery: 1 },
    tolerance: { headline: { atol: 1e-8, rtol: 0.05 } },
  });
  let previousBackend = '';
  let results: ParameterChangeResults;

  before(async () => {
    previousBackend = tf.getBackend();
    await selectBackend();
    results = await runParameterChange(config, { cacheRoot, progress: false });
  });
  after(async () => {
    fs.rmSync(cacheRoot, { recursive: true, force: true });
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  it('counts the same changed weights as unchangedWeights, skipping zero-start and non-learned entries', async () => {
    const cells = parameterChangeCells(config);
    // The notebook's lines.
    const { model, run } = await trainedParameterChangeModel(cells[0]!, { cacheRoot });
    model.dispose();
    const init = run.snapshots.get('init')!, final = run.snapshots.get(config.compare)!;
    const { rtol, atol } = config.tolerance.headline;
    let changed = 0, total = 0;
    for (const [i, e0] of init.entries.entries()) {
      if (!e0.trainable || e0.values.every((v) => v === 0)) continue;
      const e1 = final.entries[i]!;
      for (let j = 0; j < e0.values.length; j++) if (!(Math.abs(e1.values[j]! - e0.values[j]!) <= atol + rtol * Math.abs(e0.values[j]!))) changed++;
      total += e0.values.length;
    }
    const lib = results.runs.find((r) => r.cacheKey === run.key)!;
    assert.ok(lib, 'the trained model is a run of the results');
    // Non-trivial: BN running statistics and zero-start entries exist, and the tolerance splits the weights.
    assert.ok(init.entries.some((e) => !e.trainable), 'BN running statistics present');
    assert.ok(init.entries.some((e) => e.trainable && e.values.every((v) => v === 0)), 'zero-start entries present');
    assert.ok(changed > 0 && changed < total, `changed ${changed} of ${total}`);
    assert.ok(Math.abs(1 - changed / total - lib.unchangedWeights!) < 1e-12, `${1 - changed / total} vs ${lib.unchangedWeights}`);
  });
});

import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, describeBackend } from '../../lib/src/backend/select';

describe('backend/select', () => {
  it('rejects an unknown forced backend by name', async () => {
    await assert.rejects(selectBackend({ force: 'tpu' }), /NETSTATS_BACKEND must be one of tfjs-node-gpu, tfjs-node, wasm, cpu; got 'tpu'/);
  });
  it('a forced backend that cannot load is an error, not a silent fallback', async function () {
    let native = true;
    try {
      require.resolve('@tensorflow/tfjs-node-gpu');
    } catch {
      native = false;
    }
    if (native) this.skip();
    await assert.rejects(selectBackend({ force: 'tfjs-node-gpu' }), /could not be activated/);
  });
  it('forcing cpu activates it and reports why', async () => {
    const report = await selectBackend({ force: 'cpu' });
    assert.equal(report.choice, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.match(describeBackend(report), /backend: cpu .*forced/);
  });
  it('the automatic choice reports every skipped better backend with a reason', async () => {
    const report = await selectBackend({ reselect: true });
    const order = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
    const chosenAt = order.indexOf(report.choice);
    assert.deepEqual(report.skipped.map((s) => s.choice), order.slice(0, chosenAt));
    for (const s of report.skipped) assert.ok(s.reason.length > 10, `no reason for ${s.choice}`);
    assert.equal(tf.getBackend(), report.tfBackend);
    await tf.setBackend('cpu');
  });
});

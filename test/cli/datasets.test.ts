// `npm run datasets` as a user runs it: a failure prints one line with the message, no stack trace, and exits 1.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');

describe('cli/datasets', function () {
  this.timeout(120000);

  it('an error stops it with the message only and exit status 1', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'lib', 'src', 'cli', 'datasets.ts')], {
      cwd: root, encoding: 'utf8', timeout: 100000, env: { ...process.env, NETSTATS_BACKEND: 'abacus' },
    });
    assert.equal(child.status, 1, child.stderr);
    assert.equal(child.stderr, "datasets: NETSTATS_BACKEND must be one of tfjs-node-gpu, tfjs-node, wasm, cpu; got 'abacus'\n");
    assert.equal(child.stdout, '');
  });
});

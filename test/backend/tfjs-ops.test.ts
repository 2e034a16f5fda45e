// tfjs-core's own op specs on wasm: no spec that passes on stock wasm may fail with the kernel pack, with or without
// the native addon (the harness, test/backend/tfjs-ops/run.ts, is also `npm run test:tfjs-ops`).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

describe('backend/kernels: tfjs-core op specs, stock wasm vs wasm + kernel pack', function () {
  this.timeout(600000);
  it('every spec that passes on stock wasm passes with the pack (addon on and off), and our MaxPoolGrad specs pass', () => {
    const root = path.resolve(__dirname, '..', '..');
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'tfjs-ops', 'run.ts')], {
      cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 590000,
    });
    const out = `${child.stdout ?? ''}${child.stderr ?? ''}`;
    const summary = out.split('\n').filter((l) => l.startsWith('tfjs-ops: ') && !l.includes('running')).join('\n');
    assert.strictEqual(child.status, 0, `tfjs-ops harness exited with ${String(child.status)}:\n${out.slice(-6000)}`);
    process.stdout.write(`${summary.replace(/^/gm, '      ')}\n`);
  });
});

// Regression: without the addon, convolutions run on the wasm backend's own kernels, which cache XNNPACK operators
// with the weights packed in (keyed by the weight's memory). The fused momentum update must not change parameters in
// place then, or those kernels keep the first weights and training stalls. Runs in a child process (NETSTATS_NATIVE=0).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

describe('backend/kernels: momentum training without the addon (wasm convolutions cache their weights)', function () {
  this.timeout(180000);
  it('the loss curve follows cpu step by step (no stale weights after an update)', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'momentumNoAddonScenario.ts')], {
      cwd: path.resolve(__dirname, '..', '..'), env: { ...process.env, NETSTATS_NATIVE: '0' }, encoding: 'utf8', timeout: 170000,
    });
    const last = (child.stdout ?? '').trim().split('\n').pop() ?? '';
    assert.strictEqual(child.status, 0, `scenario exited with ${String(child.status)}: ${last}\n${(child.stderr ?? '').slice(-2000)}`);
    const out = JSON.parse(last) as { native: boolean; cpu: number[]; wasm: number[] };
    assert.strictEqual(out.native, false);
    out.cpu.forEach((r, s) => assert.ok(Math.abs((out.wasm[s] as number) - r) <= 2e-3 * Math.max(1, Math.abs(r)),
      `step ${s}: wasm loss ${out.wasm[s]}, cpu loss ${r} (all: ${out.wasm.join(', ')} vs ${out.cpu.join(', ')})`));
    assert.ok(Math.abs((out.cpu[3] as number) - (out.cpu[0] as number)) > 1e-2, `loss did not move: ${out.cpu.join(', ')}`);
  });
});

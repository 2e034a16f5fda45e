// The kernel pack survives tf.engine().reset(): the wasm backend binds its kernels to the wasm module in each
// kernel's setupFunc, which tfjs re-runs for the registered kernels whenever it creates the backend again. The pack's
// fallbacks call those original kernels, so they must stay bound (and unregistering must restore them whole).
// Each scenario runs in a child process because an engine reset would dispose other test files' tensors.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { nativeStatus } from '../../lib/src/backend/native/addon';

const scenario = path.join(__dirname, 'fixtures', 'packResetScenario.ts');
const root = path.resolve(__dirname, '..', '..');
const STEPS = ['registered', 'after engine reset', 'after unregister + engine reset', 'after register again + engine reset'];

function runScenario(mode: 'native' | 'fallback', env: NodeJS.ProcessEnv): { steps: string[]; registered: string[] } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', scenario, mode], { cwd: root, env, encoding: 'utf8', timeout: 120000 });
  const lines = (child.stdout ?? '').trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  assert.strictEqual(child.status, 0, `scenario '${mode}' exited with ${String(child.status)}: ${last}\n${(child.stderr ?? '').slice(-2000)}`);
  return JSON.parse(last) as { steps: string[]; registered: string[] };
}

describe('backend/kernels: pack fallbacks after tf.engine().reset() and after unregister', function () {
  this.timeout(180000);

  it('with the native addon: ops through pack kernels and their fallbacks match cpu at every step', function () {
    if (!nativeStatus().active) this.skip();
    const out = runScenario('native', { ...process.env, NETSTATS_NATIVE: '' });
    assert.deepStrictEqual(out.steps, STEPS);
    // Add is a pack kernel only with the addon; its broadcast case falls back to wasm's own Add.
    assert.ok(out.registered.includes('Add'), `Add not registered: ${out.registered.join(', ')}`);
  });

  it('with the addon loaded but its kernels off: every pack kernel takes its JS/wasm path', function () {
    if (!nativeStatus().active) this.skip();
    const out = runScenario('fallback', { ...process.env, NETSTATS_NATIVE: '' });
    assert.deepStrictEqual(out.steps, STEPS);
  });

  it('without the addon (NETSTATS_NATIVE=0): the pack registered for no addon survives resets too', () => {
    const out = runScenario('native', { ...process.env, NETSTATS_NATIVE: '0' });
    assert.deepStrictEqual(out.steps, STEPS);
    assert.ok(out.registered.includes('Sum') && !out.registered.includes('Add'), `unexpected set: ${out.registered.join(', ')}`);
  });
});

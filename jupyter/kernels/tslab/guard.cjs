// Preloaded into the tslab kernel (kernel.json: node --require guard.cjs): ends the kernel as soon as the process
// that started it is gone. Jupyter starts kernels in a session of their own, so a runner killed by SIGKILL or SIGHUP
// (closed terminal, dropped ssh session, OOM killer) would otherwise leave the kernel training and writing to the
// cache under PID 1 for good. Watched: the Jupyter client that launched it (JPY_PARENT_PID, and a change of the
// kernel's parent) and the netstats notebook runner (NETSTATS_RUNNER_PID).
// The watcher is a small separate process, not a worker thread: it must fire while the kernel's main thread is busy
// in a long synchronous computation, and a worker thread inside the kernel made wasm training 1.5x slower and grew
// the kernel's memory by gigabytes (measured: 1.8 GB instead of 0.3 GB after one epoch of a 5x128 MLP). It ends the
// kernel with SIGKILL (cache writes are atomic, so nothing is left half-written) and exits when the kernel is gone.
'use strict';
const { spawn } = require('child_process');

const pids = [process.env.JPY_PARENT_PID, process.env.NETSTATS_RUNNER_PID]
  .map((v) => Number(v))
  .filter((pid) => Number.isSafeInteger(pid) && pid > 1);

const watcher = `
const { pids, ppid, kernel } = JSON.parse(process.argv[1]);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};
// The kernel's parent from /proc (Linux); null where that is not readable, then only the pids are watched.
const parentOf = (pid) => {
  try {
    const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
};
setInterval(() => {
  if (!alive(kernel)) process.exit(0);
  const gone = pids.find((pid) => !alive(pid));
  const parent = parentOf(kernel);
  const orphaned = parent !== null && parent !== ppid;
  if (gone === undefined && !orphaned) return;
  const why = orphaned ? 'its parent ' + ppid + ' is gone' : 'process ' + gone + ' that started it is gone';
  process.stderr.write('tslab kernel ' + kernel + ': ' + why + '; exiting\\n');
  try {
    process.kill(kernel, 'SIGKILL');
  } catch {}
  process.exit(0);
}, 250);
`;

// Started by hand (no parent to watch, or already orphaned at start): no watcher.
if (process.ppid > 1 || pids.length > 0) {
  const state = JSON.stringify({ pids, ppid: process.ppid, kernel: process.pid });
  const child = spawn(process.execPath, ['-e', watcher, state], { stdio: ['ignore', 'ignore', 'inherit'] });
  child.unref();
}

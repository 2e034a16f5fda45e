// Preloaded into the tslab kernel (kernel.json: node --require guard.cjs): ends the kernel as soon as the process
// that started it is gone. Jupyter starts kernels in a session of their own, so a runner killed by SIGKILL or SIGHUP
// (closed terminal, dropped ssh session, OOM killer) would otherwise leave the kernel training and writing to the
// cache under PID 1 for good. Watched: the Jupyter client that launched it (JPY_PARENT_PID, and a change of the
// kernel's parent) and the netstats notebook runner (NETSTATS_RUNNER_PID). The check runs on a worker thread so that
// it also fires while the kernel's main thread is busy in a long synchronous computation; it ends the kernel with
// SIGKILL, which needs no help from the main thread (cache writes are atomic, so nothing is left half-written).
'use strict';
const { Worker } = require('worker_threads');

const pids = [process.env.JPY_PARENT_PID, process.env.NETSTATS_RUNNER_PID]
  .map((v) => Number(v))
  .filter((pid) => Number.isSafeInteger(pid) && pid > 1);

const watcher = `
const { workerData } = require('worker_threads');
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};
setInterval(() => {
  const gone = workerData.pids.find((pid) => !alive(pid));
  const orphaned = process.ppid !== workerData.ppid;
  if (gone === undefined && !orphaned) return;
  const why = orphaned ? 'its parent ' + workerData.ppid + ' is gone' : 'process ' + gone + ' that started it is gone';
  process.stderr.write('tslab kernel ' + workerData.kernel + ': ' + why + '; exiting\\n');
  process.kill(workerData.kernel, 'SIGKILL');
}, 250);
`;

// Started by hand (no parent to watch, or already orphaned at start): no watcher.
if (process.ppid > 1 || pids.length > 0) {
  const worker = new Worker(watcher, { eval: true, workerData: { pids, ppid: process.ppid, kernel: process.pid } });
  worker.unref();
}

/**
 * npm run worker -- --queue redis://host:port [--concurrency N] [--lock-ms MS] [--log FILE]
 * Computes cells from the queue until stopped (Ctrl-C or SIGTERM: the cells under way finish first; a second Ctrl-C
 * stops at once and their jobs go back to the queue). Run one per machine, on the coordinator's commit, with
 * NETSTATS_CACHE pointing at the cache folder that every machine shares and the datasets where NETSTATS_DATA says.
 */
import * as os from 'os';
import { workerName } from '../queue/jobs';
import { parseQueueUrl } from '../queue/redisUrl';
import { checkServer } from '../queue/server';
import { startCellWorker } from '../queue/worker';
import { cacheDir } from '../util/paths';
import { checkBeforeRun } from './runChecks';
import { integerOption, takeOption } from './options';

async function main(): Promise<void> {
  let argv = process.argv.slice(2);
  const take = (name: string): string | undefined => {
    const { value, rest } = takeOption(argv, name);
    argv = rest;
    return value;
  };
  const url = take('--queue');
  const concurrency = integerOption('--concurrency', take('--concurrency'), 1, 1, 256);
  const lockMs = integerOption('--lock-ms', take('--lock-ms'), 30_000, 1000, 3_600_000);
  const executionLog = take('--log');
  if (argv.length > 0) throw new Error(`unknown argument(s): ${argv.join(' ')} (usage: npm run worker -- --queue redis://host:port [--concurrency N] [--lock-ms MS] [--log FILE])`);
  if (url === undefined) throw new Error('--queue is required: the Redis URL of the queue, e.g. npm run worker -- --queue redis://127.0.0.1:6379');
  const server = parseQueueUrl(url, '--queue');
  checkBeforeRun((line) => console.log(`worker: ${line}`));
  await checkServer(server, '--queue');
  const name = workerName(os.hostname(), process.pid);
  const log = (line: string): void => console.log(`worker ${name}: ${line}`);
  const worker = startCellWorker({ server, name, concurrency, lockMs, log, ...(executionLog === undefined ? {} : { executionLog }) });
  log(`computing cells from ${server.display} (cache ${cacheDir()}, ${concurrency} at a time); Ctrl-C stops after the cells under way`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) {
      log('stopping now; the cells under way go back to the queue');
      process.exit(130);
    }
    stopping = true;
    log('finishing the cells under way, then stopping (Ctrl-C again to stop now)');
    worker.close().then(() => process.exit(0), (err: unknown) => {
      console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

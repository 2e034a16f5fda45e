// Reaching the queue's Redis: a clear error before any work when it is not there.
import * as net from 'net';
import type { QueueServer } from './redisUrl';

/**
 * Opens and closes one TCP connection to the server. Throws, naming the parameter the URL came from, when nothing
 * answers within `timeoutMs` (ioredis itself would retry for ever and a worker or coordinator would just hang).
 */
export function checkServer(server: QueueServer, parameter: string, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    const fail = (why: string): void => {
      socket.destroy();
      reject(new Error(`${parameter} ${server.display}: cannot reach Redis there (${why}); start one with 'redis-server --port ${server.port}' ` +
        `(Debian: apt-get install redis-server) or give the URL of a running one`));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs / 1000} s`));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
  });
}

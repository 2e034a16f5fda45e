// The Redis server of a queue, as given on the command line, checked before anything is enqueued or run.
import type { ConnectionOptions } from 'bullmq';

/** Where the queue's Redis is: a parsed redis:// or rediss:// URL. */
export interface QueueServer {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL for messages, with the password left out. */
  display: string;
}

/** A queue URL that cannot be used: the message names the parameter, what it got and what it expects. */
export class QueueUrlError extends Error {
  constructor(parameter: string, value: string, problem: string) {
    super(`${parameter} ${JSON.stringify(value)} is not a usable Redis URL: ${problem} (expected redis://host:port, e.g. redis://127.0.0.1:6379; ` +
      'rediss:// for TLS, redis://:password@host:port/db with a password and a database number)');
    this.name = 'QueueUrlError';
  }
}

/** Parses the value of `parameter` (for messages, e.g. '--queue'); throws QueueUrlError naming it. */
export function parseQueueUrl(value: string, parameter: string): QueueServer {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new QueueUrlError(parameter, value, 'not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new QueueUrlError(parameter, value, `the scheme is '${url.protocol.replace(/:$/, '')}', not redis or rediss`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new QueueUrlError(parameter, value, 'no host');
  const port = url.port === '' ? 6379 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new QueueUrlError(parameter, value, `port ${url.port} is outside 1-65535`);
  const dbText = url.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(dbText)) throw new QueueUrlError(parameter, value, `the path '${url.pathname}' is not a database number`);
  if (url.search !== '' || url.hash !== '') throw new QueueUrlError(parameter, value, 'query strings and fragments are not used');
  const server: QueueServer = {
    host,
    port,
    db: dbText === '' ? 0 : Number(dbText),
    tls: url.protocol === 'rediss:',
    display: `${url.protocol}//${url.hostname}:${port}${dbText === '' ? '' : `/${dbText}`}`,
  };
  if (url.username !== '') server.username = decodeURIComponent(url.username);
  if (url.password !== '') server.password = decodeURIComponent(url.password);
  return server;
}

/**
 * BullMQ connection options of a server. No retry limit per command (BullMQ's blocking reads need that), and a
 * server that cannot be reached fails fast at the first check instead of being retried for ever (see checkServer).
 */
export function connectionOf(server: QueueServer): ConnectionOptions {
  return {
    host: server.host,
    port: server.port,
    db: server.db,
    ...(server.username === undefined ? {} : { username: server.username }),
    ...(server.password === undefined ? {} : { password: server.password }),
    ...(server.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';

/**
 * One file over HTTP(S), safely: the body streams into `<dest>.part`; a dropped connection or a stall is retried
 * with an HTTP Range request from where the part file ends; the whole file is then checked against its known
 * digest and only then renamed to `dest`. A loader therefore never sees a partial or corrupt file under the final
 * name. A wrong digest deletes the part file (re-downloading the same bytes would not help).
 *
 * HTTP goes through undici (Node's own HTTP client, kept by the Node.js project); its EnvHttpProxyAgent honours
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY the way curl does, so we do not parse proxy settings ourselves.
 */

export type DownloadFailure = 'offline' | 'http' | 'stalled' | 'dropped' | 'checksum';

export class DownloadError extends Error {
  constructor(
    readonly kind: DownloadFailure,
    readonly url: string,
    detail: string,
  ) {
    super(`${url}: ${detail}`);
    this.name = 'DownloadError';
  }
}

export interface ExpectedDigest {
  algorithm: 'sha256' | 'md5';
  hex: string;
}

export interface DownloadOptions {
  /** HTTP dispatcher; default: a proxy-aware agent built from the environment (HTTPS_PROXY, NO_PROXY). */
  dispatcher?: Dispatcher;
  /** Give up on a connection attempt after this long (default 15 s). */
  connectTimeoutMs?: number;
  /** A response that sends no headers or no body bytes for this long counts as stalled (default 30 s). */
  stallTimeoutMs?: number;
  /** Further attempts after a dropped or stalled transfer, each resuming where the part file ends (default 4). */
  retries?: number;
  /** Called as bytes arrive: bytes on disk so far, and the total when the server said it. */
  onProgress?: (received: number, total: number | undefined) => void;
}

/** Network errors that mean "cannot reach the host at all": reported at once, without retrying. */
const UNREACHABLE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);
const STALL_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  // undici wraps the socket error; walk the cause chain.
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A dispatcher that goes through the proxy the environment names (HTTPS_PROXY / HTTP_PROXY, lower-case too,
 * minus NO_PROXY hosts) and follows up to 5 redirects.
 */
export function proxyDispatcherFromEnv(env: NodeJS.ProcessEnv = process.env, connectTimeoutMs = 15_000): Dispatcher {
  const pick = (name: string): string | undefined => env[name] ?? env[name.toLowerCase()] ?? undefined;
  return new EnvHttpProxyAgent({
    httpProxy: pick('HTTP_PROXY'),
    httpsProxy: pick('HTTPS_PROXY'),
    noProxy: pick('NO_PROXY'),
    connect: { timeout: connectTimeoutMs },
  }).compose(interceptors.redirect({ maxRedirections: 5 }));
}

let defaultDispatcher: Dispatcher | undefined;
/** The process's proxy-aware dispatcher, created once. */
export function environmentDispatcher(connectTimeoutMs = 15_000): Dispatcher {
  defaultDispatcher ??= proxyDispatcherFromEnv(process.env, connectTimeoutMs);
  return defaultDispatcher;
}

/** Digest of a whole file, streamed. */
export async function fileDigest(file: string, algorithm: ExpectedDigest['algorithm']): Promise<string> {
  const hash = crypto.createHash(algorithm);
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

const sizeOf = (file: string): number => (fs.existsSync(file) ? fs.statSync(file).size : 0);

/** Start byte of a `Content-Range: bytes START-END/TOTAL` header, and the total when given. */
function parseContentRange(header: string | string[] | undefined): { start: number; total?: number } | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(header ?? '').trim());
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) };
}

/**
 * One request, appending to the part file from byte `offset`. Returns when the body ended; throws on HTTP errors.
 * Returns 'complete' when the server says the range starts past the end (the part file already holds everything).
 */
async function transfer(
  url: string,
  part: string,
  offset: number,
  options: Required<Pick<DownloadOptions, 'stallTimeoutMs'>> & DownloadOptions & { dispatcher: Dispatcher },
): Promise<'done' | 'complete'> {
  const response = await request(url, {
    dispatcher: options.dispatcher,
    method: 'GET',
    headers: offset > 0 ? { range: `bytes=${offset}-`, 'accept-encoding': 'identity' } : { 'accept-encoding': 'identity' },
    headersTimeout: options.stallTimeoutMs,
    bodyTimeout: options.stallTimeoutMs,
  });
  const status = response.statusCode;
  if (status === 416 && offset > 0) {
    await response.body.dump();
    return 'complete';
  }
  if (status !== 200 && status !== 206) {
    await response.body.dump();
    throw new DownloadError('http', url, `HTTP ${status}${status === 404 ? ' (not found)' : ''}`);
  }
  let start = 0;
  let total: number | undefined;
  const length = Number(response.headers['content-length']);
  if (status === 206) {
    const range = parseContentRange(response.headers['content-range']);
    if (!range || range.start !== offset) {
      await response.body.dump();
      throw new DownloadError('http', url, `asked for bytes from ${offset}, server answered ${String(response.headers['content-range'])}`);
    }
    start = offset;
    total = range.total;
  } else if (Number.isFinite(length)) {
    total = length;
  }
  // 200 to a Range request: the server ignores ranges, so the part file starts over.
  let received = start;
  options.onProgress?.(received, total);
  // Each chunk is written synchronously as it arrives, so the body never applies backpressure: undici 7 crashes the
  // process (an uncatchable assertion, nodejs/undici#5360, fixed only in undici 8 which needs Node 22) when a server
  // closes the connection while the parser is paused.
  const fd = fs.openSync(part, start > 0 ? 'a' : 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      response.body.on('data', (chunk: Buffer) => {
        try {
          fs.writeSync(fd, chunk);
        } catch (err) {
          response.body.destroy(err as Error);
          return;
        }
        received += chunk.length;
        options.onProgress?.(received, total);
      });
      response.body.once('end', resolve);
      response.body.once('error', reject);
    });
  } finally {
    fs.closeSync(fd);
  }
  if (total !== undefined && received < total) {
    throw new DownloadError('dropped', url, `connection ended after ${received} of ${total} bytes`);
  }
  return 'done';
}

/**
 * Downloads `url` to `dest` (see the module comment). Resumes from an existing `<dest>.part`. Throws DownloadError:
 * 'offline' at once when the host cannot be reached, 'http' for an error status, 'stalled' / 'dropped' after the
 * retries, 'checksum' when the bytes are not the expected ones (nothing is left behind then).
 */
export async function downloadFile(url: string, dest: string, expected: ExpectedDigest, options: DownloadOptions = {}): Promise<void> {
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
  const retries = options.retries ?? 4;
  const dispatcher = options.dispatcher ?? environmentDispatcher(options.connectTimeoutMs);
  const part = `${dest}.part`;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  let lastFailure: DownloadError | undefined;
  let complete = false;
  for (let attempt = 0; attempt <= retries && !complete; attempt++) {
    try {
      await transfer(url, part, sizeOf(part), { ...options, dispatcher, stallTimeoutMs });
      complete = true;
    } catch (err) {
      if (err instanceof DownloadError && err.kind === 'http') throw err;
      const code = errorCode(err);
      if (code && UNREACHABLE_CODES.has(code)) {
        throw new DownloadError('offline', url, `cannot connect (${code}); no network, a firewall, or a proxy that HTTPS_PROXY should name`);
      }
      lastFailure =
        err instanceof DownloadError
          ? err
          : code && STALL_CODES.has(code)
            ? new DownloadError('stalled', url, `no data for ${(stallTimeoutMs / 1000).toFixed(1)} s`)
            : new DownloadError('dropped', url, `transfer interrupted (${code ?? (err as Error).message})`);
      if (attempt < retries) await new Promise((r) => setTimeout(r, Math.min(4000, 250 * 2 ** attempt)));
    }
  }
  if (!complete) {
    throw new DownloadError(
      lastFailure?.kind ?? 'dropped',
      url,
      `${lastFailure?.message.slice(url.length + 2) ?? 'failed'}; gave up after ${retries + 1} attempts (${sizeOf(part)} bytes kept in ${part}; run again to resume)`,
    );
  }
  const actual = await fileDigest(part, expected.algorithm);
  if (actual !== expected.hex) {
    fs.rmSync(part, { force: true });
    throw new DownloadError(
      'checksum',
      url,
      `checksum mismatch: ${expected.algorithm} expected ${expected.hex}, got ${actual}; the download was deleted (a corrupt mirror or a changed file upstream)`,
    );
  }
  fs.renameSync(part, dest);
}

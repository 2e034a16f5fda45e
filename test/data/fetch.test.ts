/**
 * The dataset fetcher against a local HTTP server on 127.0.0.1 that each test starts: a plain download, a
 * connection dropped half-way (resumed with a Range request), a wrong checksum, a 404, a server that stalls, a port
 * nobody listens on (offline), a CONNECT proxy named by HTTPS_PROXY/HTTP_PROXY, and the Tiny Darknet install from a
 * mirror when a copy of the model is available to serve.
 */
import { strict as assert } from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { DownloadError, downloadFile } from '../../lib/src/data/fetch/download';
import { proxyDispatcherFromEnv } from '../../lib/src/data/fetch/download';
import { fetchDataset } from '../../lib/src/data/fetch/install';
import { locateTinyDarknet } from '../../lib/src/data/locations';
import { listFilesRecursive, treeSha256, KNOWN_TREE_CHECKSUMS } from '../../lib/src/data/checksums';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(handler: Handler): Promise<{ base: string; close: () => Promise<void>; requests: http.IncomingHttpHeaders[] }> {
  const requests: http.IncomingHttpHeaders[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    requests.push(req.headers);
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

/** Serves `body` with Range support, the way a static file server does. */
function rangeServer(body: Buffer): Handler {
  return (req, res) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  };
}

describe('dataset fetcher (local HTTP server)', function () {
  this.timeout(30_000);
  let dir: string;
  const body = crypto.randomBytes(300_000);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-fetch-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('downloads a file, verifies it and leaves no part file', async () => {
    const server = await serve(rangeServer(body));
    try {
      const dest = path.join(dir, 'f.bin');
      let lastProgress = 0;
      await downloadFile(`${server.base}/f.bin`, dest, { algorithm: 'sha256', hex: sha256(body) }, { onProgress: (n) => (lastProgress = n) });
      assert.ok(fs.readFileSync(dest).equals(body));
      assert.equal(lastProgress, body.length);
      assert.deepEqual(fs.readdirSync(dir), ['f.bin']);
    } finally {
      await server.close();
    }
  });

  it('reads a large body from a server that closes the connection after it (HTTP/1.0 style, e.g. python -m http.server)', async () => {
    const big = crypto.randomBytes(8_000_000);
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': big.length, connection: 'close' });
      res.end(big, () => res.socket?.end());
    });
    try {
      const dest = path.join(dir, 'big.bin');
      await downloadFile(`${server.base}/big.bin`, dest, { algorithm: 'sha256', hex: sha256(big) });
      assert.equal(fs.statSync(dest).size, big.length);
    } finally {
      await server.close();
    }
  });

  it('resumes with a Range request after the connection drops half-way', async () => {
    let first = true;
    const ranged = rangeServer(body);
    const server = await serve((req, res) => {
      if (first) {
        first = false;
        // Promise the whole body, send the first 100000 bytes, then cut the connection.
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 100_000), () => setTimeout(() => res.socket?.destroy(), 50));
        return;
      }
      ranged(req, res);
    });
    try {
      const dest = path.join(dir, 'f.bin');
      await downloadFile(`${server.base}/f.bin`, dest, { algorithm: 'md5', hex: crypto.createHash('md5').update(body).digest('hex') }, { retries: 2 });
      assert.ok(fs.readFileSync(dest).equals(body));
      assert.equal(server.requests.length, 2);
      assert.equal(server.requests[0]?.range, undefined);
      // The second request asks for exactly what the part file was missing.
      assert.equal(server.requests[1]?.range, 'bytes=100000-');
    } finally {
      await server.close();
    }
  });

  it('rejects a wrong checksum with a clear error and deletes the download', async () => {
    const server = await serve(rangeServer(body));
    try {
      const dest = path.join(dir, 'f.bin');
      const wrong = '0'.repeat(64);
      await assert.rejects(downloadFile(`${server.base}/f.bin`, dest, { algorithm: 'sha256', hex: wrong }), (err: unknown) => {
        assert.ok(err instanceof DownloadError);
        assert.equal(err.kind, 'checksum');
        assert.match(err.message, new RegExp(`${server.base}/f.bin: checksum mismatch: sha256 expected ${wrong}, got ${sha256(body)}`));
        return true;
      });
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      await server.close();
    }
  });

  it('reports a 404 with the URL and writes nothing', async () => {
    const server = await serve((_req, res) => res.writeHead(404).end('no'));
    try {
      await assert.rejects(downloadFile(`${server.base}/missing.bin`, path.join(dir, 'm.bin'), { algorithm: 'sha256', hex: sha256(body) }), (err: unknown) => {
        assert.ok(err instanceof DownloadError);
        assert.equal(err.kind, 'http');
        assert.match(err.message, /\/missing\.bin: HTTP 404 \(not found\)/);
        return true;
      });
      assert.equal(server.requests.length, 1, 'a 404 is not retried');
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      await server.close();
    }
  });

  it('gives up on a server that stalls, within the bounded timeout', async () => {
    // Headers and 1000 bytes, then silence with the connection open.
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1000));
    });
    try {
      const start = Date.now();
      await assert.rejects(
        downloadFile(`${server.base}/slow.bin`, path.join(dir, 's.bin'), { algorithm: 'sha256', hex: sha256(body) }, { stallTimeoutMs: 300, retries: 1 }),
        (err: unknown) => {
          assert.ok(err instanceof DownloadError);
          assert.equal(err.kind, 'stalled');
          assert.match(err.message, /no data for 0\.3 s; gave up after 2 attempts/);
          return true;
        },
      );
      // Two stalls of 0.3 s and one back-off of 0.25 s; far below the test's own timeout.
      assert.ok(Date.now() - start < 5000, `took ${Date.now() - start} ms`);
      assert.equal(server.requests.length, 2);
      assert.equal(server.requests[1]?.range, 'bytes=1000-', 'the retry resumes');
      assert.ok(!fs.existsSync(path.join(dir, 's.bin')), 'no file under the final name');
    } finally {
      await server.close();
    }
  });

  it('fails at once, without retrying, when nothing listens (offline)', async () => {
    const server = await serve(() => undefined);
    const base = server.base;
    await server.close();
    const start = Date.now();
    await assert.rejects(downloadFile(`${base}/x.bin`, path.join(dir, 'x.bin'), { algorithm: 'sha256', hex: sha256(body) }, { retries: 4 }), (err: unknown) => {
      assert.ok(err instanceof DownloadError);
      assert.equal(err.kind, 'offline');
      assert.ok(err.message.startsWith(`${base}/x.bin: cannot connect (ECONNREFUSED)`), err.message);
      return true;
    });
    assert.ok(Date.now() - start < 1000, 'no back-off for an unreachable host');
  });

  it('goes through the proxy named by HTTP_PROXY', async () => {
    const server = await serve(rangeServer(body));
    const tunnels: string[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    try {
      const dispatcher = proxyDispatcherFromEnv({ HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, NO_PROXY: '' });
      const dest = path.join(dir, 'p.bin');
      await downloadFile(`${server.base}/p.bin`, dest, { algorithm: 'sha256', hex: sha256(body) }, { dispatcher });
      assert.ok(fs.readFileSync(dest).equals(body));
      assert.deepEqual(tunnels, [server.base.replace('http://', '')]);
    } finally {
      proxy.close();
      await server.close();
    }
  });

  describe('Tiny Darknet from NETSTATS_MIRROR', () => {
    const model = locateTinyDarknet().dir;
    before(function () {
      if (!model) {
        console.log('      (skipped: no Tiny Darknet copy to serve as the mirror; `npm run datasets -- --fetch darknet-tiny` gets one)');
        this.skip();
      }
    });

    /** Serves <model>/<file> as /darknet-tiny/<file>, optionally with one byte of one file flipped. */
    const mirror = (corrupt?: string): Handler => (req, res) => {
      const name = path.basename(req.url ?? '');
      const file = path.join(model ?? '', name);
      if (!req.url?.startsWith('/darknet-tiny/') || !fs.existsSync(file)) return void res.writeHead(404).end();
      const bytes = fs.readFileSync(file);
      if (name === corrupt) bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 1;
      res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
    };

    it('installs the model, whose folder digest equals the known one', async () => {
      const server = await serve(mirror());
      try {
        const installed = await fetchDataset('darknet-tiny', { dataDir: dir, mirror: server.base, quiet: true });
        assert.equal(installed, path.join(dir, 'darknet-tiny'));
        const digest = treeSha256(installed, listFilesRecursive(installed));
        assert.equal(digest, KNOWN_TREE_CHECKSUMS['darknet-tiny']?.sha256);
        assert.deepEqual(fs.readdirSync(dir), ['darknet-tiny'], 'no downloads or staging folder left');
      } finally {
        await server.close();
      }
    });

    it('refuses a shard with one byte changed and leaves nothing in the data folder', async () => {
      const server = await serve(mirror('group19-shard1of1'));
      try {
        await assert.rejects(fetchDataset('darknet-tiny', { dataDir: dir, mirror: server.base, quiet: true }), /group19-shard1of1: checksum mismatch: sha256 expected 4f16fe42/);
        assert.deepEqual(fs.readdirSync(dir), []);
      } finally {
        await server.close();
      }
    });
  });
});

/**
 * A private Jupyter notebook server for the browser test: bound to 127.0.0.1 on a free port, a random token, the
 * project's kernelspec (JUPYTER_PATH=<repo>/jupyter), its own config and runtime folders (the user's Jupyter settings
 * cannot change what is tested), and a stop() that always ends it.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { jupyterPython } from '../../lib/src/cli/notebooks';

export interface JupyterServer {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly token: string;
  /** Everything the server printed (for failure messages). */
  log(): string;
  /** A call to the server's REST API with the token; resolves the parsed JSON. */
  api<T>(route: string, method?: 'GET' | 'DELETE' | 'POST'): Promise<T>;
  /** Shuts kernels and server down: the REST shutdown, then SIGTERM, then SIGKILL. Safe to call twice. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function request(url: string, method: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, timeout: 10_000, headers: { Authorization: `token ${token}` } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!exited(child) && Date.now() < until) await sleep(100);
  return exited(child);
}

/**
 * Starts `python3 -m notebook` serving `notebookDir` and waits until its API answers. `env` is added to the server's
 * environment, which its kernels inherit (e.g. NETSTATS_SCALE).
 */
export async function startJupyterServer(root: string, notebookDir: string, env: NodeJS.ProcessEnv): Promise<JupyterServer> {
  const port = await freePort();
  const token = crypto.randomBytes(24).toString('hex');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-jupyter-'));
  const args = [
    '-m', 'notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0',
    `--notebook-dir=${notebookDir}`, `--NotebookApp.token=${token}`, '--NotebookApp.password=',
    // CI containers run as root, which the server refuses without this
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
  ];
  const child = spawn(jupyterPython(), args, {
    cwd: notebookDir,
    // its own process group, so stop() can signal the server and anything it runs without touching this process
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...env,
      JUPYTER_PATH: path.join(root, 'jupyter'),
      JUPYTER_CONFIG_DIR: path.join(home, 'config'),
      JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
    },
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));

  const url = `http://127.0.0.1:${port}`;
  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined || exited(child)) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  // A test run that crashes or is interrupted must not leave the server behind (it runs in its own process group, so
  // Ctrl-C in the terminal does not reach it). SIGTERM, not SIGKILL: on SIGTERM the server shuts its kernels down.
  const onExit = (): void => {
    killGroup('SIGTERM');
    fs.rmSync(home, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    onExit();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let stopped = false;
  const server: JupyterServer = {
    url,
    token,
    log: () => output,
    async api<T>(route: string, method: 'GET' | 'DELETE' | 'POST' = 'GET'): Promise<T> {
      const res = await request(`${url}${route}`, method, token);
      if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${route}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
      return (res.body.length > 0 ? JSON.parse(res.body) : null) as T;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // The server starts each kernel in a session of its own (so it can interrupt it): a signal to the server's
      // group would miss the kernels, so the server is asked to shut them down itself first.
      if (!exited(child)) {
        try {
          await request(`${url}/api/shutdown`, 'POST', token);
        } catch {
          // not answering: the signals below end it
        }
      }
      if (!(await waitForExit(child, 10_000))) {
        killGroup('SIGTERM');
        if (!(await waitForExit(child, 5_000))) killGroup('SIGKILL');
      }
      process.removeListener('exit', onExit);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (spawnError) throw new Error(`could not start ${jupyterPython()} -m notebook (${spawnError.message}); on Debian: apt-get install jupyter-notebook`);
    if (exited(child)) {
      await server.stop();
      throw new Error(`the notebook server exited (code ${child.exitCode}); on Debian it comes from apt-get install jupyter-notebook. Its output:\n${output}`);
    }
    try {
      const res = await request(`${url}/api/status`, 'GET', token);
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the notebook server did not answer on ${url} within 60 s. Its output:\n${output}`);
    }
    await sleep(250);
  }
}

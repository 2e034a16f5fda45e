import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SCALES } from './scale';

/**
 * Readers of the NETSTATS_* environment variables that refuse bad values with an error naming the variable, the
 * value and what is allowed (a silently ignored setting makes a run do something else than asked). README.md has
 * the table of all of them; ENV_VARIABLES below is the same list, and checkEnvironment() checks them all at once.
 */

/** A setting that is set but not usable: the message names the variable, its value and what it must be. */
export class EnvError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    expected: string,
  ) {
    super(`${variable}=${JSON.stringify(value)} is not valid: ${expected}`);
    this.name = 'EnvError';
  }
}

/** The value, or undefined when unset or empty (an empty value means "use the default", as for unset). */
export function envValue(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}

/** An integer in [min, max] written in decimal digits (no '1.5', '1e3', ' 4', '0x10'), or undefined when unset. */
export function envInteger(name: string, min: number, max: number, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = envValue(name, env);
  if (raw === undefined) return undefined;
  const value = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new EnvError(name, raw, `an integer from ${min} to ${max}`);
  }
  return value;
}

/** An http:// or https:// URL (a mirror's base), or undefined when unset. */
export function envHttpUrl(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = envValue(name, env);
  if (raw === undefined) return undefined;
  let protocol = '';
  try {
    protocol = new URL(raw.trim()).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new EnvError(name, raw, 'an http:// or https:// base URL');
  return raw.trim();
}

/** FMA units per core that the peak formula may assume (no x86 core has more than two full-width ones). */
export const MAX_FMA_UNITS = 4;

/** A 0/1 switch: '0' or '1' only ('false', 'off', 'no' are refused rather than read as on). Undefined when unset. */
export function envFlag(name: string, env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  const raw = envValue(name, env);
  if (raw === undefined) return undefined;
  if (raw === '0') return false;
  if (raw === '1') return true;
  throw new EnvError(name, raw, "0 (off) or 1 (on)");
}

/** One of the listed words, or undefined when unset. */
export function envChoice<T extends string>(name: string, choices: readonly T[], env: NodeJS.ProcessEnv = process.env): T | undefined {
  const raw = envValue(name, env);
  if (raw === undefined) return undefined;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new EnvError(name, raw, `one of ${choices.join(', ')}`);
}

/** The path of an existing regular file that this user may execute, or undefined when unset. */
export function envExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = envValue(name, env);
  if (raw === undefined) return undefined;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(raw);
  } catch {
    throw new EnvError(name, raw, 'the path of an executable file, and nothing exists there');
  }
  if (!stat.isFile()) throw new EnvError(name, raw, 'the path of an executable file, and this is not a file');
  try {
    fs.accessSync(raw, fs.constants.X_OK);
  } catch {
    throw new EnvError(name, raw, 'the path of an executable file, and this file is not executable (chmod +x?)');
  }
  return raw;
}

/**
 * NETSTATS_CHROMIUM as a browser: an executable whose `--version` succeeds and names Chromium or Chrome (a wrong
 * program otherwise only fails later, inside playwright, with "Target page, context or browser has been closed").
 */
export function envChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = envExecutable('NETSTATS_CHROMIUM', env);
  if (file === undefined) return undefined;
  const probe = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 20000 });
  const said = `${probe.stdout ?? ''}${probe.stderr ?? ''}`.trim().split('\n')[0] ?? '';
  if (probe.error || probe.status !== 0 || !/chrom/i.test(said)) {
    const why = probe.error ? probe.error.message : `'${file} --version' exited ${probe.status} and printed '${said}'`;
    throw new EnvError('NETSTATS_CHROMIUM', file, `a Chromium or Chrome executable (${why})`);
  }
  return file;
}

/** A folder path (created when absent), or undefined when unset; a path to an existing non-folder is refused. */
export function envFolder(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = envValue(name, env);
  if (raw === undefined) return undefined;
  if (fs.existsSync(raw) && !fs.statSync(raw).isDirectory()) throw new EnvError(name, raw, 'a folder path, and this is a file');
  return path.resolve(raw);
}

/** Upper bound of NETSTATS_THREADS: the native addon's thread pool holds at most this many threads. */
export const MAX_NATIVE_THREADS = 16;

/** Every variable the project reads, with what it accepts: the source of README.md's table. */
export const ENV_VARIABLES: readonly { name: string; accepts: string; check: (env: NodeJS.ProcessEnv) => unknown }[] = [
  { name: 'NETSTATS_SCALE', accepts: SCALES.join(' | '), check: (env) => envChoice('NETSTATS_SCALE', SCALES, env) },
  { name: 'NETSTATS_BACKEND', accepts: 'tfjs-node-gpu | tfjs-node | wasm | cpu', check: (env) => envChoice('NETSTATS_BACKEND', ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'], env) },
  { name: 'NETSTATS_THREADS', accepts: `integer 1..${MAX_NATIVE_THREADS}`, check: (env) => envInteger('NETSTATS_THREADS', 1, MAX_NATIVE_THREADS, env) },
  { name: 'NETSTATS_NATIVE', accepts: '0 | 1', check: (env) => envFlag('NETSTATS_NATIVE', env) },
  { name: 'NETSTATS_ONEDNN', accepts: '0 | 1', check: (env) => envFlag('NETSTATS_ONEDNN', env) },
  { name: 'NETSTATS_QUIET', accepts: '0 | 1', check: (env) => envFlag('NETSTATS_QUIET', env) },
  { name: 'NETSTATS_CACHE', accepts: 'folder', check: (env) => envFolder('NETSTATS_CACHE', env) },
  { name: 'NETSTATS_FIGURES', accepts: 'folder', check: (env) => envFolder('NETSTATS_FIGURES', env) },
  { name: 'NETSTATS_DATA_CACHE', accepts: 'folder', check: (env) => envFolder('NETSTATS_DATA_CACHE', env) },
  { name: 'NETSTATS_PYTHON', accepts: 'executable', check: (env) => envExecutable('NETSTATS_PYTHON', env) },
  { name: 'NETSTATS_CHROMIUM', accepts: 'Chromium executable', check: (env) => envChromium(env) },
  { name: 'NETSTATS_TEST_FULL_DATA', accepts: '0 | 1', check: (env) => envFlag('NETSTATS_TEST_FULL_DATA', env) },
  { name: 'NETSTATS_MIRROR', accepts: 'http(s) base URL', check: (env) => envHttpUrl('NETSTATS_MIRROR', env) },
  { name: 'NETSTATS_FMA_UNITS', accepts: `integer 1..${MAX_FMA_UNITS}`, check: (env) => envInteger('NETSTATS_FMA_UNITS', 1, MAX_FMA_UNITS, env) },
];

/**
 * Checks every NETSTATS_* variable that is set; returns one message per bad value (empty when all are fine).
 * NETSTATS_DATA (folders searched in turn, missing ones skipped) and NETSTATS_RUNNER_PID (set by the notebook runner
 * for its kernels) take any value.
 */
export function checkEnvironment(env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  for (const v of ENV_VARIABLES) {
    try {
      v.check(env);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return problems;
}

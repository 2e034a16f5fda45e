import { pidAlive } from './atomic';
import { envValue } from './env';

/**
 * The notebook runner (cli/notebooks runNotebook) puts its pid in NETSTATS_RUNNER_PID for the Jupyter runner and the
 * kernel it starts. Work done for a runner that is gone has no reader, and a kernel that outlives it would keep
 * training and writing to a cache that later runs share.
 */
export const RUNNER_PID_VARIABLE = 'NETSTATS_RUNNER_PID';

/** The runner's pid when it is set and that process is gone; undefined otherwise (no runner, or it is alive). */
export function goneRunner(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = envValue(RUNNER_PID_VARIABLE, env);
  if (raw === undefined) return undefined;
  const pid = Number(raw);
  return pidAlive(pid) ? undefined : pid;
}

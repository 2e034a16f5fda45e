/**
 * How big an experiment runs (the rules are in the project's scales-and-verdicts spec):
 * `tiny` for tests (seconds, no verdict), `quick` by default (≤ 10 min a notebook, illustrative verdicts),
 * `standard` for the committed results (≤ 60 min a notebook on 2 cores: converged models, ≥ 5 seeds a group),
 * `full` = the seeds' own protocol (CPU-days).
 */
export type Scale = 'tiny' | 'quick' | 'standard' | 'full';

export const SCALES: readonly Scale[] = ['tiny', 'quick', 'standard', 'full'];

/** An experiment whose `standard` protocol is not designed yet says so by name instead of guessing one. */
export function noStandardScale(experiment: string): never {
  throw new Error(`${experiment}: no 'standard' scale is designed for this experiment yet; run it with NETSTATS_SCALE=quick or full`);
}

/** Reads `NETSTATS_SCALE` (default `quick`); a wrong value is an error that lists the allowed ones. */
export function scaleFromEnv(env: NodeJS.ProcessEnv = process.env): Scale {
  const raw = env['NETSTATS_SCALE'];
  if (raw === undefined || raw === '') return 'quick';
  if ((SCALES as readonly string[]).includes(raw)) return raw as Scale;
  throw new Error(`NETSTATS_SCALE must be one of ${SCALES.join(', ')}; got '${raw}'`);
}

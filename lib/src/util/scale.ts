/** How big an experiment runs: `tiny` for tests (seconds), `quick` by default (minutes), `full` = the seeds' scale. */
export type Scale = 'tiny' | 'quick' | 'full';

export const SCALES: readonly Scale[] = ['tiny', 'quick', 'full'];

/** Reads `NETSTATS_SCALE` (default `quick`); a wrong value is an error that lists the allowed ones. */
export function scaleFromEnv(env: NodeJS.ProcessEnv = process.env): Scale {
  const raw = env['NETSTATS_SCALE'];
  if (raw === undefined || raw === '') return 'quick';
  if ((SCALES as readonly string[]).includes(raw)) return raw as Scale;
  throw new Error(`NETSTATS_SCALE must be one of ${SCALES.join(', ')}; got '${raw}'`);
}

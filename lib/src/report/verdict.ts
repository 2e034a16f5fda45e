import type { VerdictStatus } from '../stats/verdict';
import type { Scale } from '../util/scale';

/** One verdict as a notebook prints it: the seed's claim, the status, the number it rests on, its control and scale. */
export interface VerdictLine {
  /** The claim in the seed's own words (quoted). */
  claim: string;
  status: VerdictStatus;
  /** The number behind the status with its interval and n, already formatted. */
  evidence: string;
  /** What the number was compared with (threshold, control, noise floor). */
  control: string;
  scale: Scale;
  /** Models left out because they missed their convergence criterion (printed when given). */
  excludedModels?: number;
}

/**
 * A Markdown bullet for one verdict. `tiny` runs print no verdict at all (their numbers mean nothing); `quick` runs
 * print it marked as illustrative, as the project's scale rules require.
 */
export function verdictMarkdown(line: VerdictLine): string {
  const claim = `“${line.claim}”`;
  if (line.scale === 'tiny') return `- ${claim}: tiny: no verdict.`;
  const status = `**${line.status}**${line.scale === 'quick' ? ' (quick scale: illustrative only)' : ''}`;
  const excluded = line.excludedModels === undefined ? '' : ` Models excluded (below their convergence criterion): ${line.excludedModels}.`;
  return `- ${claim}: ${status}. ${line.evidence}; control: ${line.control}; scale ${line.scale}.${excluded}`;
}

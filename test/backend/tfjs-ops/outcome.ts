/** One jasmine spec's result as the tfjs-ops harness records it. */
export interface SpecOutcome {
  name: string;
  /** jasmine's status: 'passed', 'failed', 'pending' or 'excluded'. */
  status: string;
  /** First line of the first failed expectation ('' when none). */
  message: string;
}

export interface RunOutcome {
  config: string;
  outcomes: SpecOutcome[];
}

/** Specs that pass in `reference` but not in `subject` (names that occur several times are compared by occurrence). */
export function regressions(reference: readonly SpecOutcome[], subject: readonly SpecOutcome[]): SpecOutcome[] {
  const keyed = (list: readonly SpecOutcome[]): Map<string, SpecOutcome> => {
    const seen = new Map<string, number>();
    const out = new Map<string, SpecOutcome>();
    for (const o of list) {
      const n = (seen.get(o.name) ?? 0) + 1;
      seen.set(o.name, n);
      out.set(n === 1 ? o.name : `${o.name} #${n}`, o);
    }
    return out;
  };
  const ref = keyed(reference);
  const sub = keyed(subject);
  const bad: SpecOutcome[] = [];
  for (const [key, r] of ref) {
    if (r.status !== 'passed') continue;
    const s = sub.get(key);
    if (s === undefined) bad.push({ name: key, status: 'missing', message: 'spec did not run' });
    else if (s.status !== 'passed') bad.push(s);
  }
  return bad;
}

export function counts(list: readonly SpecOutcome[]): { passed: number; failed: number; other: number } {
  let passed = 0, failed = 0;
  for (const o of list) {
    if (o.status === 'passed') passed++;
    else if (o.status === 'failed') failed++;
  }
  return { passed, failed, other: list.length - passed - failed };
}

// Command-line options with a value ('--name value' or '--name=value'), refused clearly when the value is missing.

/** The value of `--name` and the arguments without it; undefined when absent. Throws when it is last without a value. */
export function takeOption(argv: readonly string[], name: string): { value: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === name) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new Error(`${name} needs a value (e.g. ${name} redis://127.0.0.1:6379)`);
      value = next;
      i++;
    } else if (a.startsWith(`${name}=`)) value = a.slice(name.length + 1);
    else rest.push(a);
  }
  return { value, rest };
}

/** An integer option in [min, max]; throws naming it. */
export function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`${name} ${JSON.stringify(raw)}: expected an integer from ${min} to ${max}`);
  return value;
}

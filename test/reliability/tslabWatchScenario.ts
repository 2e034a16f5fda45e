// A child process for the tslab watch-timer test: drives tslab's converter the way its kernel does (one converter
// created in the notebook's folder, one convert per cell) while files around it change, as they do when a build
// rewrites lib/dist or a hard link to a watched file is removed elsewhere during a long notebook run.
//
// TypeScript's watch program debounces with two host timers: the program update (a watched file changed) and the
// failed-lookup invalidation (a file appeared where an unresolved import was looked for). A cell with a missing
// import makes TypeScript watch the folder for it; creating that file schedules the invalidation; a change to the
// imported file then schedules the program update while the invalidation is still pending. tslab 1.0.22 kept one
// timer slot and threw "Unexpected pending rebuildTimer" inside the FSWatcher callback: an uncaught exception that
// ends the process (and the kernel). Unpatched, this script dies that way; patched, it prints one JSON line with
// what the next cell converted to.
//
// argv: <trigger> <folder>. trigger: 'edit' (rewrite the imported file) or 'hard-link' (remove another hard link to
// it; only its link count changes). folder: an empty folder to work in; the caller removes it (a crash leaves it).
import * as fs from 'fs';
import * as path from 'path';
import { createConverter } from 'tslab/dist/converter';

export type WatchTrigger = 'edit' | 'hard-link';

/** What the fixture prints as its last stdout line. */
export interface WatchScenarioReport {
  trigger: WatchTrigger;
  /** Diagnostics of the first cell: must name the missing module, or TypeScript watched no failed lookup. */
  firstCellDiagnostics: string[];
  /** Diagnostics and JavaScript of the cell converted after the file events. */
  diagnostics: string[];
  output: string | null;
}

/** Time for the file system events to reach the watchers (they arrive within milliseconds on Linux). */
const SETTLE_MS = 1500;

function parseTrigger(arg: string | undefined): WatchTrigger {
  if (arg === 'edit' || arg === 'hard-link') return arg;
  throw new Error(`trigger: expected 'edit' or 'hard-link', got ${JSON.stringify(arg)}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const trigger = parseTrigger(process.argv[2]);
  const root = process.argv[3];
  if (!root || !fs.existsSync(root) || fs.readdirSync(root).length > 0) {
    throw new Error(`folder: expected an existing empty folder, got ${JSON.stringify(root)}`);
  }
  const notebookDir = path.join(root, 'notebook');
  const elsewhere = path.join(root, 'elsewhere');
  fs.mkdirSync(notebookDir);
  fs.mkdirSync(elsewhere);
  const imported = path.join(notebookDir, 'real.ts');
  const otherLink = path.join(elsewhere, 'real-link.ts');
  fs.writeFileSync(imported, 'export const answer: number = 42;\n');
  if (trigger === 'hard-link') fs.linkSync(imported, otherLink);
  // The kernel creates its converter in the notebook's folder: tslab resolves cells against the current directory.
  process.chdir(notebookDir);
  const converter = createConverter({ isJS: false, isBrowser: false });
  try {
    const first = converter.convert('', "import { answer } from './real';\nimport { other } from './missing';\n");
    fs.writeFileSync(path.join(notebookDir, 'missing.ts'), 'export const other: string = "!";\n');
    if (trigger === 'edit') fs.writeFileSync(imported, 'export const answer: string = "changed";\n');
    else fs.unlinkSync(otherLink);
    await sleep(SETTLE_MS);
    // Type-checks only if the program saw both events: `other` now resolves, and after an edit `answer` is a string.
    const use = trigger === 'edit' ? 'answer.toUpperCase() + other' : 'String(answer + 1) + other';
    const next = converter.convert('', `import { answer } from './real';\nimport { other } from './missing';\nconst shout: string = ${use};\nshout\n`);
    const report: WatchScenarioReport = {
      trigger,
      firstCellDiagnostics: first.diagnostics.map((d) => d.messageText),
      diagnostics: next.diagnostics.map((d) => d.messageText),
      output: next.output ?? null,
    };
    console.log(JSON.stringify(report));
  } finally {
    converter.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});

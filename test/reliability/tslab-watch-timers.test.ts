/**
 * The tslab kernel must survive files changing around a notebook while it runs (a build rewriting lib/dist, a hard
 * link to a watched file removed elsewhere) and convert the next cell against the new files. TypeScript's watch
 * program then has two timers pending at once (program update and failed-lookup invalidation); tslab 1.0.22 kept
 * one slot and threw "Unexpected pending rebuildTimer" inside the FSWatcher callback, which killed the kernel
 * process. patches/tslab+1.0.22.patch (applied by patch-package on install) keeps a list of pending timers.
 * The scenario runs in a child process because, unpatched, it ends that process.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../../lib/src/util/paths';
import { tempDir } from './helpers';
import type { WatchScenarioReport, WatchTrigger } from './tslabWatchScenario';

const scenario = path.join(__dirname, 'tslabWatchScenario.ts');

function runScenario(trigger: WatchTrigger): { status: number | null; output: string; report: WatchScenarioReport | null } {
  const dir = tempDir('tslab-watch');
  try {
    const child = spawnSync(process.execPath, ['--import', 'tsx', scenario, trigger, dir], {
      cwd: repoRoot(),
      encoding: 'utf8',
      timeout: 180_000,
    });
    const stdout = child.stdout ?? '';
    const output = `${stdout}\n${child.stderr ?? ''}`;
    const last = stdout.trim().split('\n').pop() ?? '';
    const report = child.status === 0 && last.startsWith('{') ? (JSON.parse(last) as WatchScenarioReport) : null;
    return { status: child.status, output, report };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('reliability: tslab watch timers', function () {
  this.timeout(400_000);

  const cases: { trigger: WatchTrigger; event: string; uses: RegExp }[] = [
    { trigger: 'edit', event: 'the imported file is rewritten', uses: /real_1\.answer\.toUpperCase\(\) \+ missing_1\.other/ },
    { trigger: 'hard-link', event: 'another hard link to the imported file is removed', uses: /String\(real_1\.answer \+ 1\) \+ missing_1\.other/ },
  ];
  for (const { trigger, event, uses } of cases) {
    it(`the converter lives when ${event} while a failed-lookup invalidation is pending, and the next cell sees the new files`, () => {
      const run = runScenario(trigger);
      assert.doesNotMatch(run.output, /Unexpected pending rebuildTimer/);
      assert.equal(run.status, 0, `the scenario exited with ${String(run.status)}:\n${run.output.slice(-3000)}`);
      assert.ok(run.report, `no report line:\n${run.output.slice(-3000)}`);
      // The first cell's unresolved import is what made TypeScript watch for failed lookups.
      assert.deepEqual(run.report.firstCellDiagnostics, ["Cannot find module './missing' or its corresponding type declarations."]);
      // The next cell type-checks only against the program rebuilt after both events.
      assert.deepEqual(run.report.diagnostics, []);
      assert.match(run.report.output ?? '', uses);
      // tslab warns this when a conversion read the previous program.
      assert.doesNotMatch(run.output, /builder is not recreated/);
    });
  }
});

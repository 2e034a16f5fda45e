// Mocha reporter: the usual spec output, then one plain closing line that CI reads:
// "N passed, N failed" (", N skipped" when tests were skipped, each skip with its reason above).
'use strict';
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class PlainSummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      // Spec prints its epilogue on the same event; print ours after it.
      setImmediate(() => {
        const skipped = s.pending > 0 ? `, ${s.pending} skipped` : '';
        process.stdout.write(`\n${s.passes} passed, ${s.failures} failed${skipped}\n`);
      });
    });
  }
}
module.exports = PlainSummaryReporter;

// A child process for the concurrency test: saves and reads the same cache keys as its twin, as fast as it can.
// argv: <cache root> <rounds> <keys>. Prints one JSON line {published, reused, replaced}; exits 1 on any error.
import { cachedRun, loadCachedRun, saveCachedRun } from '../../lib/src/report/cache';

async function main(): Promise<void> {
  const [root, roundsText, keysText] = process.argv.slice(2);
  if (!root || !roundsText || !keysText) throw new Error('usage: cacheWriter.ts ROOT ROUNDS KEYS');
  const rounds = Number(roundsText);
  const keys = Number(keysText);
  const weights = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i));
  const snapshot = (label: string) => ({
    label,
    entries: [{ name: 'dense/kernel', layer: 'dense', kind: 'dense-weight' as const, shape: [64, 64], size: 4096, trainable: true, values: weights }],
  });
  let computed = 0;
  let reused = 0;
  for (let round = 0; round < rounds; round++) {
    const config = { key: round % keys, study: 'race' };
    if (round % 3 === 0) {
      // A plain save of a key the twin may be saving at the same moment (and a forced replace every 9th round).
      saveCachedRun('race', config, { results: { key: config.key }, snapshots: [snapshot('w')] }, { root, replace: round % 9 === 0 });
    } else {
      const run = await cachedRun('race', config, async () => {
        computed += 1;
        return { results: { key: config.key }, snapshots: [snapshot('w')] };
      }, { root });
      if (run.fromCache) reused += 1;
    }
    const back = loadCachedRun<typeof config, { key: number }>('race', config, { root });
    // Null is possible only in the instant of a twin's forced replace (old entry moved aside, new not yet in place).
    if (back && back.results?.key !== config.key) throw new Error(`round ${round}: read back key ${back.results?.key}`);
  }
  console.log(JSON.stringify({ computed, reused }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});

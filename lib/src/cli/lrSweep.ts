/**
 * `npm run lr-sweep`: the learning-rate sweep of notebook 02's standard recipe, one architecture × optimiser at a time.
 *
 *   npm run lr-sweep -- --arch resnet18 --optimizer sgd --lr 0.003,0.01,0.03 [--no-bn] [--dataset cifar10]
 *                       [--seed 100] [--scale standard] [--train-examples N] [--epochs E]
 *
 * Prints one line per lr (best validation accuracy over the epochs, test accuracy of that checkpoint) and the best lr.
 * Runs are cached like the notebook's (NETSTATS_CACHE), so a repeated sweep only reads them back.
 */
import { selectBackend } from '../backend/select';
import { parameterChangeConfig, PC_ARCHITECTURES, PC_DATASETS, PC_OPTIMIZERS, type PcArchitecture, type PcDataset, type PcOptimizer } from '../experiments/parameterChange/config';
import { runLrSweep } from '../experiments/parameterChange/sweep';
import { SCALES, type Scale } from '../util/scale';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`lr-sweep: --${name} needs a value`);
  return v;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback?: T): T {
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new Error(`lr-sweep: --${name} is required (one of ${allowed.join(', ')})`);
  }
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`lr-sweep: --${name} must be one of ${allowed.join(', ')}; got '${value}'`);
  return value as T;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const architecture = oneOf<PcArchitecture>('arch', option(args, 'arch'), PC_ARCHITECTURES);
  const optimizer = oneOf<PcOptimizer>('optimizer', option(args, 'optimizer'), PC_OPTIMIZERS);
  const dataset = oneOf<PcDataset>('dataset', option(args, 'dataset'), PC_DATASETS, 'cifar10');
  const lrText = option(args, 'lr');
  if (lrText === undefined) throw new Error('lr-sweep: --lr is required, e.g. --lr 0.003,0.01,0.03');
  const learningRates = lrText.split(',').map(Number);
  const seed = Number(option(args, 'seed') ?? '100');
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`lr-sweep: --seed must be an integer ≥ 0; got '${option(args, 'seed')}'`);
  const scale = oneOf<Scale>('scale', option(args, 'scale'), SCALES, 'standard');
  // Pilots of a changed recipe: the scale's config with another training-set size or epoch count.
  const trainExamples = option(args, 'train-examples');
  const epochs = option(args, 'epochs');
  const config = parameterChangeConfig(scale, {
    ...(trainExamples === undefined ? {} : { data: { trainExamples: Number(trainExamples) } }),
    ...(epochs === undefined ? {} : { training: { epochs: Number(epochs) } }),
  });
  const batchNorm = args.includes('--no-bn') ? false : undefined;
  await selectBackend();
  const results = await runLrSweep({
    config,
    choice: { architecture, optimizer, dataset, seed, init: config.inits[0] ?? 'kaiming-uniform', ...(batchNorm === undefined ? {} : { batchNorm }) },
    learningRates,
  }, { progress: true });
  for (const r of results) {
    console.log(`${r.architecture}${r.architecture === 'resnet18' && !r.batchNorm ? ' (no BN)' : ''} ${r.optimizer} ${r.dataset} lr ${r.lr}: best val ${r.bestValAccuracy.toFixed(4)}` +
      `, test ${r.testAccuracy === null ? 'n/a' : r.testAccuracy.toFixed(4)}${r.diverged ? ' (diverged)' : ''}`);
  }
  const best = results.reduce((a, b) => (b.bestValAccuracy > a.bestValAccuracy ? b : a));
  console.log(`best lr ${best.lr} (val ${best.bestValAccuracy.toFixed(4)})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});

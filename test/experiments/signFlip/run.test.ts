import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { selectBackend } from '../../../lib/src/backend/select';
import {
  ckaMatrixFigure,
  featureHeatmapsFigure,
  featureSimilarityFigure,
  type SignFlipResults,
} from '../../../lib/src/experiments/signFlip/index';
import { lenet5 } from '../../../lib/src/models/lenet';
import { resnet18 } from '../../../lib/src/models/resnet';
import { takeSnapshot } from '../../../lib/src/probe/snapshot';
import { isRetrained, type SfRetrain, type SfRetrainRecord } from '../../../lib/src/experiments/signFlip/records';
import { signFlipTables } from '../../../lib/src/experiments/signFlip/tables';
import { featureSimilaritySummary } from '../../../lib/src/experiments/signFlip/summary';
import { evaluateModel } from '../../../lib/src/train/evaluate';
import { subsetSource } from '../../../lib/src/data/source';
import { cellOf } from '../../../lib/src/experiments/parameterChange/config';
import { trainedParameterChangeModel, parameterChangeData } from '../../../lib/src/experiments/parameterChange/run';
import { signFlipConfig } from '../../../lib/src/experiments/signFlip/config';
import { signFlipDistanceFigure, signFlipAccuracyFigure, signFlipPathFigure } from '../../../lib/src/experiments/signFlip/figures';
import { runSignFlip } from '../../../lib/src/experiments/signFlip/run';
import { signFlipVerdictText } from '../../../lib/src/experiments/signFlip/verdict';
import { assertFigureContent } from '../../plot/figureContent';

describe('signFlip: the whole experiment at tiny scale', function () {
  this.timeout(300_000);
  const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'netstats-signflip-'));
  const config = signFlipConfig('tiny');
  let results: SignFlipResults;

  before(async () => {
    await selectBackend();
    results = await runSignFlip(config, { progress: false, cacheRoot });
  });
  after(() => fs.rmSync(cacheRoot, { recursive: true, force: true }));

  const record = (architecture: string, perturbation: string): SfRetrainRecord => {
    const r = results.retrains.find((x) => x.architecture === architecture && x.perturbation === perturbation);
    assert.ok(r, `no record ${architecture} ${perturbation}`);
    return r;
  };
  const retrained = (architecture: string, perturbation: string): SfRetrain => {
    const r = record(architecture, perturbation);
    assert.ok(isRetrained(r), `${architecture} ${perturbation} was skipped`);
    return r;
  };

  it('retrains every perturbation of every chosen base model (one flip for nets without BN)', () => {
    const perModel = config.perturb.perturbations.length;
    assert.equal(results.retrains.length, config.architectures.length * perModel);
    assert.match(String(record('lenet5', 'flip-weights').skipped), /identical to flip-all/);
    assert.equal(record('resnet18', 'flip-weights').skipped, null);
    assert.equal(results.models.length, config.architectures.length * config.optimizers.length * config.inits.length * config.seeds.length);
    assert.equal(results.trainedRetrains, config.architectures.length * perModel - 1);
  });

  it('start distances are what the perturbations define', () => {
    for (const a of config.architectures) {
      assert.equal(retrained(a, 'none').startDistance, 0);
      assert.equal(retrained(a, 'none-repeat').startDistance, 0);
      assert.equal(retrained(a, 'none').kept?.relativeDistanceToControl, 0);
      assert.ok(Math.abs((retrained(a, 'flip-all').relativeStartDistance as number) - 2) < 1e-6);
      // +1e-6 on each of P learned parameters: ‖Δ‖ ≈ 1e-6·√P (float32 rounding of θ + 1e-6 aside).
      const shift = retrained(a, 'shift-1e-6');
      const expected = 1e-6 * Math.sqrt(trainableCount(a));
      assert.ok(Math.abs((shift.startDistance as number) / expected - 1) < 0.05, `${a}: shift start ${shift.startDistance} vs ${expected}`);
    }
  });

  it('the original flip makes the BN net output NaN right away; the flip of learned parameters alone does not; both train alike', () => {
    const fa = retrained('resnet18', 'flip-all');
    const fw = retrained('resnet18', 'flip-weights');
    assert.equal(fa.startNonFiniteShare, 1);
    assert.equal(fa.startTestLoss, null);
    assert.equal(fw.startNonFiniteShare, 0);
    assert.equal(fa.negativeVariancesAtStart, bnChannels);
    assert.equal(fw.negativeVariancesAtStart, 0);
    // Training-mode BN never reads the running statistics: the learned parameters follow the same path (up to float
    // rounding of the backend).
    assert.ok((fa.lastDistanceBetweenFlips as number) < 1e-6 * (fa.originalNorm as number), `flips differ by ${fa.lastDistanceBetweenFlips}`);
  });

  it('the interpolation at α = 0 reproduces the original model on the same test images (LeNet-5: no BN to recompute)', async () => {
    const cell = cellOf(config.recipe, { architecture: 'lenet5', init: 'kaiming-uniform', optimizer: 'sgd', dataset: 'mnist', seed: 0 });
    const { model } = await trainedParameterChangeModel(cell, { cacheRoot });
    const data = await parameterChangeData(cell);
    const n = config.interpolation.testExamples as number;
    const ref = await evaluateModel(model, subsetSource(data.test, Int32Array.from({ length: n }, (_, i) => i)));
    model.dispose();
    const at0 = results.paths.filter((p) => p.architecture === 'lenet5' && p.alpha === 0);
    assert.equal(at0.length, config.perturb.perturbations.length - 1); // every perturbation but the skipped flip-weights
    for (const p of at0) {
      assert.equal(p.testAccuracy, ref.accuracy);
      assert.ok(Math.abs((p.testLoss as number) - ref.loss) < 1e-6);
    }
    const alphas = results.paths.filter((p) => p.architecture === 'lenet5' && p.perturbation === 'none').map((p) => p.alpha);
    assert.deepEqual(alphas, config.interpolation.alphas);
  });

  it('compares features of the right pairs; the CKA matrix is symmetric with 1 on the diagonal', () => {
    for (const a of config.architectures) {
      const seedPairs = results.pairs.filter((p) => p.architecture === a && p.pairType === 'seed');
      assert.equal(seedPairs.length, config.optimizers.length * config.inits.length * 1);
      assert.equal(results.pairs.filter((p) => p.architecture === a && p.pairType === 'optimizer').length, config.inits.length * config.seeds.length);
      for (const p of results.pairs.filter((x) => x.architecture === a)) {
        for (const k of ['greedyMeanAbsR', 'hungarianMeanAbsR', 'cka'] as const) {
          const v = p[k] as number;
          assert.ok(v >= 0 && v <= 1 + 1e-12, `${k} = ${v}`);
        }
        // The optimal pairing maximises the total |r| over the same number of pairs: never below greedy.
        assert.ok((p.hungarianMeanAbsR as number) >= (p.greedyMeanAbsR as number) - 1e-12);
      }
    }
    for (const m of results.ckaMatrices) {
      m.cka.forEach((r, i) => r.forEach((v, j) => {
        if (i === j) assert.equal(v, 1);
        else assert.equal(v, m.cka[j]?.[i]);
      }));
    }
    // The tiny flip-all ResNet still has negative running variances after 4 steps: NaN features, left out and said so.
    for (const e of results.excluded) assert.match(e.reason, /non-finite/);
  });

  it('figures, summary and verdict build from the results; a second run comes from the cache with the same rows', async () => {
    const figures = [
      signFlipDistanceFigure(results), signFlipAccuracyFigure(results),
      signFlipPathFigure(results, 'lenet5', 'sgd', 'loss'), signFlipPathFigure(results, 'resnet18', 'sgd', 'accuracy'),
      featureHeatmapsFigure(results, 'lenet5', 'mnist'), featureHeatmapsFigure(results, 'resnet18', 'mnist', 'hungarian'),
      ckaMatrixFigure(results, 'lenet5', 'mnist'), featureSimilarityFigure(results, 'resnet18', 'mnist'),
    ];
    const titles = [/^Distance to the original solution/, /^Test accuracy before and after retraining/, /^lenet5, sgd: loss on the line/, /^resnet18, sgd: accuracy on the line/,
      /^lenet5 on mnist: sorted \|correlation\| .*\(greedy pairing\)/, /^resnet18 on mnist: sorted \|correlation\| .*\(hungarian pairing\)/, /^lenet5 on mnist: debiased linear CKA/, /^resnet18 on mnist: similarity of penultimate features/];
    figures.forEach((f, i) => assertFigureContent(f, { minTraces: 1, title: titles[i] }));
    // every compared pair falls in exactly one architecture × dataset × category row
    const summary = featureSimilaritySummary(results);
    assert.equal(summary.reduce((n, r) => n + r.n, 0), results.pairs.length);
    const text = signFlipVerdictText(results.verdict);
    assert.match(text, /Are Adam-trained features more correlated/);
    assert.match(text, /running variances negative/);
    const again = await runSignFlip(config, { progress: false, cacheRoot });
    assert.equal(again.trainedBaseModels + again.trainedRetrains, 0);
    const strip = (records: SfRetrainRecord[]): SfRetrainRecord[] => records.map((r) => (isRetrained(r) ? { ...r, fromCache: false } : r));
    assert.deepEqual(strip(again.retrains), strip(results.retrains));
    assert.deepEqual(again.pairs, results.pairs);
    assert.deepEqual(signFlipTables(again).pairs, signFlipTables(results).pairs);
  });

  let bnChannels = 0;
  const counts = new Map<string, number>();
  function trainableCount(architecture: string): number {
    return counts.get(architecture) as number;
  }
  before(() => {
    for (const a of config.architectures) {
      const cell = cellOf(config.recipe, { architecture: a, init: 'kaiming-uniform', optimizer: 'sgd', dataset: 'mnist', seed: 0 });
      const m = a === 'lenet5'
        ? lenet5({ variant: 'parameter-dynamics', channels: 3, seed: 0 })
        : resnet18({ width: cell.width as number, blocksPerStage: cell.blocks as number[], batchNorm: true, inputShape: [32, 32, 3], classes: 10, seed: 0 });
      const s = takeSnapshot(m);
      counts.set(a, s.entries.filter((e) => e.trainable).reduce((t, e) => t + e.size, 0));
      if (a === 'resnet18') bnChannels = s.entries.filter((e) => e.kind === 'bn-moving-variance').reduce((t, e) => t + e.size, 0);
      m.dispose();
    }
  });
});

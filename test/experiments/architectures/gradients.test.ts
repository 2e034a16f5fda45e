import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import {
  runVanishingGradients,
  gradientsAtInitFigure,
  gradientsDuringTrainingFigure,
  trainingCurvesFigure,
} from '../../../lib/src/experiments/architectures/index';
import { architecturesConfig } from '../../../lib/src/experiments/architectures/config';
import { firstOverLastAtStep, VanishingGradientsConfig } from '../../../lib/src/experiments/architectures/gradients';
import { assertFigureContent, traceY } from '../../plot/figureContent';
import { useCpuBackend, useTempCache } from './fixture';

describe('experiments/architectures: first-over-last gradient ratio', () => {
  it('firstOverLastAtStep: geometric means over seeds, hand-computed', () => {
    const row = (seed: number, step: number, layer: number, gradientNorm: number) => ({ variant: 'v', seed, globalStep: step, epoch: 1, layer, gradientNorm });
    // Step 10: layer 1 norms 1e-3 and 1e-5 (mean log −4), layer 3 norms 1e-1 and 1e1 (mean log 0) → −4.
    const rows = [row(0, 10, 1, 1e-3), row(1, 10, 1, 1e-5), row(0, 10, 3, 1e-1), row(1, 10, 3, 1e1), row(0, 10, 2, 5), row(0, 20, 1, 0), row(0, 20, 3, 1)];
    assert.ok(Math.abs(firstOverLastAtStep(rows, 'v', 10, 1, 3) + 4) < 1e-12);
    // A zero norm counts as 1e-30.
    assert.ok(Math.abs(firstOverLastAtStep(rows, 'v', 20, 1, 3) + 30) < 1e-12);
    assert.ok(Number.isNaN(firstOverLastAtStep(rows, 'other', 10, 1, 3)));
  });
});

describe('experiments/architectures: vanishing gradients (trains, caches)', function () {
  this.timeout(120_000);
  useCpuBackend('mnist');
  const cache = useTempCache('arch-cache');

  it('plain sigmoid gradients vanish towards the input, residual ones do not; second run comes from the cache', async () => {
    const base = architecturesConfig('tiny').gradients;
    const config: VanishingGradientsConfig = { ...base, depth: 10, width: 16, initSeeds: [0, 1, 2], trainSeeds: [0], epochs: 1, maxStepsPerEpoch: 2, recordEverySteps: 1 };
    const before = tf.memory().numTensors;
    const cacheRoot = cache();
    const r = await runVanishingGradients(config, { cacheRoot });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(r.initNorms.length, config.variants.length * 3 * config.depth);
    const s = new Map(r.summary.map((x) => [x['variant'], x]));
    // σ' ≤ 1/4 per layer: 9 layers of sigmoid shrink the gradient by orders of magnitude.
    assert.ok((s.get('plain-sigmoid')?.['log10FirstOverLast'] as number) < -2, `plain sigmoid ${s.get('plain-sigmoid')?.['log10FirstOverLast']}`);
    assert.ok((s.get('residual-sigmoid')?.['log10FirstOverLast'] as number) > -1, `residual sigmoid ${s.get('residual-sigmoid')?.['log10FirstOverLast']}`);
    assert.equal(r.history.length, config.variants.length * 1 * 1);
    assert.equal(r.trainedRuns, config.variants.length);
    assert.equal(r.trainingNorms.length, config.variants.length * 2 * config.depth);
    const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
    const atInit = gradientsAtInitFigure(r);
    // line + CI band per variant (three init seeds give an interval)
    assertFigureContent(atInit, { traces: 2 * config.variants.length, title: /at initialisation/, xTitle: /^hidden layer i$/, yTitle: /^log₁₀ ‖∂L\/∂W_i‖$/ });
    assert.deepEqual(traceY(atInit, 'plain-sigmoid'), r.initSummary.filter((x) => x.variant === 'plain-sigmoid').map((x) => x.log10Norm.mean));
    const during = gradientsDuringTrainingFigure(r, config.depth);
    // layer 1 and the last layer per variant
    assertFigureContent(during, { traces: 2 * config.variants.length, title: new RegExp(`layer 1 \\(solid\\) vs layer ${config.depth}`), xTitle: /^training step$/ });
    assert.equal(traceY(during, `plain-sigmoid, layer ${config.depth}`).length, config.epochs * 2); // one norm per step: 2 steps per epoch
    const curves = trainingCurvesFigure(r);
    // one seed: no band; a loss panel and an accuracy panel with one line per variant each
    assertFigureContent(curves, { traces: 2 * config.variants.length, title: /^Training curves of the deep nets/, xTitle: /^epoch$/, yTitle: /^training loss/ });
    assert.deepEqual(traceY(curves, 'plain-sigmoid'), r.history.filter((x) => x['variant'] === 'plain-sigmoid').map((x) => num(x['trainLoss'])));
    const again = await runVanishingGradients(config, { cacheRoot });
    assert.equal(again.trainedRuns, 0);
    assert.deepEqual(again.history, r.history);
  });
});

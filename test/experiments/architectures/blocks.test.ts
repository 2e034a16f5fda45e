import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { RESIDUAL_PLACEMENTS, budgetFigure, placementFigure } from '../../../lib/src/experiments/architectures/index';
import { countParameters, initializeModel } from '../../../lib/src/models/index';
import { meanCIByGroup } from '../../../lib/src/report/groups';
import type { Row } from '../../../lib/src/report/table';
import { type BudgetFamilySummary, blockSummary, residualBlockModel, residualPlacementBlock, residualPlacementSignals, placementStack, BLOCK_FAMILIES, widthForBudget, budgetNet } from '../../../lib/src/experiments/architectures/blocks';
import { assertFigureContent, traceY } from '../../plot/figureContent';

describe('experiments/architectures: blocks', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it("the notes' forward written with tf ops (conv-BN-ReLU-conv-BN, downsample, add, ReLU) equals the library's block", () => {
    // The same code as notebook 05's residual-block cell: training-mode BN (batch mean and variance, eps 1e-5).
    for (const [filters, stride] of [[8, 2], [4, 1]] as const) {
      const block = residualBlockModel({ inputShape: [8, 8, 4], filters, stride, seed: 3 });
      const before = tf.memory().numTensors;
      const [w1] = block.getLayer('block_conv1').getWeights() as [tf.Tensor4D];
      const [g1, b1] = block.getLayer('block_bn1').getWeights() as [tf.Tensor1D, tf.Tensor1D];
      const [w2] = block.getLayer('block_conv2').getWeights() as [tf.Tensor4D];
      const [g2, b2] = block.getLayer('block_bn2').getWeights() as [tf.Tensor1D, tf.Tensor1D];
      const downsample = block.layers.some((l) => l.name === 'block_proj_conv');   // the notes' `if self.downsample is not None`
      const [byHand, byLayer, maxDiff] = tf.tidy(() => {
        const X = tf.randomNormal([6, 8, 8, 4], 0, 1, 'float32', 11) as tf.Tensor4D;
        let identity = X;                                          // keep the input to add it at the end
        let out = tf.conv2d(X, w1, stride, 'same');                // conv1
        let m = tf.moments(out, [0, 1, 2]);                        // bn1, training mode: the batch's own mean and variance
        out = tf.batchNorm4d(out, m.mean as tf.Tensor1D, m.variance as tf.Tensor1D, b1, g1, 1e-5);
        out = tf.relu(out);
        out = tf.conv2d(out, w2, 1, 'same');                       // conv2
        m = tf.moments(out, [0, 1, 2]);                            // bn2, a second BN of its own
        out = tf.batchNorm4d(out, m.mean as tf.Tensor1D, m.variance as tf.Tensor1D, b2, g2, 1e-5);
        if (downsample) {                                          // identity = downsample(X): 1×1 conv with the stride, then BN
          const [wp] = block.getLayer('block_proj_conv').getWeights() as [tf.Tensor4D];
          const [gp, bp] = block.getLayer('block_proj_bn').getWeights() as [tf.Tensor1D, tf.Tensor1D];
          identity = tf.conv2d(X, wp, stride, 'same');
          m = tf.moments(identity, [0, 1, 2]);
          identity = tf.batchNorm4d(identity, m.mean as tf.Tensor1D, m.variance as tf.Tensor1D, bp, gp, 1e-5);
        }
        out = tf.relu(tf.add(out, identity) as tf.Tensor4D);       // out += identity; relu
        const l = block.apply(X, { training: true }) as tf.Tensor4D;
        return [out.shape, l.shape, tf.max(tf.abs(tf.sub(out, l))).dataSync()[0]];
      });
      assert.deepEqual(byHand, byLayer);
      assert.deepEqual(byLayer, [6, 8 / stride, 8 / stride, filters]);
      const diff = maxDiff as number;
      assert.ok(diff < 1e-5, `filters ${filters}, stride ${stride}: max |hand − layer| = ${diff}`);
      assert.equal(block.layers.some((l) => l.name === 'block_proj_conv'), stride !== 1 || filters !== 4);
      assert.equal(tf.memory().numTensors, before);
      block.dispose();
    }
  });

  it('block table: parameters of every block equal the hand formula; output shapes as designed', () => {
    const rows = blockSummary([8, 8, 32], 8);
    for (const r of rows) assert.equal(r.learnedParameters, r.formulaParameters, r.block);
    const out = new Map(rows.map((r) => [r.block, r.output]));
    assert.equal(out.get('ResNet basic'), '8×8×32');
    assert.equal(out.get('ResNet basic, stride 2, C→2C'), '4×4×64');
    assert.equal(out.get('DenseNet block (4 layers, k = 8)'), `8×8×${32 + 4 * 8}`);
    // Inception (3a) widths scaled by 32/192: 11 + 21 + 5 + 5 output channels.
    assert.equal(out.get('Inception (3a widths × 0.17)'), `8×8×${Math.round(64 / 6) + Math.round(128 / 6) + Math.round(32 / 6) + Math.round(32 / 6)}`);
    const sep = rows.find((r) => r.block === 'depthwise-separable 3×3');
    const full = rows.find((r) => r.block === 'conv 3×3 + BN + ReLU');
    // MobileNet's cost ratio 1/C + 1/9 for the convs (MACs).
    assert.equal((sep?.macs as number) / (full?.macs as number), (9 * 32 + 32 * 32) / (9 * 32 * 32));
    assert.throws(() => blockSummary([8, 8, 30], 8), /divisible by 4/);
  });

  it('the five BN/add/ReLU placements: same weights; relu-before-add only adds, full pre-activation is the identity when its last conv is 0', () => {
    const counts = RESIDUAL_PLACEMENTS.map((placement) => {
      const x = tf.input({ shape: [6, 6, 4] });
      const m = tf.model({ inputs: x, outputs: residualPlacementBlock(x, { name: 'b', placement }) });
      initializeModel(m, { scheme: 'kaiming-normal', seed: 3 });
      const input = tf.randomNormal([3, 6, 6, 4], 0, 1, 'float32', 5);
      const y = m.apply(input, { training: true }) as tf.Tensor;
      const diff = tf.sub(y, input);
      if (placement === 'relu-before-add') assert.ok((tf.min(diff).dataSync()[0] as number) >= 0, 'residual branch must be ≥ 0');
      if (placement === 'original' || placement === 'bn-after-add') assert.ok((tf.min(y).dataSync()[0] as number) >= 0, `${placement} ends with a ReLU`);
      if (placement === 'full-preactivation') {
        const k = m.getLayer('b_conv2').getWeights()[0] as tf.Tensor;
        m.getLayer('b_conv2').setWeights([tf.zerosLike(k)]);
        const y0 = m.apply(input, { training: true }) as tf.Tensor;
        assert.equal(tf.max(tf.abs(tf.sub(y0, input))).dataSync()[0], 0);
      }
      const n = countParameters(m, { trainableOnly: true });
      m.dispose();
      return n;
    });
    for (const n of counts) assert.equal(n, 2 * 9 * 16 + 2 * 2 * 4);
  });

  it('placement signals: one row per placement × seed × block, finite, no tensor leak', () => {
    const before = tf.memory().numTensors;
    const rows = residualPlacementSignals({ blocks: 3, channels: 4, size: 4, batch: 8, seeds: [0, 1] });
    assert.equal(rows.length, RESIDUAL_PLACEMENTS.length * 2 * 3);
    for (const r of rows) for (const key of ['outputMean', 'outputStd', 'conv1Gradient']) assert.ok(Number.isFinite(r[key] as number), `${r['placement']} ${key}`);
    // relu-before-add only adds non-negative branches: the mean cannot decrease from block to block.
    const mean = meanCIByGroup(rows.filter((r) => r['placement'] === 'relu-before-add'), ['block'], 'outputMean').map((r) => r['mean'] as number);
    for (let b = 1; b < mean.length; b++) assert.ok((mean[b] as number) >= (mean[b - 1] as number) - 1e-6);
    assert.equal(tf.memory().numTensors, before);
    // three panels (mean, spread, gradient) with one line per placement; the mean panel plots the means above
    const fig = placementFigure(rows);
    assertFigureContent(fig, { traces: 3 * RESIDUAL_PLACEMENTS.length, title: /^Residual block placements at initialisation/, xTitle: /^block$/, yTitle: /^mean of the block output$/ });
    assert.deepEqual(traceY(fig, 'relu-before-add'), mean);
    const m = placementStack('original', { blocks: 2, channels: 4, size: 4, batch: 2, seeds: [0] }, 0);
    assert.deepEqual(m.outputs[0]?.shape, [null, 10]);
    m.dispose();
  });

  it('budget nets: every family classifies 32×32×3 into 10 classes; widthForBudget picks the closest width', () => {
    for (const family of BLOCK_FAMILIES) {
      const { width, parameters } = widthForBudget(family, 3000, 10, 40);
      const count = (w: number): number => {
        const m = budgetNet(family, w, { classes: 10, seed: 0 });
        const n = countParameters(m, { trainableOnly: true });
        assert.deepEqual(m.outputs[0]?.shape, [null, 10], family);
        m.dispose();
        return n;
      };
      assert.equal(count(width), parameters, family);
      for (const other of [width - 1, width + 1]) {
        if (other >= 1) assert.ok(Math.abs(count(other) - 3000) >= Math.abs(parameters - 3000), `${family}: width ${other} is closer`);
      }
    }
    assert.throws(() => budgetNet('plain', 0, { classes: 10, seed: 0 }), /width must be a positive integer/);
  });

  it('budgetFigure draws one bar per family with CIs', () => {
    const summary: BudgetFamilySummary[] = BLOCK_FAMILIES.map((family, i) => ({ family, width: i + 1, parameters: 1000, macs: 1, testAccuracy: 0.3, lo: 0.2, hi: 0.4, seeds: 2, seedsOnPlateau: 2 }));
    const fig = budgetFigure({ runs: [], summary, trainedRuns: 0, elapsedMs: 0 });
    assertFigureContent(fig, { traces: 1, title: /equal parameter budget: test accuracy/, yTitle: /^test accuracy$/ });
    assert.equal((fig.data[0] as { x: string[] }).x.length, BLOCK_FAMILIES.length);
    assert.deepEqual(traceY(fig, 'test accuracy'), BLOCK_FAMILIES.map(() => 0.3));
    assert.equal((fig.data[0] as { x: string[] }).x[1], `${BLOCK_FAMILIES[1]} (1k, w=2)`);
  });
});

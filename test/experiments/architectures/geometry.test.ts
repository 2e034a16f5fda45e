import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import {
  runReceptiveFields,
  receptiveFieldMapsFigure,
  stackedKernelsFigure,
} from '../../../lib/src/experiments/architectures/index';
import { convStackGeometry, type ConvStackLayer } from '../../../lib/src/models/index';
import { centralShare, measureReceptiveField, stackedVersusLargeKernels } from '../../../lib/src/experiments/architectures/geometry';
import { assertFigureContent, traceY } from '../../plot/figureContent';

describe('experiments/architectures: receptive fields', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('the gradient-measured receptive field equals the analytic one (strides, pools, dilation, padding)', () => {
    const stacks: [string, ConvStackLayer[], number][] = [
      ['3 × 3×3', ['a', 'b', 'c'].map((name): ConvStackLayer => ({ name, type: 'conv', kernel: 3, padding: 'same', filters: 2 })), 21],
      ['strided + pool', [
        { name: 'c1', type: 'conv', kernel: 5, stride: 2, padding: 2, filters: 2 },
        { name: 'p1', type: 'maxpool', kernel: 3, stride: 2 },
        { name: 'c2', type: 'conv', kernel: 3, padding: 1, filters: 2 },
      ], 41],
      ['dilated + depthwise', [
        { name: 'c1', type: 'conv', kernel: 3, dilation: 3, filters: 2 },
        { name: 'd1', type: 'depthwise', kernel: 3 },
        { name: 'p1', type: 'avgpool', kernel: 2 },
      ], 33],
    ];
    const before = tf.memory().numTensors;
    for (const [name, layers, size] of stacks) {
      const input = { height: size, width: size, channels: 2 };
      const rows = convStackGeometry(layers, input);
      const last = rows[rows.length - 1];
      const m = measureReceptiveField(layers, input);
      assert.equal(m.height, last?.receptiveField, name);
      assert.equal(m.width, last?.receptiveField, name);
      // The first input row seen by output unit r is firstCenter + r·jump − (RF − 1)/2.
      const top = (last?.firstCenter as number) + m.outputRow * (last?.jump as number) - ((last?.receptiveField as number) - 1) / 2;
      assert.equal(m.top, top, name);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('with unit weights the gradient counts paths: two stacked 3×3 convs give (1,2,3,2,1)⊗(1,2,3,2,1)', () => {
    const layers: ConvStackLayer[] = [
      { name: 'a', type: 'conv', kernel: 3, padding: 'same', filters: 1 },
      { name: 'b', type: 'conv', kernel: 3, padding: 'same', filters: 1 },
    ];
    const m = measureReceptiveField(layers, { height: 9, width: 9, channels: 1 });
    const profile = [0, 0, 1, 2, 3, 2, 1, 0, 0];
    for (let r = 0; r < 9; r++) for (let c = 0; c < 9; c++) assert.equal(m.gradient[r * 9 + c], (profile[r] as number) * (profile[c] as number), `(${r}, ${c})`);
  });

  it('centralShare: share of ∂y/∂x in the central square of the receptive field, hand-counted', () => {
    const conv = (name: string, kernel: number): ConvStackLayer => ({ name, type: 'conv', kernel, padding: 'same', filters: 1 });
    // One 7×7 conv: uniform map of 49 ones; central third = round(7/3) = 2 pixels a side → 4/49.
    const one = measureReceptiveField([conv('a', 7)], { height: 11, width: 11, channels: 1 });
    assert.ok(Math.abs(centralShare(one) - 4 / 49) < 1e-12);
    // Two 3×3 convs: profile (1,2,3,2,1) per side, total 9² = 81; the central 2×2 square (rows/cols 3, 4 of the RF
    // starting at 2) holds (2 + 3)² = 25.
    const two = measureReceptiveField([conv('a', 3), conv('b', 3)], { height: 9, width: 9, channels: 1 });
    assert.ok(Math.abs(centralShare(two) - 25 / 81) < 1e-12);
    // Three 3×3 convs: profile (1,3,6,7,6,3,1), total 27²; central 2×2 = (6 + 7)².
    const three = measureReceptiveField([conv('a', 3), conv('b', 3), conv('c', 3)], { height: 11, width: 11, channels: 1 });
    assert.ok(Math.abs(centralShare(three) - 169 / 729) < 1e-12);
    // The whole receptive field holds everything.
    assert.equal(centralShare(three, 1), 1);
    assert.throws(() => centralShare(three, 0), /fraction must be in \(0, 1\]/);
  });

  it('stacked 3×3 vs one k×k: same receptive field, 9n/k² of the weights', () => {
    const rows = stackedVersusLargeKernels([3, 5, 7, 11], 16, 20);
    for (const r of rows) {
      const k = r['receptiveField'] as number;
      const n = (k - 1) / 2;
      assert.equal(r['largeReceptiveField'], k);
      assert.equal(r['stackedReceptiveField'], k);
      assert.equal(r['largeParameters'], k * k * 16 * 16);
      assert.equal(r['stackedParameters'], 9 * n * 16 * 16);
      assert.equal(r['largeMacs'], 400 * k * k * 256);
    }
    assert.throws(() => stackedVersusLargeKernels([4], 8, 8), /odd integers/);
  });

  it('runReceptiveFields measures AlexNet (195) and VGG-16 (212) as computed', () => {
    const r = runReceptiveFields({ kernels: [5, 7], channels: 8, size: 16, measureClassic: true });
    const byName = new Map(r.classic.map((x) => [x['stack'], x]));
    assert.equal(byName.get('AlexNet (one GPU)')?.['measuredHeight'], 195);
    assert.equal(byName.get('AlexNet (two-GPU split)')?.['parameters'], 2334080);
    assert.equal(byName.get('VGG-16')?.['measuredWidth'], 212);
    assert.deepEqual(r.maps.map((m) => m.measured.height), [7, 7, 13]);
    // one heatmap per measured stack, each normalised to its maximum
    const maps = receptiveFieldMapsFigure(r.maps);
    assertFigureContent(maps, { traces: 3, title: /^Which input pixels one output unit depends on/, xTitle: /^input column$/, yTitle: /^input row$/ });
    for (const t of maps.data) assert.equal(t.type === 'heatmap' ? Math.max(...t.z.flat().filter((v): v is number => typeof v === 'number')) : NaN, 1);
    const stacked = stackedKernelsFigure(r.stackedVsLarge);
    assertFigureContent(stacked, { traces: 2, title: /fewer weights/, xTitle: /^receptive field \(pixels\)$/, yTitle: /^weights$/ });
    // k = 5: one 5×5 conv has 25·C² weights, two stacked 3×3 convs 18·C² (C = 8)
    assert.deepEqual(traceY(stacked, 'one k×k conv'), [25 * 64, 49 * 64]);
    assert.deepEqual(traceY(stacked, 'stacked 3×3 convs'), [18 * 64, 27 * 64]);
  });
});

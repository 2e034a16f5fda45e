// Notebook 01 writes the seed's statistic and mask out in a visible cell: per kernel, Welch's |t| between its log
// activations on D and on D2, then the most similar half of the layer (smallest |t|, ties by kernel index) is masked.
// This test runs the same lines (copied from the notebook) on a small conv net whose kernels see shifted data and
// compares them with KernelSimilarity's distances and mask.
import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { sourceFromArrays, type LabelledBatchSource } from '../../../lib/src/data/source';
import { initializeModel } from '../../../lib/src/models/index';
import { KernelSimilarity } from '../../../lib/src/probe/index';
import { createRng } from '../../../lib/src/util/random';

/** Random 6×6×2 images: scale·N(0,1) + shift. */
function images(n: number, seed: number, shift: number, scale: number): LabelledBatchSource {
  const rng = createRng(seed);
  const xs = Float32Array.from({ length: n * 72 }, () => shift + scale * rng.normal());
  return sourceFromArrays(xs, Int32Array.from({ length: n }, (_, i) => i % 2), [6, 6, 2], 2);
}

describe('notebook 01 visible cell: per-kernel Welch |t| and the half-per-layer mask by hand equal the library', () => {
  let previousBackend = '';
  before(async () => {
    previousBackend = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  it('the same |t| (to 1e-9 relative) and the same masked kernels in every layer', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ name: 'conv1', filters: 7, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [6, 6, 2] }),
        tf.layers.conv2d({ name: 'conv2', filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    initializeModel(model, { seed: 3, scheme: 'kaiming-uniform' });
    const similarity = await KernelSimilarity.fromNetwork(model, images(20, 1, 0, 1), images(16, 2, 0.3, 1.4), { seed: 5, samplesPerKernel: 300 });
    const seedMask = similarity.mask({ statistic: 'welch-t', kind: 'per-layer-percentile', percentile: 50 });
    for (let li = 0; li < seedMask.layers.length; li++) {
      // The notebook's lines (exA.similarity → similarity).
      const lib = seedMask.layers[li]!;
      const C = lib.selected.length;
      const t = Array.from({ length: C }, (_, k) => {
        const a = similarity.logSample('source', li, k), b = similarity.logSample('target', li, k);
        const ma = a.reduce((s, x) => s + x, 0) / a.length, mb = b.reduce((s, x) => s + x, 0) / b.length;
        const va = a.reduce((s, x) => s + (x - ma) ** 2, 0) / (a.length - 1), vb = b.reduce((s, x) => s + (x - mb) ** 2, 0) / (b.length - 1);
        return Math.abs(ma - mb) / Math.sqrt(va / a.length + vb / b.length);
      });
      const masked = t.map((_, k) => k).sort((i, j) => t[i]! - t[j]! || i - j).slice(0, Math.round(0.5 * C));
      t.forEach((v, k) => assert.ok(Math.abs(v - lib.distance[k]!) <= 1e-9 * Math.max(1, v), `${lib.layer} kernel ${k}: ${v} vs ${lib.distance[k]}`));
      assert.deepEqual([...masked].sort((i, j) => i - j), [...lib.selected.keys()].filter((k) => lib.selected[k] === 1));
      // Non-trivial: the kernels differ in |t|, so the order decides which half is masked.
      assert.ok(new Set(t.map((v) => v.toFixed(6))).size === C, `${lib.layer}: distinct |t|`);
    }
    model.dispose();
  });
});

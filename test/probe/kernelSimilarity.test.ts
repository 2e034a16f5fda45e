import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { describeParameters, initializeModel, vggSmall } from '../../lib/src/models/index';
import { spatialGramDistances, similarityFromDistance, selectKernels, SAMPLE_STATISTICS, relativeBlockDistance, logAbsActivations, LayerDistances, KernelSimilarity, KernelMask, KERNEL_STATISTICS, convLayerNames, compareKernelSamples, channelGramDistances, captureKernelActivations, batchNormAfterConv, takeSnapshot, type ParameterSnapshot } from '../../lib/src/probe/index';
import { gradientMaskHook, train } from '../../lib/src/train/index';
import { klGaussian, welchTTest } from '../../lib/src/stats/index';
import { createRng } from '../../lib/src/util/random';
import { sourceFromArrays, type LabelledBatchSource } from '../../lib/src/data/source';

function normals(n: number, seed: number, shift = 0, scale = 1): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => shift + scale * rng.normal());
}

/** Random images h×w×c; values = scale·N(0,1) + shift. */
function imageSource(n: number, shape: [number, number, number], seed: number, shift = 0, scale = 1): LabelledBatchSource {
  const rng = createRng(seed);
  const size = shape[0] * shape[1] * shape[2];
  const xs = Float32Array.from({ length: n * size }, () => shift + scale * rng.normal());
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  return sourceFromArrays(xs, labels, shape, 2);
}

/** conv 3×3 'same' (3 kernels) on 5×4×2 inputs (H ≠ W catches transposed Grams), then a dense head. */
function tinyConvNet(seed: number): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ name: 'conv_a', filters: 3, kernelSize: 3, padding: 'same', inputShape: [5, 4, 2] }),
      tf.layers.activation({ name: 'relu_a', activation: 'relu' }),
      tf.layers.conv2d({ name: 'conv_b', filters: 2, kernelSize: 2, padding: 'valid' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ name: 'fc', units: 2 }),
    ],
  });
  initializeModel(model, { seed, scheme: 'kaiming-uniform' });
  return model;
}

describe('probe/kernelSimilarity', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  describe('per-kernel statistics', () => {
    it('identical samples have distance 0 and similarity 1 (maximal) under every sample statistic', () => {
      const a = normals(500, 1);
      for (const s of SAMPLE_STATISTICS) {
        const r = compareKernelSamples(s, a, Float64Array.from(a));
        assert.equal(r.distance, 0, s);
        assert.equal(similarityFromDistance(r.distance), 1, s);
        if (s === 'welch-t' || s === 'ks') assert.equal(r.pValue, 1, `${s} p`);
      }
    });

    it('the distance grows with the shift of the second distribution', () => {
      const a = normals(2000, 2);
      for (const s of SAMPLE_STATISTICS) {
        const d = [0.1, 0.5, 1.5].map((shift) => compareKernelSamples(s, a, normals(2000, 3, shift)).distance);
        assert.ok(d[0]! > 0 && d[0]! < d[1]! && d[1]! < d[2]!, `${s}: ${d.join(', ')}`);
        assert.ok(similarityFromDistance(d[2]!) < similarityFromDistance(d[0]!) && similarityFromDistance(d[0]!) < 1);
      }
    });

    it('kl-histogram on shared edges matches a hand-computed case; kl-gaussian the closed form of the fitted normals', () => {
      // Range [0, 3] split in 2 bins [0, 1.5), [1.5, 3]: P = (2/4, 2/4), Q = (1/4, 3/4).
      const a = Float64Array.of(0, 1, 2, 3);
      const b = Float64Array.of(0, 2, 2.5, 3);
      const kl = compareKernelSamples('kl-histogram', a, b, { bins: 2, histogramSmoothing: 0 }).distance;
      assert.ok(Math.abs(kl - (0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75))) < 1e-12, `kl ${kl}`);
      // Fitted normals: a mean 1.5, sample sd sqrt(5/3); b mean 1.875, sample sd from the definition.
      const mb = (0 + 2 + 2.5 + 3) / 4;
      const sb = Math.sqrt(((0 - mb) ** 2 + (2 - mb) ** 2 + (2.5 - mb) ** 2 + (3 - mb) ** 2) / 3);
      const sa = Math.sqrt(5 / 3);
      const expected = Math.log(sb / sa) + (sa * sa + (1.5 - mb) ** 2) / (2 * sb * sb) - 0.5;
      const got = compareKernelSamples('kl-gaussian', a, b).distance;
      assert.ok(Math.abs(got - expected) < 1e-12, `${got} vs ${expected}`);
      assert.equal(got, klGaussian(1.5, sa, mb, sb));
      const t = compareKernelSamples('welch-t', a, b);
      assert.equal(t.distance, Math.abs(welchTTest(a, b).t));
    });

    it('handles constant (dead) kernels explicitly', () => {
      const c = new Float64Array(10).fill(-9.2);
      assert.equal(compareKernelSamples('kl-gaussian', c, Float64Array.from(c)).distance, 0);
      assert.equal(compareKernelSamples('welch-t', c, Float64Array.from(c)).pValue, 1);
      assert.equal(compareKernelSamples('ks', c, new Float64Array(10).fill(1)).distance, 1);
      assert.equal(compareKernelSamples('kl-gaussian', c, new Float64Array(10).fill(1)).distance, Infinity);
      assert.ok(Math.abs(compareKernelSamples('wasserstein', c, new Float64Array(10).fill(1)).distance - 10.2) < 1e-12);
      assert.throws(() => compareKernelSamples('gram-channel', c, c), /not a sample statistic/);
      assert.throws(() => compareKernelSamples('ks', Float64Array.of(1), c), /at least 2 values/);
    });

    it('log transform and Gram block distances', () => {
      assert.deepEqual(Array.from(logAbsActivations([-1, 0, 2], 0.5)), [Math.log(1.5), Math.log(0.5), Math.log(2.5)]);
      // ‖(1,0) − (0,1)‖ / (1 + 1) = √2 / 2
      assert.ok(Math.abs(relativeBlockDistance(Float64Array.of(9, 1, 0), Float64Array.of(9, 0, 1), 1, 2) - Math.SQRT2 / 2) < 1e-15);
      assert.equal(relativeBlockDistance(Float64Array.of(0, 0), Float64Array.of(0, 0), 0, 2), 0);
      const g = Float64Array.of(1, 2, 2, 5);
      assert.deepEqual(Array.from(channelGramDistances(g, g, 2)), [0, 0]);
      const d = channelGramDistances(g, Float64Array.of(1, 2, 2, 7), 2);
      assert.equal(d[0], 0);
      assert.ok(Math.abs((d[1] as number) - 2 / (Math.hypot(2, 5) + Math.hypot(2, 7))) < 1e-15);
      assert.deepEqual(Array.from(spatialGramDistances(g, Float64Array.of(1, 2, 2, 5), 1)), [0]);
    });
  });

  describe('captureKernelActivations', () => {
    it('Gram matrices equal a direct computation from the full activations (accumulated over batches)', async () => {
      const model = tinyConvNet(1);
      const src = imageSource(7, [5, 4, 2], 3);
      const cap = await captureKernelActivations(model, src, { batchSize: 3, samplesPerKernel: 1000 });
      assert.deepEqual(cap.layers.map((l) => l.layer), ['conv_a', 'conv_b']);
      const [la] = cap.layers;
      assert.ok(la && la.height === 5 && la.width === 4 && la.kernels === 3 && la.examples === 7);
      const all = src.batch(Int32Array.from({ length: 7 }, (_, i) => i));
      const out = model.getLayer('conv_a').apply(tf.tensor(all.xs, all.shape)) as tf.Tensor;
      const a = out.dataSync();
      out.dispose();
      const [H, W, C] = [5, 4, 3];
      const at = (n: number, y: number, x: number, c: number): number => a[((n * H + y) * W + x) * C + c] as number;
      for (let i = 0; i < C; i++) {
        for (let j = 0; j < C; j++) {
          let s = 0;
          for (let n = 0; n < 7; n++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) s += at(n, y, x, i) * at(n, y, x, j);
          const expected = s / (7 * H * W);
          assert.ok(Math.abs((la.channelGram[i * C + j] as number) - expected) < 1e-5 * (1 + Math.abs(expected)), `channel Gram [${i},${j}]`);
        }
      }
      for (let c = 0; c < C; c++) {
        for (let y1 = 0; y1 < H; y1++) {
          for (let y2 = 0; y2 < H; y2++) {
            let s = 0;
            for (let n = 0; n < 7; n++) for (let x = 0; x < W; x++) s += at(n, y1, x, c) * at(n, y2, x, c);
            const expected = s / (7 * W);
            const got = la.spatialGram[(c * H + y1) * H + y2] as number;
            assert.ok(Math.abs(got - expected) < 1e-5 * (1 + Math.abs(expected)), `spatial Gram kernel ${c} [${y1},${y2}]: ${got} vs ${expected}`);
          }
        }
      }
      // Capacity >= values seen: the sample is exactly the kernel's values (as a multiset).
      for (let c = 0; c < C; c++) {
        const values: number[] = [];
        for (let n = 0; n < 7; n++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) values.push(at(n, y, x, c));
        assert.deepEqual(Array.from(la.samples[c] as Float32Array).sort((p, q) => p - q), values.sort((p, q) => p - q));
      }
      model.dispose();
    });

    it('samples are deterministic per seed, differ between seeds, and come from the kernel\'s own values', async () => {
      const model = tinyConvNet(2);
      const src = imageSource(20, [5, 4, 2], 4);
      const run = (seed: number): Promise<Float32Array[]> =>
        captureKernelActivations(model, src, { layers: ['conv_a'], samplesPerKernel: 25, seed, batchSize: 6, gram: false }).then((c) => c.layers[0]!.samples);
      const [a, b, other] = [await run(5), await run(5), await run(6)];
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, other);
      const full = await captureKernelActivations(model, src, { layers: ['conv_a'], samplesPerKernel: 20 * 20, gram: false });
      a.forEach((sample, c) => {
        assert.equal(sample.length, 25);
        const own = new Set(full.layers[0]!.samples[c]);
        assert.ok(Array.from(sample).every((v) => own.has(v)), `kernel ${c}: a sampled value is not among its activations`);
      });
      model.dispose();
    });

    it('probes the named layer, finds BatchNorm after convs, and rejects bad layers with a clear error', async () => {
      const model = tinyConvNet(3);
      const src = imageSource(4, [5, 4, 2], 5);
      const cap = await captureKernelActivations(model, src, { layers: ['conv_a'], probeLayerOf: { conv_a: 'relu_a' }, gram: false });
      assert.ok(cap.layers[0]!.samples.every((s) => s.every((v) => v >= 0)), 'post-ReLU samples are non-negative');
      await assert.rejects(captureKernelActivations(model, src, { layers: ['fc'] }), /is a Dense layer, expected a Conv2D/);
      await assert.rejects(captureKernelActivations(model, src, { layers: ['nope'] }), /has no layer 'nope'/);
      const vgg = vggSmall({ seed: 1, width: 3, stages: [1, 1], inputShape: [6, 6, 2], classes: 2, batchNorm: true });
      assert.deepEqual(batchNormAfterConv(vgg, convLayerNames(vgg)), { conv1_1: 'bn1_1', conv2_1: 'bn2_1' });
      model.dispose();
      vgg.dispose();
    });
  });

  describe('KernelSimilarity', () => {
    it('the same data and samples give distance 0 (similarity 1) for all seven statistics; shifted data do not', async () => {
      const model = tinyConvNet(4);
      const d = imageSource(12, [5, 4, 2], 6);
      const tensors = tf.memory().numTensors;
      const same = await KernelSimilarity.fromNetwork(model, d, d, { seed: 7, targetSeed: 7, samplesPerKernel: 100 });
      assert.equal(tf.memory().numTensors, tensors, 'fromNetwork leaks no tensors');
      for (const s of KERNEL_STATISTICS) {
        for (const l of same.similarity(s)) assert.ok(l.similarity.every((v) => v === 1), `${s} ${l.layer}: ${Array.from(l.similarity)}`);
      }
      const shifted = await KernelSimilarity.fromNetwork(model, d, imageSource(12, [5, 4, 2], 8, 1.5, 2), { seed: 7, samplesPerKernel: 100 });
      for (const s of KERNEL_STATISTICS) {
        for (const l of shifted.distances(s)) assert.ok(l.distance.every((v) => v > 0), `${s} ${l.layer}: ${Array.from(l.distance)}`);
      }
      // Another subsample of the same data is closer than a shifted distribution (KS and W1 per kernel).
      const resampled = await KernelSimilarity.fromNetwork(model, d, d, { seed: 7, targetSeed: 8, samplesPerKernel: 100 });
      for (const s of ['ks', 'wasserstein'] as const) {
        resampled.distances(s).forEach((l, li) =>
          l.distance.forEach((v, k) => assert.ok(v < (shifted.distances(s)[li]!.distance[k] as number), `${s} ${l.layer} kernel ${k}`)),
        );
      }
      const rows = shifted.rows(['ks', 'gram-spatial']);
      assert.equal(rows.length, 3 + 2);
      assert.ok(rows.every((r) => typeof r['ks'] === 'number' && typeof r['ks_p'] === 'number' && typeof r['gram-spatial'] === 'number'));
      model.dispose();
    });
  });

  describe('mask rules', () => {
    const layers: LayerDistances[] = [
      { layer: 'c1', distance: Float64Array.of(0.4, 0.1, 0.1, 0.9), pValue: Float64Array.of(0.05, 0.5, 0.2, 0.01) },
      { layer: 'c2', distance: Float64Array.of(2, 0.05), pValue: Float64Array.of(0, 0.9) },
    ];
    it('per-layer percentile selects round(q·C) smallest per layer (ties by index)', () => {
      assert.deepEqual(selectKernels(layers, { kind: 'per-layer-percentile', percentile: 50 }).map((s) => Array.from(s)), [[0, 1, 1, 0], [0, 1]]);
      assert.deepEqual(selectKernels(layers, { kind: 'per-layer-percentile', percentile: 25 }).map((s) => Array.from(s)), [[0, 1, 0, 0], [0, 1]]);
      assert.deepEqual(selectKernels(layers, { kind: 'per-layer-percentile', percentile: 0 }).map((s) => Array.from(s)), [[0, 0, 0, 0], [0, 0]]);
    });
    it('global median, fixed threshold and p-value rules', () => {
      // all distances: 0.05 0.1 0.1 0.4 0.9 2 → median 0.25
      assert.deepEqual(selectKernels(layers, { kind: 'global-median' }).map((s) => Array.from(s)), [[0, 1, 1, 0], [0, 1]]);
      assert.deepEqual(selectKernels(layers, { kind: 'fixed-threshold', maxDistance: 0.4 }).map((s) => Array.from(s)), [[1, 1, 1, 0], [0, 1]]);
      assert.deepEqual(selectKernels(layers, { kind: 'p-value', alpha: 0.1 }).map((s) => Array.from(s)), [[0, 1, 1, 0], [0, 1]]);
      assert.throws(() => selectKernels([{ layer: 'x', distance: Float64Array.of(1), pValue: null }], { kind: 'p-value', alpha: 0.1 }), /no p-values/);
      assert.throws(() => selectKernels(layers, { kind: 'per-layer-percentile', percentile: 120 }), /percentile must be in \[0, 100\]/);
    });
  });

  describe('masked fine-tuning', () => {
    /** vggSmall with BN; kernel 1 of conv1_1 and kernel 0 of conv2_1 are masked. */
    function setup(seed: number): { model: tf.LayersModel; mask: KernelMask } {
      const model = vggSmall({ seed, width: 3, stages: [1, 1], inputShape: [6, 6, 2], classes: 2, batchNorm: true, init: 'kaiming-uniform' });
      const mask = new KernelMask(
        'ks',
        { kind: 'fixed-threshold', maxDistance: 0 },
        [
          { layer: 'conv1_1', selected: Uint8Array.of(0, 1, 0), distance: Float64Array.of(1, 0, 1) },
          { layer: 'conv2_1', selected: Uint8Array.of(1, 0, 0, 0, 0, 0), distance: Float64Array.of(0, 1, 1, 1, 1, 1) },
        ],
        describeParameters(model),
        batchNormAfterConv(model, ['conv1_1', 'conv2_1']),
      );
      return { model, mask };
    }
    /** Values of output channel `c` of a parameter (last axis). */
    function channel(s: ParameterSnapshot, name: string, c: number): number[] {
      const e = s.entries.find((x) => x.name === name);
      if (!e) throw new Error(`no ${name}`);
      const channels = e.shape[e.shape.length - 1] as number;
      return Array.from(e.values).filter((_, i) => i % channels === c);
    }
    const data = { train: imageSource(24, [6, 6, 2], 9) };

    for (const optimizer of [{ kind: 'adam', lr: 0.05 }, { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-3 }] as const) {
      it(`a fully masked kernel (factor 0) does not move, bit for bit, with ${optimizer.kind}; free kernels do`, async () => {
        const { model, mask } = setup(1);
        assert.equal(mask.selectedCount, 2);
        const before = takeSnapshot(model);
        const tensors = tf.memory().numTensors;
        await train(model, data, { epochs: 3, batchSize: 8, seed: 1, optimizer, progress: false }, [gradientMaskHook(mask.factors(0))]);
        assert.equal(tf.memory().numTensors, tensors, 'no tensors leaked by the mask hook');
        const after = takeSnapshot(model);
        for (const [layer, bn, c] of [['conv1_1', 'bn1_1', 1], ['conv2_1', 'bn2_1', 0]] as const) {
          for (const w of [`${layer}/kernel`, `${layer}/bias`, `${bn}/gamma`, `${bn}/beta`]) {
            assert.deepEqual(channel(after, w, c), channel(before, w, c), `${w} channel ${c} moved`);
          }
        }
        assert.notDeepEqual(channel(after, 'conv1_1/kernel', 0), channel(before, 'conv1_1/kernel', 0), 'a free kernel must move');
        assert.notDeepEqual(channel(after, 'conv2_1/kernel', 1), channel(before, 'conv2_1/kernel', 1), 'a free kernel must move');
        model.dispose();
      });
    }

    it('factor 1e-3 scales the first SGD update of a masked kernel by 1e-3 (the original damping)', async () => {
      const step = async (factor: number | null): Promise<{ before: ParameterSnapshot; after: ParameterSnapshot }> => {
        const { model, mask } = setup(2);
        const before = takeSnapshot(model);
        const hooks = factor === null ? [] : [gradientMaskHook(mask.factors(factor))];
        await train(model, data, { epochs: 1, batchSize: 24, seed: 1, optimizer: { kind: 'sgd', lr: 1 }, progress: false }, hooks);
        const after = takeSnapshot(model);
        model.dispose();
        return { before, after };
      };
      const free = await step(null);
      const damped = await step(1e-3);
      const delta = (r: { before: ParameterSnapshot; after: ParameterSnapshot }, c: number): number[] =>
        channel(r.after, 'conv1_1/kernel', c).map((v, i) => v - (channel(r.before, 'conv1_1/kernel', c)[i] as number));
      const dFree = delta(free, 1);
      const dDamped = delta(damped, 1);
      let compared = 0;
      dFree.forEach((d, i) => {
        if (Math.abs(d) < 1e-2) return; // float32 rounding of w + 1e-3·Δ dominates below
        compared++;
        assert.ok(Math.abs((dDamped[i] as number) / d - 1e-3) < 1e-5, `element ${i}: ${dDamped[i]} vs ${d}`);
      });
      assert.ok(compared >= 5, `only ${compared} elements with a large enough update`);
      assert.deepEqual(delta(damped, 0), delta(free, 0), 'an unmasked kernel gets the full update');
    });
  });
});

/**
 * Notebook 05, section 4 — building blocks. (a) A summary table of the lib's blocks (models/blocks.ts) on one input:
 * output shape, parameters (checked against hand formulas) and MACs; (b) the five placements of BN / addition /
 * activation in a residual block (He et al. 2016, "Identity mappings"), measured at initialisation in a deep stack;
 * (c) small networks of each block family at an equal parameter budget, trained on a CIFAR-10 subset.
 */
import * as tf from '@tensorflow/tfjs';
import {
  applyLayer,
  batchNormLayer,
  convBnRelu,
  denseBlock,
  depthwiseSeparableConv,
  inceptionModule,
  residualBasicBlock,
  residualBottleneckBlock,
} from '../../models/blocks';
import { initializeModel } from '../../models/init';
import { countParameters } from '../../models/parameters';
import { modelCost } from '../../models/receptiveField';
import { cachedRun } from '../../store/cache';
import type { Row } from '../../report/table';
import { gradientNorms } from '../../train/evaluate';
import { NonFiniteLossError, train } from '../../train/loop';
import type { OptimizerConfig } from '../../train/optimizers';
import { sourceFromArrays } from '../../data/source';
import { createProgress, yieldToEventLoop } from '../../util/progress';
import { lossPlateaued } from './transferStats';
import { createRng } from '../../util/random';
import { normalisedSource, smallDataSubset } from './common';
import { meanInterval } from '../../stats/intervals';

function symbolicModel(shape: readonly number[], build: (x: tf.SymbolicTensor) => tf.SymbolicTensor, seed = 1): tf.LayersModel {
  const x = tf.input({ shape: [...shape] });
  const m = tf.model({ inputs: x, outputs: build(x) });
  initializeModel(m, { scheme: 'kaiming-normal', seed });
  return m;
}

/**
 * One ResNet basic block as a model (input [h, w, c] → block → output), for the notebook's hand-written forward pass:
 * layers `block_conv1`, `block_bn1`, `block_conv2`, `block_bn2` and, when the stride is not 1 or the channel count
 * changes, the downsample path `block_proj_conv`, `block_proj_bn` (Kaiming-normal convs, BN γ = 1, β = 0).
 */
export function residualBlockModel(options: { inputShape: [number, number, number]; filters: number; stride: number; seed: number }): tf.LayersModel {
  return symbolicModel(options.inputShape, (x) => residualBasicBlock(x, { name: 'block', filters: options.filters, stride: options.stride }), options.seed);
}

/** One row of the block table. `formulaParameters` is the hand formula (learned parameters, BN γ/β included). */
export interface BlockSummaryRow extends Row {
  block: string;
  input: string;
  output: string;
  learnedParameters: number;
  formulaParameters: number;
  formula: string;
  bnStatistics: number;
  macs: number;
  layers: number;
}

/**
 * The blocks on a [H, W, C] input (C divisible by 4; GoogLeNet's inception (3a) sees 28×28×192): plain 3×3 conv,
 * two plain convs, ResNet basic (same shape and stride 2 with projection), bottleneck (width C/4), DenseNet block
 * (4 layers, growth rate k), inception with GoogLeNet (3a)'s branch widths scaled by C/192, depthwise-separable conv.
 */
export function blockSummary(input: [number, number, number], growthRate: number): BlockSummaryRow[] {
  const [h, w, c] = input;
  if (c % 4 !== 0) throw new Error(`blockSummary: input channels must be divisible by 4; got ${c}`);
  const bn = (ch: number): number => 2 * ch; // γ and β
  const f = c / 4;
  const s = c / 192;
  const inc = { conv1x1: Math.round(64 * s), conv3x3: [Math.round(96 * s), Math.round(128 * s)] as const, conv5x5: [Math.round(16 * s), Math.round(32 * s)] as const, poolProjection: Math.round(32 * s) };
  const k = growthRate;
  const denseLayer = (cin: number): number => bn(cin) + cin * 4 * k + bn(4 * k) + 9 * 4 * k * k;
  let denseParams = 0;
  for (let i = 0; i < 4; i++) denseParams += denseLayer(c + i * k);
  const specs: { block: string; formula: string; formulaParameters: number; build: (x: tf.SymbolicTensor) => tf.SymbolicTensor }[] = [
    {
      block: 'conv 3×3 + BN + ReLU',
      formula: '9C² + 2C',
      formulaParameters: 9 * c * c + bn(c),
      build: (x) => convBnRelu(x, { conv: 'c', bn: 'c_bn', relu: 'c_relu', filters: c, kernelSize: 3, batchNorm: true }),
    },
    {
      block: 'two 3×3 convs (plain, no skip)',
      formula: '2·(9C² + 2C)',
      formulaParameters: 2 * (9 * c * c + bn(c)),
      build: (x) => convBnRelu(convBnRelu(x, { conv: 'p1', bn: 'p1_bn', relu: 'p1_relu', filters: c, kernelSize: 3, batchNorm: true }), { conv: 'p2', bn: 'p2_bn', relu: 'p2_relu', filters: c, kernelSize: 3, batchNorm: true }),
    },
    {
      block: 'ResNet basic',
      formula: '2·(9C² + 2C)',
      formulaParameters: 2 * (9 * c * c + bn(c)),
      build: (x) => residualBasicBlock(x, { name: 'r', filters: c }),
    },
    {
      block: 'ResNet basic, stride 2, C→2C',
      formula: '9·C·2C + 9·(2C)² + 1·C·2C (projection) + 3·2·2C',
      formulaParameters: 9 * c * 2 * c + 9 * 4 * c * c + c * 2 * c + 3 * bn(2 * c),
      build: (x) => residualBasicBlock(x, { name: 'r', filters: 2 * c, stride: 2 }),
    },
    {
      block: 'ResNet bottleneck (width C/4)',
      formula: 'C·C/4 + 9·(C/4)² + C/4·C + 2·(C/4 + C/4 + C)',
      formulaParameters: c * f + 9 * f * f + f * c + bn(f) + bn(f) + bn(c),
      build: (x) => residualBottleneckBlock(x, { name: 'b', filters: f }),
    },
    {
      block: `DenseNet block (4 layers, k = ${k})`,
      formula: 'Σᵢ [2cᵢ + cᵢ·4k + 2·4k + 9·4k·k], cᵢ = C + i·k',
      formulaParameters: denseParams,
      build: (x) => denseBlock(x, { name: 'd', layers: 4, growthRate: k }),
    },
    {
      block: `Inception (3a widths × ${s.toFixed(2)})`,
      formula: 'Σ branches (1×1 reduce, 3×3, 5×5, pool proj.) + BN',
      formulaParameters:
        c * inc.conv1x1 + bn(inc.conv1x1) +
        c * inc.conv3x3[0] + bn(inc.conv3x3[0]) + 9 * inc.conv3x3[0] * inc.conv3x3[1] + bn(inc.conv3x3[1]) +
        c * inc.conv5x5[0] + bn(inc.conv5x5[0]) + 25 * inc.conv5x5[0] * inc.conv5x5[1] + bn(inc.conv5x5[1]) +
        c * inc.poolProjection + bn(inc.poolProjection),
      build: (x) => inceptionModule(x, { name: 'i', ...inc }),
    },
    {
      block: 'depthwise-separable 3×3',
      formula: '9C + C² + 2·2C',
      formulaParameters: 9 * c + c * c + 2 * bn(c),
      build: (x) => depthwiseSeparableConv(x, { name: 's', filters: c }),
    },
  ];
  return specs.map((spec) => {
    const model = symbolicModel(input, spec.build);
    const cost = modelCost(model);
    const out = model.outputs[0]?.shape.slice(1).join('×') ?? '?';
    const row: BlockSummaryRow = {
      block: spec.block,
      input: `${h}×${w}×${c}`,
      output: out,
      learnedParameters: cost.learnedParameters,
      formulaParameters: spec.formulaParameters,
      formula: spec.formula,
      bnStatistics: cost.parameters - cost.learnedParameters,
      macs: cost.macs,
      layers: model.layers.length - 1,
    };
    model.dispose();
    return row;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// (b) Where to put BN, the addition and the activation.

/** He et al. 2016 (Identity Mappings), figure 4 (a)–(e). */
export type ResidualPlacement = 'original' | 'bn-after-add' | 'relu-before-add' | 'relu-only-preactivation' | 'full-preactivation';

export const RESIDUAL_PLACEMENTS: readonly ResidualPlacement[] = ['original', 'bn-after-add', 'relu-before-add', 'relu-only-preactivation', 'full-preactivation'];

/** Layer sequence of each placement (for the notebook table). */
export const RESIDUAL_PLACEMENT_LAYOUT: Readonly<Record<ResidualPlacement, string>> = {
  original: 'x + BN(conv(ReLU(BN(conv x)))) → ReLU',
  'bn-after-add': 'x + conv(ReLU(BN(conv x))) → BN → ReLU',
  'relu-before-add': 'x + ReLU(BN(conv(ReLU(BN(conv x)))))',
  'relu-only-preactivation': 'x + BN(conv(ReLU(BN(conv(ReLU x)))))',
  'full-preactivation': 'x + conv(ReLU(BN(conv(ReLU(BN x)))))',
};

/**
 * A residual block (C → C, 3×3 convs without bias, identity shortcut) in one of the five placements. Layers
 * `${name}_conv1`, `_conv2`, `_bn1`, `_bn2`, `_relu1`, `_relu2`, `_add`.
 */
export function residualPlacementBlock(x: tf.SymbolicTensor, options: { name: string; placement: ResidualPlacement }): tf.SymbolicTensor {
  const { name, placement } = options;
  const c = x.shape[x.shape.length - 1];
  if (typeof c !== 'number') throw new Error('residualPlacementBlock: the input needs a known channel count');
  const conv = (i: number) => tf.layers.conv2d({ name: `${name}_conv${i}`, filters: c, kernelSize: 3, padding: 'same', useBias: false });
  const bnl = (i: number) => batchNormLayer(`${name}_bn${i}`);
  const relu = (i: number) => tf.layers.activation({ name: `${name}_relu${i}`, activation: 'relu' });
  const add = (a: tf.SymbolicTensor, b: tf.SymbolicTensor) => applyLayer(tf.layers.add({ name: `${name}_add` }), [a, b]);
  const seq = (input: tf.SymbolicTensor, layers: tf.layers.Layer[]): tf.SymbolicTensor => layers.reduce((y, l) => applyLayer(l, y), input);
  switch (placement) {
    case 'original':
      return applyLayer(relu(2), add(x, seq(x, [conv(1), bnl(1), relu(1), conv(2), bnl(2)])));
    case 'bn-after-add':
      return seq(add(x, seq(x, [conv(1), bnl(1), relu(1), conv(2)])), [bnl(2), relu(2)]);
    case 'relu-before-add':
      return add(x, seq(x, [conv(1), bnl(1), relu(1), conv(2), bnl(2), relu(2)]));
    case 'relu-only-preactivation':
      return add(x, seq(x, [relu(1), conv(1), bnl(1), relu(2), conv(2), bnl(2)]));
    case 'full-preactivation':
      return add(x, seq(x, [bnl(1), relu(1), conv(1), bnl(2), relu(2), conv(2)]));
  }
}

export interface PlacementSignalConfig {
  blocks: number;
  channels: number;
  size: number;
  batch: number;
  seeds: number[];
}

/** Stem conv → `blocks` placement blocks → GAP → dense(10): what the placement study measures. */
export function placementStack(placement: ResidualPlacement, config: PlacementSignalConfig, seed: number): tf.LayersModel {
  const x = tf.input({ shape: [config.size, config.size, 3] });
  let y = applyLayer(tf.layers.conv2d({ name: 'stem', filters: config.channels, kernelSize: 3, padding: 'same' }), x);
  for (let b = 1; b <= config.blocks; b++) y = residualPlacementBlock(y, { name: `blk${b}`, placement });
  y = applyLayer(tf.layers.globalAveragePooling2d({ name: 'gap' }), y);
  y = applyLayer(tf.layers.dense({ name: 'fc', units: 10 }), y);
  const model = tf.model({ inputs: x, outputs: y, name: `placement_${placement}` });
  initializeModel(model, { scheme: 'kaiming-normal', seed });
  return model;
}

/**
 * At initialisation, for each placement and seed, on a random normal batch with random labels (training-mode BN):
 * per block, the mean and standard deviation of the block output, and ‖∂L/∂W‖ of the block's first conv.
 */
export function residualPlacementSignals(config: PlacementSignalConfig): Row[] {
  const rows: Row[] = [];
  for (const placement of RESIDUAL_PLACEMENTS) {
    for (const seed of config.seeds) {
      const rng = createRng(1000 + seed);
      const n = config.batch;
      const xs = Float32Array.from({ length: n * config.size * config.size * 3 }, () => rng.normal());
      const labels = Int32Array.from({ length: n }, () => rng.int(10));
      const model = placementStack(placement, config, seed);
      const outputs = Array.from({ length: config.blocks }, (_, i) => model.getLayer(placement === 'original' || placement === 'bn-after-add' ? `blk${i + 1}_relu2` : `blk${i + 1}_add`).output as tf.SymbolicTensor);
      const probe = tf.model({ inputs: model.inputs, outputs });
      const stats = tf.tidy(() => {
        const ys = probe.apply(tf.tensor4d(xs, [n, config.size, config.size, 3]), { training: true }) as tf.Tensor[];
        return ys.map((t) => {
          const m = tf.moments(t);
          return [m.mean.dataSync()[0] as number, Math.sqrt(m.variance.dataSync()[0] as number)];
        });
      });
      const norms = gradientNorms(model, { xs, labels, shape: [n, config.size, config.size, 3] });
      for (let b = 1; b <= config.blocks; b++) {
        const [mean, std] = stats[b - 1] as [number, number];
        rows.push({ placement, seed, block: b, outputMean: mean, outputStd: std, conv1Gradient: norms.get(`blk${b}_conv1/kernel`) ?? NaN });
      }
      model.dispose();
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// (c) Equal parameter budget on CIFAR-10.

export type BlockFamily = 'plain' | 'resnet-basic' | 'resnet-bottleneck' | 'densenet' | 'inception' | 'mobilenet';

export const BLOCK_FAMILIES: readonly BlockFamily[] = ['plain', 'resnet-basic', 'resnet-bottleneck', 'densenet', 'inception', 'mobilenet'];

/**
 * A small CIFAR network of one block family, 32×32×3 → stride-2 stem → stage 1 (16×16) → downsampling → stage 2
 * (8×8) → GAP → dense(classes). `width` scales the channels (family-specific meaning):
 * - plain / resnet-basic: stem w, two blocks of two 3×3 convs at w, then at 2w (first one stride 2); plain has no skips;
 * - resnet-bottleneck: stem 4w, two bottlenecks of width w (out 4w), then width 2w (out 8w, first stride 2);
 * - densenet: stem 2w, dense block (4 layers, growth w), transition BN-ReLU-conv1×1 (half the channels) + avg pool,
 *   dense block (4 layers, growth w), BN-ReLU;
 * - inception: stem 4w, two inception modules with about GoogLeNet (3a)'s ratios (1×1: 2w, 3×3: 3w→4w, 5×5: ⌈w/2⌉→w,
 *   pool projection w; out 8w), max pool, two more;
 * - mobilenet: stem w, depthwise-separable convs w, 2w (stride 2), 2w, 4w, 4w.
 */
export function budgetNet(family: BlockFamily, width: number, options: { classes: number; seed: number; inputShape?: [number, number, number] }): tf.LayersModel {
  if (!(Number.isInteger(width) && width >= 1)) throw new Error(`budgetNet: width must be a positive integer; got ${width}`);
  const x = tf.input({ shape: [...(options.inputShape ?? [32, 32, 3])], name: 'input' });
  const cbr = (input: tf.SymbolicTensor, name: string, filters: number, kernelSize = 3, strides = 1): tf.SymbolicTensor =>
    convBnRelu(input, { conv: name, bn: `${name}_bn`, relu: `${name}_relu`, filters, kernelSize, strides, batchNorm: true });
  let y: tf.SymbolicTensor;
  const w = width;
  switch (family) {
    case 'plain': {
      y = cbr(x, 'stem', w, 3, 2);
      y = cbr(cbr(y, 's1b1_conv1', w), 's1b1_conv2', w);
      y = cbr(cbr(y, 's1b2_conv1', w), 's1b2_conv2', w);
      y = cbr(cbr(y, 's2b1_conv1', 2 * w, 3, 2), 's2b1_conv2', 2 * w);
      y = cbr(cbr(y, 's2b2_conv1', 2 * w), 's2b2_conv2', 2 * w);
      break;
    }
    case 'resnet-basic': {
      y = cbr(x, 'stem', w, 3, 2);
      y = residualBasicBlock(y, { name: 's1b1', filters: w });
      y = residualBasicBlock(y, { name: 's1b2', filters: w });
      y = residualBasicBlock(y, { name: 's2b1', filters: 2 * w, stride: 2 });
      y = residualBasicBlock(y, { name: 's2b2', filters: 2 * w });
      break;
    }
    case 'resnet-bottleneck': {
      y = cbr(x, 'stem', 4 * w, 3, 2);
      y = residualBottleneckBlock(y, { name: 's1b1', filters: w });
      y = residualBottleneckBlock(y, { name: 's1b2', filters: w });
      y = residualBottleneckBlock(y, { name: 's2b1', filters: 2 * w, stride: 2 });
      y = residualBottleneckBlock(y, { name: 's2b2', filters: 2 * w });
      break;
    }
    case 'densenet': {
      y = cbr(x, 'stem', 2 * w, 3, 2);
      y = denseBlock(y, { name: 'd1', layers: 4, growthRate: w });
      const channels = 6 * w;
      y = applyLayer(batchNormLayer('t1_bn'), y);
      y = applyLayer(tf.layers.activation({ name: 't1_relu', activation: 'relu' }), y);
      y = applyLayer(tf.layers.conv2d({ name: 't1_conv', filters: Math.max(1, Math.floor(channels / 2)), kernelSize: 1, useBias: false }), y);
      y = applyLayer(tf.layers.averagePooling2d({ name: 't1_pool', poolSize: 2, strides: 2 }), y);
      y = denseBlock(y, { name: 'd2', layers: 4, growthRate: w });
      y = applyLayer(batchNormLayer('final_bn'), y);
      y = applyLayer(tf.layers.activation({ name: 'final_relu', activation: 'relu' }), y);
      break;
    }
    case 'inception': {
      const module = (input: tf.SymbolicTensor, name: string): tf.SymbolicTensor =>
        inceptionModule(input, { name, conv1x1: 2 * w, conv3x3: [3 * w, 4 * w], conv5x5: [Math.ceil(w / 2), w], poolProjection: w });
      y = cbr(x, 'stem', 4 * w, 3, 2);
      y = module(module(y, 'i1'), 'i2');
      y = applyLayer(tf.layers.maxPooling2d({ name: 'pool', poolSize: 3, strides: 2, padding: 'same' }), y);
      y = module(module(y, 'i3'), 'i4');
      break;
    }
    case 'mobilenet': {
      y = cbr(x, 'stem', w, 3, 2);
      y = depthwiseSeparableConv(y, { name: 'sep1', filters: w });
      y = depthwiseSeparableConv(y, { name: 'sep2', filters: 2 * w, stride: 2 });
      y = depthwiseSeparableConv(y, { name: 'sep3', filters: 2 * w });
      y = depthwiseSeparableConv(y, { name: 'sep4', filters: 4 * w });
      y = depthwiseSeparableConv(y, { name: 'sep5', filters: 4 * w });
      break;
    }
  }
  y = applyLayer(tf.layers.globalAveragePooling2d({ name: 'gap' }), y);
  y = applyLayer(tf.layers.dense({ name: 'fc', units: options.classes }), y);
  const model = tf.model({ inputs: x, outputs: y, name: `budget_${family}` });
  initializeModel(model, { scheme: 'kaiming-normal', seed: options.seed });
  return model;
}

/** The width whose learned-parameter count is closest to `budget` (searched over 1..maxWidth), with that count. */
export function widthForBudget(family: BlockFamily, budget: number, classes: number, maxWidth = 256): { width: number; parameters: number } {
  let best = { width: 1, parameters: Infinity };
  for (let w = 1; w <= maxWidth; w++) {
    const m = budgetNet(family, w, { classes, seed: 0 });
    const p = countParameters(m, { trainableOnly: true });
    m.dispose();
    if (Math.abs(p - budget) < Math.abs(best.parameters - budget)) best = { width: w, parameters: p };
    if (p > budget) break; // counts grow with the width
  }
  return best;
}

/** What the small-data studies of section 4 (equal budget, augmentation) share: network size, data and training. */
export interface SmallDataTraining {
  /** Target number of learned parameters of every network. */
  budget: number;
  trainPerClass: number;
  testPerClass: number;
  dataSeed: number;
  seeds: number[];
  epochs: number;
  batchSize: number;
  maxStepsPerEpoch: number | null;
  optimizer: OptimizerConfig;
}

export interface BudgetComparisonConfig extends SmallDataTraining {
  version: number;
  families: BlockFamily[];
}

export const BUDGET_NAMESPACE = 'architectures-budget';

/** One trained family × seed at the shared budget (a type, not an interface, so it goes straight into a table). */
export type BudgetRun = {
  family: BlockFamily; seed: number; width: number; parameters: number; macs: number;
  /** null when the run diverged. */
  trainAccuracy: number | null; testAccuracy: number | null; testLoss: number | null; samplesPerSecond: number | null;
  diverged: boolean;
  /** The convergence rule fixed in advance: the training loss reached its plateau (FINE_TUNE_PLATEAU). */
  lossPlateau: boolean;
};

/** Per family: width, parameters, MACs, mean test accuracy with its 95% t-interval over seeds (null: none). */
export type BudgetFamilySummary = {
  family: BlockFamily; width: number | null; parameters: number | null; macs: number | null;
  testAccuracy: number | null; lo: number | null; hi: number | null; seeds: number; seedsOnPlateau: number;
};

export interface BudgetComparisonResults {
  runs: BudgetRun[];
  summary: BudgetFamilySummary[];
  trainedRuns: number;
  elapsedMs: number;
}

/** Trains every family × seed (each a result-cache entry) on the CIFAR-10 subset and evaluates on the test subset. */
export async function runBudgetComparison(config: BudgetComparisonConfig, options: { progress?: boolean; cacheRoot?: string } = {}): Promise<BudgetComparisonResults> {
  const started = performance.now();
  const trainDs = await smallDataSubset({ dataset: 'cifar10', dataSeed: config.dataSeed }, 'train', config.trainPerClass);
  const testDs = await smallDataSubset({ dataset: 'cifar10', dataSeed: config.dataSeed }, 'test', config.testPerClass);
  const trainSource = normalisedSource(trainDs, 'cifar10');
  const testSource = normalisedSource(testDs, 'cifar10');
  const runs: BudgetRun[] = [];
  let trainedRuns = 0;
  const progress = options.progress ? createProgress({ label: 'equal-budget CIFAR-10', total: config.families.length * config.seeds.length, unit: 'runs' }) : null;
  let done = 0;
  for (const family of config.families) {
    const { width, parameters } = widthForBudget(family, config.budget, 10);
    const probe = budgetNet(family, width, { classes: 10, seed: 0 });
    const macs = modelCost(probe).macs;
    probe.dispose();
    for (const seed of config.seeds) {
      const cell = {
        version: config.version, family, width, seed, trainPerClass: config.trainPerClass, testPerClass: config.testPerClass,
        dataSeed: config.dataSeed, epochs: config.epochs, batchSize: config.batchSize, maxStepsPerEpoch: config.maxStepsPerEpoch, optimizer: config.optimizer,
      };
      const run = await cachedRun<typeof cell, Omit<BudgetRun, 'lossPlateau'>>(BUDGET_NAMESPACE, cell, async () => {
        trainedRuns++;
        const model = budgetNet(family, width, { classes: 10, seed });
        try {
          const r = await train(model, { train: trainSource, test: testSource }, {
            epochs: config.epochs, batchSize: config.batchSize, seed: 7919 + seed, optimizer: config.optimizer, progress: false,
            ...(config.maxStepsPerEpoch !== null ? { maxStepsPerEpoch: config.maxStepsPerEpoch } : {}),
          });
          const last = r.history[r.history.length - 1];
          const samplesPerSecond = r.history.reduce((a, h) => a + h.samplesPerSecond, 0) / Math.max(1, r.history.length);
          return { history: r.history, results: { family, seed, width, parameters, macs, trainAccuracy: last?.trainAccuracy ?? null, testAccuracy: r.test?.accuracy ?? null, testLoss: r.test?.loss ?? null, samplesPerSecond, diverged: false } };
        } catch (err) {
          if (!(err instanceof NonFiniteLossError)) throw err;
          return { results: { family, seed, width, parameters, macs, trainAccuracy: null, testAccuracy: null, testLoss: null, samplesPerSecond: null, diverged: true } };
        } finally {
          model.dispose();
        }
      }, { ...(options.cacheRoot !== undefined ? { root: options.cacheRoot } : {}) });
      if (!run.results) throw new Error(`runBudgetComparison: cache entry ${run.key} has no results`);
      // The convergence criterion fixed in advance: the training loss reached its plateau (FINE_TUNE_PLATEAU).
      runs.push({ ...run.results, lossPlateau: lossPlateaued(run.history.map((h) => h.trainLoss)) });
      await yieldToEventLoop();
      progress?.update(++done, `${family} seed ${seed}${run.fromCache ? ' (cache)' : ''}`);
    }
  }
  progress?.finish();
  const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
  const summary = config.families.map((family): BudgetFamilySummary => {
    const of = runs.filter((x) => x.family === family);
    const r = of[0];
    // Descriptive bars: the t-interval from two seeds on (this section ranks nothing by a verdict).
    const a = meanInterval(of.map((x) => x.testAccuracy ?? NaN), { tFrom: 2 });
    const seedsOnPlateau = of.filter((x) => x.lossPlateau).length;
    return { family, width: r?.width ?? null, parameters: r?.parameters ?? null, macs: r?.macs ?? null, testAccuracy: orNull(a.mean), lo: orNull(a.lo), hi: orNull(a.hi), seeds: a.n, seedsOnPlateau };
  });
  return { runs, summary, trainedRuns, elapsedMs: performance.now() - started };
}

/** A batch source over random normal images (tests and the at-init studies). */
export function randomImageSource(count: number, shape: [number, number, number], classes: number, seed: number): ReturnType<typeof sourceFromArrays> {
  const rng = createRng(seed);
  const size = shape[0] * shape[1] * shape[2];
  const xs = Float32Array.from({ length: count * size }, () => rng.normal());
  const labels = Int32Array.from({ length: count }, () => rng.int(classes));
  return sourceFromArrays(xs, labels, shape, classes);
}

import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import {
  countParameters,
  deepNet,
  denseBlock,
  depthwiseSeparableConv,
  describeParameters,
  inceptionModule,
  initializeModel,
  lenet5,
  mlp,
  parameterKind,
  residualBasicBlock,
  residualBottleneckBlock,
  resnet18,
  trainableVariablesByName,
  vggSmall,
} from '../../lib/src/models/index';

/** conv k×k, cin→cout (+bias). */
const conv = (k: number, cin: number, cout: number, bias: boolean): number => k * k * cin * cout + (bias ? cout : 0);
const dense = (i: number, o: number): number => i * o + o;

function blockModel(shape: number[], build: (x: tf.SymbolicTensor) => tf.SymbolicTensor): tf.LayersModel {
  const x = tf.input({ shape });
  const m = tf.model({ inputs: x, outputs: build(x) });
  initializeModel(m, { seed: 1 });
  return m;
}

describe('models/architectures', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('MLP 784→256→10 (the original activation-variance study) has 784·256+256 + 256·10+10 parameters and named layers', () => {
    const m = mlp({ hidden: 256, seed: 1, inputShape: [28, 28, 1] });
    assert.equal(countParameters(m), dense(784, 256) + dense(256, 10));
    assert.equal(countParameters(m), 203530);
    assert.deepEqual(m.layers.map((l) => l.name), ['flatten', 'fc1', 'relu1', 'fc2']);
    assert.deepEqual(m.outputs[0]?.shape, [null, 10]);
    const deeper = mlp({ hidden: [32, 16], inputSize: 20, classes: 3, seed: 1, activation: 'tanh' });
    assert.equal(countParameters(deeper), dense(20, 32) + dense(32, 16) + dense(16, 3));
    assert.throws(() => mlp({ hidden: 8, inputSize: 10, inputShape: [3, 3], seed: 1 }), /inputShape \[3, 3\] has 9 values/);
    m.dispose();
    deeper.dispose();
  });

  it('LeNet-5 parameter-dynamics variant (32×32×3) and classic (28×28×1) match hand counts and shapes', () => {
    const a = lenet5({ seed: 1 });
    assert.equal(countParameters(a), conv(5, 3, 6, true) + conv(5, 6, 16, true) + dense(400, 120) + dense(120, 84) + dense(84, 10));
    assert.equal(countParameters(a), 62006);
    assert.deepEqual(a.layers.map((l) => l.name), ['conv1', 'pool1', 'relu1', 'conv2', 'pool2', 'relu2', 'flatten', 'fc1', 'relu3', 'fc2', 'relu4', 'fc3']);
    assert.deepEqual(a.getLayer('flatten').outputShape, [null, 400]);
    const b = lenet5({ variant: 'classic', seed: 1 });
    assert.equal(countParameters(b), conv(5, 1, 6, true) + conv(5, 6, 16, true) + dense(400, 120) + dense(120, 84) + dense(84, 10));
    assert.deepEqual(b.inputs[0]?.shape, [null, 28, 28, 1]);
    assert.deepEqual(b.getLayer('flatten').outputShape, [null, 400]);
    const y = tf.tidy(() => a.predict(tf.zeros([2, 32, 32, 3])) as tf.Tensor);
    assert.deepEqual(y.shape, [2, 10]);
    y.dispose();
    a.dispose();
    b.dispose();
  });

  it('ResNet-18 (CIFAR form, width 64) has the published 11,173,962 trainable parameters', () => {
    const m = resnet18({ seed: 1 });
    assert.equal(countParameters(m, { trainableOnly: true }), 11173962);
    // BN moving mean + variance: 2 per BN channel; BN channels = trainable BN params / 2.
    const bnTrainable = describeParameters(m).filter((p) => p.kind === 'bn-gamma').reduce((a, p) => a + p.size, 0);
    assert.equal(countParameters(m) - countParameters(m, { trainableOnly: true }), 2 * bnTrainable);
    m.dispose();
  });

  it('ResNet-18 width knob and the no-BN control match a hand count', () => {
    const w = 4;
    const basic = (cin: number, c: number, bn: boolean, proj: boolean): number =>
      conv(3, cin, c, !bn) + conv(3, c, c, !bn) + (bn ? 4 * c : 0) + (proj ? conv(1, cin, c, !bn) + (bn ? 2 * c : 0) : 0);
    const count = (bn: boolean): number => {
      let n = conv(3, 3, w, !bn) + (bn ? 2 * w : 0);
      let cin = w;
      for (let s = 0; s < 4; s++) {
        const c = w * 2 ** s;
        n += basic(cin, c, bn, s > 0) + basic(c, c, bn, false);
        cin = c;
      }
      return n + dense(8 * w, 10);
    };
    const withBn = resnet18({ seed: 1, width: w });
    const noBn = resnet18({ seed: 1, width: w, batchNorm: false });
    assert.equal(countParameters(withBn, { trainableOnly: true }), count(true));
    assert.equal(countParameters(noBn), count(false));
    assert.ok(!describeParameters(noBn).some((p) => p.kind.startsWith('bn-')));
    assert.ok(withBn.layers.some((l) => l.name === 's2b1_proj_conv') && withBn.layers.some((l) => l.name === 's1b2_add'));
    const y = tf.tidy(() => withBn.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor);
    assert.deepEqual(y.shape, [1, 10]);
    y.dispose();
    withBn.dispose();
    noBn.dispose();
  });

  it('VGG-style net: stages × width, BN option, classifier', () => {
    const w = 4;
    const m = vggSmall({ seed: 1, width: w, stages: [1, 2], classifierHidden: [16], inputShape: [8, 8, 3], classes: 5 });
    const expected = conv(3, 3, 4, true) + 2 * 4 + conv(3, 4, 8, true) + 2 * 8 + conv(3, 8, 8, true) + 2 * 8 + dense(2 * 2 * 8, 16) + dense(16, 5);
    assert.equal(countParameters(m, { trainableOnly: true }), expected);
    assert.deepEqual(m.layers.map((l) => l.name).slice(1, 5), ['conv1_1', 'bn1_1', 'relu1_1', 'pool1']);
    const noBn = vggSmall({ seed: 1, width: w, stages: [1, 2], batchNorm: false, inputShape: [8, 8, 3] });
    assert.equal(countParameters(noBn), conv(3, 3, 4, true) + conv(3, 4, 8, true) + conv(3, 8, 8, true) + dense(32, 10));
    // channel cap at 8·width
    const deep = vggSmall({ seed: 1, width: 2, stages: [1, 1, 1, 1, 1], inputShape: [32, 32, 3] });
    assert.equal(deep.getLayer('conv5_1').outputShape[3], 16);
    m.dispose();
    noBn.dispose();
    deep.dispose();
  });

  it('residual basic and bottleneck blocks: shapes and parameter counts', () => {
    const basic = blockModel([8, 8, 16], (x) => residualBasicBlock(x, { name: 'b', filters: 16 }));
    assert.equal(countParameters(basic, { trainableOnly: true }), 2 * conv(3, 16, 16, false) + 2 * 2 * 16);
    assert.deepEqual(basic.outputs[0]?.shape, [null, 8, 8, 16]);
    const down = blockModel([8, 8, 16], (x) => residualBasicBlock(x, { name: 'b', filters: 32, stride: 2 }));
    assert.deepEqual(down.outputs[0]?.shape, [null, 4, 4, 32]);
    assert.equal(countParameters(down, { trainableOnly: true }), conv(3, 16, 32, false) + conv(3, 32, 32, false) + conv(1, 16, 32, false) + 3 * 2 * 32);
    const bottle = blockModel([8, 8, 64], (x) => residualBottleneckBlock(x, { name: 'r', filters: 16 }));
    assert.deepEqual(bottle.outputs[0]?.shape, [null, 8, 8, 64]);
    assert.equal(countParameters(bottle, { trainableOnly: true }), conv(1, 64, 16, false) + conv(3, 16, 16, false) + conv(1, 16, 64, false) + 2 * (16 + 16 + 64));
    // identity shortcut really adds the input: zero all convs and BN gammas → block = relu(x)
    for (const [name, v] of trainableVariablesByName(basic)) if (!name.endsWith('beta')) v.assign(tf.zerosLike(v));
    const x = tf.randomNormal([1, 8, 8, 16], 0, 1, 'float32', 3);
    const y = basic.predict(x) as tf.Tensor;
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(y, tf.relu(x)))).dataSync()[0]);
    assert.ok((diff as number) < 1e-6, `identity path: max diff ${diff}`);
    tf.dispose([x, y]);
    [basic, down, bottle].forEach((m) => m.dispose());
  });

  it('dense block: channels c + L·k and DenseNet-BC parameter count', () => {
    const c = 8;
    const k = 4;
    const m = blockModel([6, 6, c], (x) => denseBlock(x, { name: 'd', layers: 3, growthRate: k }));
    assert.deepEqual(m.outputs[0]?.shape, [null, 6, 6, c + 3 * k]);
    let expected = 0;
    for (let i = 0; i < 3; i++) {
      const cin = c + i * k;
      expected += 2 * cin + conv(1, cin, 4 * k, false) + 2 * 4 * k + conv(3, 4 * k, k, false);
    }
    assert.equal(countParameters(m, { trainableOnly: true }), expected);
    const plain = blockModel([6, 6, c], (x) => denseBlock(x, { name: 'd', layers: 2, growthRate: k, bottleneck: false, batchNorm: false }));
    assert.equal(countParameters(plain), conv(3, c, k, true) + conv(3, c + k, k, true));
    m.dispose();
    plain.dispose();
  });

  it('inception module: concatenated branch channels and parameter count', () => {
    const m = blockModel([8, 8, 12], (x) =>
      inceptionModule(x, { name: 'inc', conv1x1: 4, conv3x3: [3, 6], conv5x5: [2, 5], poolProjection: 3, batchNorm: false }),
    );
    assert.deepEqual(m.outputs[0]?.shape, [null, 8, 8, 4 + 6 + 5 + 3]);
    assert.equal(
      countParameters(m),
      conv(1, 12, 4, true) + conv(1, 12, 3, true) + conv(3, 3, 6, true) + conv(1, 12, 2, true) + conv(5, 2, 5, true) + conv(1, 12, 3, true),
    );
    m.dispose();
  });

  it('depthwise-separable conv: k²·c + c·f weights instead of k²·c·f', () => {
    const m = blockModel([8, 8, 16], (x) => depthwiseSeparableConv(x, { name: 'sep', filters: 32, stride: 2 }));
    assert.deepEqual(m.outputs[0]?.shape, [null, 4, 4, 32]);
    assert.equal(countParameters(m, { trainableOnly: true }), 9 * 16 + 16 * 32 + 2 * 16 + 2 * 32);
    const kinds = describeParameters(m).map((p) => p.kind);
    assert.ok(kinds.includes('depthwise-weight') && kinds.includes('conv-weight'));
    m.dispose();
  });

  it('deep plain vs residual stack for the vanishing-gradient demo', () => {
    const plain = deepNet({ depth: 4, width: 8, residual: false, activation: 'sigmoid', seed: 1, inputShape: [6] });
    const res = deepNet({ depth: 4, width: 8, residual: true, activation: 'sigmoid', seed: 1, inputShape: [6] });
    const expected = dense(6, 8) + 3 * dense(8, 8) + dense(8, 10);
    assert.equal(countParameters(plain), expected);
    assert.equal(countParameters(res), expected);
    assert.ok(res.layers.some((l) => l.name === 'add2') && !plain.layers.some((l) => l.name.startsWith('add')));
    const convNet = deepNet({ depth: 3, width: 4, residual: true, activation: 'relu', conv: true, seed: 1, inputShape: [8, 8, 1] });
    assert.equal(countParameters(convNet), conv(3, 1, 4, true) + 2 * conv(3, 4, 4, true) + dense(4, 10));
    [plain, res, convNet].forEach((m) => m.dispose());
  });

  it('names parameters canonically and by kind, also for a second instance of a model', () => {
    const first = lenet5({ seed: 1 });
    const second = lenet5({ seed: 1 });
    assert.deepEqual(describeParameters(second).map((p) => p.name), describeParameters(first).map((p) => p.name));
    assert.ok(second.weights.some((w) => w.name !== w.originalName), 'tfjs suffixes the second instance');
    const r = resnet18({ seed: 1, width: 2, blocksPerStage: [1, 1] });
    const kinds = new Map(describeParameters(r).map((p) => [p.name, p] as const));
    assert.equal(kinds.get('stem_conv/kernel')?.kind, 'conv-weight');
    assert.equal(kinds.get('stem_bn/moving_variance')?.kind, 'bn-moving-variance');
    assert.equal(kinds.get('stem_bn/moving_variance')?.trainable, false);
    assert.equal(kinds.get('fc/bias')?.kind, 'dense-bias');
    assert.equal(parameterKind('conv1/bias'), 'conv-bias');
    assert.equal(parameterKind('fc1/kernel', [400, 120]), 'dense-weight');
    assert.equal(parameterKind('bn1/gamma'), 'bn-gamma');
    assert.equal(parameterKind('x/whatever'), 'other');
    [first, second, r].forEach((m) => m.dispose());
  });
});

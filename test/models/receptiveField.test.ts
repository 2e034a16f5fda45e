import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import {
  alexNetConvStack,
  convStackGeometry,
  convStackModel,
  layerCosts,
  modelCost,
  stackReceptiveField,
  vgg16ConvStack,
  type ConvStackLayer,
} from '../../lib/src/models/index';

const col = (rows: ReturnType<typeof convStackGeometry>, key: string): (string | number)[] => rows.map((r) => r[key] as string | number);

describe('models/receptiveField', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('AlexNet on 227×227×3: output sizes, receptive fields and parameters match hand counts', () => {
    const rows = convStackGeometry(alexNetConvStack(), { height: 227, width: 227, channels: 3 });
    assert.deepEqual(col(rows, 'outHeight'), [55, 27, 27, 13, 13, 13, 13, 6]);
    assert.deepEqual(col(rows, 'outChannels'), [96, 96, 256, 256, 384, 384, 256, 256]);
    // r += (k-1)·jump: 11; +2·4; +4·8; +2·8; +2·16 three times; +2·16
    assert.deepEqual(col(rows, 'receptiveField'), [11, 19, 51, 67, 99, 131, 163, 195]);
    assert.deepEqual(col(rows, 'jump'), [4, 8, 8, 16, 16, 16, 16, 32]);
    const conv = (k: number, cin: number, cout: number): number => k * k * cin * cout + cout;
    assert.deepEqual(col(rows, 'parameters'), [conv(11, 3, 96), 0, conv(5, 96, 256), 0, conv(3, 256, 384), conv(3, 384, 384), conv(3, 384, 256), 0]);
    assert.equal(rows[0]?.parameters, 34944);
    assert.equal(rows[7]?.cumulativeParameters, 3747200);
    assert.equal(rows[0]?.macs, 55 * 55 * 96 * 11 * 11 * 3);
    assert.equal(rows[0]?.macs, 105415200);
    // The paper's two-GPU split halves the input channels of conv2, conv4, conv5.
    const split = convStackGeometry(alexNetConvStack({ twoGpu: true }), { height: 227, width: 227, channels: 3 });
    assert.deepEqual(col(split, 'parameters'), [34944, 0, conv(5, 48, 256), 0, conv(3, 256, 384), conv(3, 192, 384), conv(3, 192, 256), 0]);
    assert.equal(split[7]?.cumulativeParameters, 2334080);
    assert.equal(split[7]?.receptiveField, 195);
  });

  it('VGG-16: 14,714,688 conv parameters, receptive field 196 at conv5_3 and 212 at pool5', () => {
    const rows = convStackGeometry(vgg16ConvStack(), { height: 224, width: 224, channels: 3 });
    const last = rows[rows.length - 1];
    assert.equal(last?.cumulativeParameters, 14714688); // Keras VGG16(include_top=False).count_params()
    assert.equal(last?.outHeight, 7);
    assert.equal(last?.outChannels, 512);
    const byName = new Map(rows.map((r) => [r.layer, r]));
    assert.equal(byName.get('conv1_2')?.receptiveField, 5);
    assert.equal(byName.get('pool1')?.receptiveField, 6);
    assert.equal(byName.get('conv3_3')?.receptiveField, 40);
    assert.equal(byName.get('conv5_3')?.receptiveField, 196);
    assert.equal(byName.get('pool5')?.receptiveField, 212);
    assert.equal(byName.get('conv1_1')?.macs, 224 * 224 * 64 * 27);
  });

  it('stacked 3×3 convs: n layers see 2n+1 pixels with 9n·C² weights, one (2n+1)×(2n+1) conv needs (2n+1)²·C²', () => {
    const C = 64;
    for (const n of [1, 2, 3, 5]) {
      const stacked: ConvStackLayer[] = Array.from({ length: n }, (_, i) => ({ name: `c${i}`, type: 'conv', kernel: 3, padding: 1, filters: C, bias: false }));
      const big: ConvStackLayer[] = [{ name: 'big', type: 'conv', kernel: 2 * n + 1, padding: n, filters: C, bias: false }];
      const input = { height: 32, width: 32, channels: C };
      assert.equal(stackReceptiveField(stacked, input), 2 * n + 1);
      assert.equal(stackReceptiveField(big, input), 2 * n + 1);
      const s = convStackGeometry(stacked, input);
      const b = convStackGeometry(big, input);
      assert.equal(s[n - 1]?.cumulativeParameters, 9 * n * C * C);
      assert.equal(b[0]?.cumulativeParameters, (2 * n + 1) ** 2 * C * C);
      assert.equal(s[n - 1]?.cumulativeMacs, 32 * 32 * 9 * n * C * C);
    }
    assert.equal(stackReceptiveField([], { height: 5, width: 5, channels: 1 }), 1);
  });

  it("'same' padding follows TensorFlow (extra pixel after), dilation widens the kernel, depthwise keeps channels", () => {
    const rows = convStackGeometry(
      [
        { name: 'a', type: 'conv', kernel: 3, stride: 2, padding: 'same', filters: 8 },
        { name: 'b', type: 'conv', kernel: 3, dilation: 2, padding: 'same', filters: 8 },
        { name: 'c', type: 'depthwise', kernel: 5, padding: 'valid', bias: false },
        { name: 'd', type: 'avgpool', kernel: 2 },
      ],
      { height: 32, width: 30, channels: 3 },
    );
    assert.deepEqual(col(rows, 'outHeight'), [16, 16, 12, 6]);
    assert.deepEqual(col(rows, 'outWidth'), [15, 15, 11, 5]);
    assert.deepEqual([rows[0]?.padBefore, rows[0]?.padAfter], [0, 1]); // total (16-1)·2+3-32 = 1
    assert.deepEqual([rows[1]?.padBefore, rows[1]?.padAfter], [2, 2]); // span 5
    assert.deepEqual(col(rows, 'receptiveField'), [3, 3 + 4 * 2, 11 + 4 * 2, 19 + 1 * 2]);
    assert.deepEqual(col(rows, 'outChannels'), [8, 8, 8, 8]);
    assert.equal(rows[2]?.parameters, 25 * 8);
    assert.equal(rows[2]?.macs, 12 * 11 * 8 * 25);
    // Centre of output unit 0: conv a (no padding before) is centred on pixel 1; b's 'same' keeps it; c (valid 5) shifts by 2·2.
    assert.deepEqual(col(rows, 'firstCenter'), [1, 1, 5, 5 + 0.5 * 2]);
  });

  it('rejects bad stacks with the layer named', () => {
    const input = { height: 8, width: 8, channels: 3 };
    assert.throws(() => convStackGeometry([{ name: 'x', type: 'conv', kernel: 11 }], input), /layer 0 \('x'\)/);
    assert.throws(() => convStackGeometry([{ name: 'x', type: 'conv', kernel: 3, filters: 4, groups: 2 }], input), /groups 2 must divide/);
    assert.throws(() => convStackGeometry([{ name: 'x', type: 'conv', kernel: 3, filters: 4 }, { name: 'x', type: 'maxpool', kernel: 2 }], input), /used twice/);
    assert.throws(() => convStackGeometry([{ name: 'x', type: 'conv', kernel: 0, filters: 4 }], input), /kernel must be a positive integer/);
    assert.throws(() => convStackModel(alexNetConvStack({ twoGpu: true }), { height: 227, width: 227, channels: 3 }), /no grouped conv/);
  });

  it('layerCosts of the built tf model agree with the analytic geometry (shapes, parameters, MACs)', () => {
    const stack: ConvStackLayer[] = [
      { name: 'c1', type: 'conv', kernel: 5, stride: 2, padding: 2, filters: 6 },
      { name: 'p1', type: 'maxpool', kernel: 3, stride: 2, padding: 'same' },
      { name: 'd1', type: 'depthwise', kernel: 3, padding: 'same' },
      { name: 'c2', type: 'conv', kernel: 3, dilation: 2, filters: 10, bias: false },
    ];
    const input = { height: 40, width: 36, channels: 3 };
    const geometry = convStackGeometry(stack, input);
    const model = convStackModel(stack, input, { seed: 1 });
    const costs = new Map(layerCosts(model).map((r) => [r.layer, r]));
    for (const g of geometry) {
      const c = costs.get(g.layer);
      assert.ok(c, `layer ${g.layer} missing from the model`);
      assert.equal(c.outputShape, `${g.outHeight}x${g.outWidth}x${g.outChannels}`, g.layer);
      assert.equal(c.parameters, g.parameters, g.layer);
      assert.equal(c.macs, g.macs, g.layer);
    }
    assert.equal(costs.get('c1_pad')?.outputShape, '44x40x3');
    const total = modelCost(model);
    assert.equal(total.parameters, geometry[geometry.length - 1]?.cumulativeParameters);
    assert.equal(total.macs, geometry[geometry.length - 1]?.cumulativeMacs);
    model.dispose();
  });

  it('modelCost separates BN moving statistics and counts Dense MACs', () => {
    const x = tf.input({ shape: [8, 8, 4] });
    const c = tf.layers.conv2d({ name: 'c', filters: 6, kernelSize: 3, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor;
    const b = tf.layers.batchNormalization({ name: 'bn' }).apply(c) as tf.SymbolicTensor;
    const g = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(b) as tf.SymbolicTensor;
    const d = tf.layers.dense({ name: 'fc', units: 5 }).apply(g) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: d });
    const cost = modelCost(m);
    assert.equal(cost.parameters, 9 * 4 * 6 + 4 * 6 + 6 * 5 + 5);
    assert.equal(cost.learnedParameters, 9 * 4 * 6 + 2 * 6 + 6 * 5 + 5);
    assert.equal(cost.macs, 64 * 9 * 4 * 6 + 6 * 5);
    m.dispose();
  });
});

import { strict as assert } from 'assert';
import * as tf from '@tensorflow/tfjs';
import { createOptimizer, type OptimizerConfig } from '../../lib/src/train/optimizers';

/*
 * Reference values from PyTorch 1.13 (torch.optim, float32), generated with:
 *   p = torch.nn.Parameter(torch.tensor([0.5, -1.0, 2.0, 0.0])); opt = <optimizer>([p])
 *   for g in GRADS: opt.zero_grad(); p.grad = torch.tensor(g); opt.step()
 */
const P0 = [0.5, -1.0, 2.0, 0.0];
const GRADS = [
  [0.1, -0.2, 0.3, 0.0],
  [0.05, 0.4, -0.1, 0.0],
  [-0.3, 0.1, 0.2, 0.0],
];
const TORCH: [string, OptimizerConfig, number[]][] = [
  ['SGD(lr=0.1)', { kind: 'sgd', lr: 0.1 }, [0.51500004529953, -1.0299999713897705, 1.9600000381469727, 0.0]],
  ['SGD(lr=0.1, momentum=0.9)', { kind: 'sgd', lr: 0.1, momentum: 0.9 }, [0.4934000074863434, -1.0318000316619873, 1.9177000522613525, 0.0]],
  [
    'SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)',
    { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
    [0.5051634311676025, -1.0506463050842285, 1.8701324462890625, 0.0],
  ],
  [
    'SGD(lr=0.1, momentum=0.9, dampening=0.5)',
    { kind: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0.5 },
    [0.48315000534057617, -0.9887999892234802, 1.9182000160217285, 0.0],
  ],
  ['Adam(lr=0.01)', { kind: 'adam', lr: 0.01 }, [0.4841504395008087, -0.9978175759315491, 1.9799668788909912, 0.0]],
  [
    'Adam(lr=0.005, betas=(0.8, 0.99), eps=0.1, weight_decay=0.01)',
    { kind: 'adam', lr: 0.005, beta1: 0.8, beta2: 0.99, eps: 0.1, weightDecay: 0.01 },
    [0.49666282534599304, -0.9996241927146912, 1.9924713373184204, 0.0],
  ],
];

describe('train/optimizers', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const [label, config, expected] of TORCH) {
    it(`matches torch.optim.${label} over three steps`, () => {
      const p = tf.variable(tf.tensor1d(P0));
      const opt = createOptimizer(config, new Map([['p', p]]));
      for (const g of GRADS) {
        const grad = tf.tensor1d(g);
        opt.step(new Map([['p', grad]]));
        grad.dispose();
      }
      const got = Array.from(p.dataSync());
      got.forEach((v, i) => assert.ok(Math.abs(v - (expected[i] as number)) < 2e-6, `element ${i}: ${v} vs torch ${expected[i]}`));
      assert.equal(opt.stepCount, 3);
      opt.dispose();
      p.dispose();
    });
  }

  for (const config of [
    { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
    { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true },
    { kind: 'adam', lr: 0.01, weightDecay: 0.1 },
  ] as OptimizerConfig[]) {
    it(`update mask 0 keeps an element bit-exactly unchanged under ${JSON.stringify(config)}, even after free steps built up state`, () => {
      const p = tf.variable(tf.tensor1d([0.3, -0.7, 1.1]));
      const opt = createOptimizer(config, new Map([['p', p]]));
      const grad = tf.tensor1d([0.5, -0.25, 0.125]);
      // Two free steps: momentum / Adam moments are now non-zero for every element.
      opt.step(new Map([['p', grad]]));
      opt.step(new Map([['p', grad]]));
      const frozenBefore = p.dataSync()[1] as number;
      const mask = tf.tensor1d([1, 0, 1]);
      const zeroGrad = tf.tensor1d([0, 0, 0]);
      for (let i = 0; i < 3; i++) {
        const before = Array.from(p.dataSync());
        // A zero gradient alone would still move element 1 (momentum / first moment); the mask must stop it.
        opt.step(new Map([['p', zeroGrad]]), { updateMasks: new Map([['p', mask]]) });
        const after = Array.from(p.dataSync());
        assert.equal(after[1], frozenBefore, 'masked element unchanged, bit for bit');
        assert.notEqual(after[0], before[0], 'unmasked element still moves (through momentum / moments / decay)');
      }
      // Unmasking: the frozen element resumes from its frozen state (its state did not advance meanwhile).
      opt.step(new Map([['p', grad]]));
      assert.notEqual(p.dataSync()[1], frozenBefore);
      tf.dispose([mask, zeroGrad, grad]);
      opt.dispose();
      p.dispose();
    });
  }

  it('a masked element keeps its optimiser state: it then moves exactly like an element that skipped those steps', () => {
    // Element 0 is masked for 2 steps with arbitrary gradients; element 1 simply receives no steps during that time.
    const masked = tf.variable(tf.tensor1d([1.0]));
    const reference = tf.variable(tf.tensor1d([1.0]));
    const config: OptimizerConfig = { kind: 'sgd', lr: 0.1, momentum: 0.9 };
    const a = createOptimizer(config, new Map([['w', masked]]));
    const b = createOptimizer(config, new Map([['w', reference]]));
    const g = tf.tensor1d([0.4]);
    const noise = tf.tensor1d([123]);
    const zero = tf.tensor1d([0]);
    a.step(new Map([['w', g]]));
    b.step(new Map([['w', g]]));
    a.step(new Map([['w', noise]]), { updateMasks: new Map([['w', zero]]) });
    a.step(new Map([['w', noise]]), { updateMasks: new Map([['w', zero]]) });
    a.step(new Map([['w', g]]));
    b.step(new Map([['w', g]]));
    assert.equal(masked.dataSync()[0], reference.dataSync()[0]);
    tf.dispose([masked, reference, g, noise, zero]);
    a.dispose();
    b.dispose();
  });

  it('rejects bad settings and mismatched shapes with clear errors, and leaks no tensors', () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    assert.throws(() => createOptimizer({ kind: 'adam', lr: 0.1, beta1: 1 }, new Map([['p', p]])), /beta1 must be in \[0, 1\), got 1/);
    assert.throws(() => createOptimizer({ kind: 'sgd', lr: 0.1, nesterov: true }, new Map([['p', p]])), /nesterov needs momentum > 0/);
    const opt = createOptimizer({ kind: 'adam', lr: 0.1 }, new Map([['p', p]]));
    const bad = tf.tensor1d([1, 2, 3]);
    assert.throws(() => opt.step(new Map([['p', bad]])), /gradient of 'p' has shape \[3\], parameter \[2\]/);
    assert.throws(() => opt.step(new Map([['q', bad]])), /unknown parameter 'q'/);
    const g = tf.tensor1d([1, 1]);
    opt.step(new Map([['p', g]]));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.step(new Map([['p', g]]));
    assert.equal(tf.memory().numTensors, before, 'no tensors leak per step');
    opt.dispose();
    assert.equal(tf.memory().numTensors, before - 2, 'dispose frees the two Adam moments');
    tf.dispose([p, bad, g]);
  });
});

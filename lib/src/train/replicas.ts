import * as tf from '@tensorflow/tfjs';
import { createRng } from '../util/random';
import { createProgress } from '../util/progress';
import { fusedAdamUpdate } from '../backend/kernels/optimizerUpdate';
import { inOrder, type LabelledBatchSource } from '../data/source';

/**
 * Lock-step replicas: R copies of the MLP `Linear(in, h) -> ReLU -> Linear(h, out)` trained as ONE batched program
 * on the same batches (the protocol of the activation-variance study: 11 seeds of one width).
 *
 * Layout. All replicas see the same input, so the first layer of all of them is one matrix
 *   w1 [in, R*h]  (columns r*h .. r*h+h-1 are replica r's hidden units),  b1 [1, R*h]
 * and one plain GEMM computes every replica's hidden layer (no tiling of x, the fastest GEMM shape there is).
 * This is the stacked W1 [R, in, h] with its replica axis moved next to the unit axis. The second layer is a true
 * stack: w2 [R, h, out], b2 [R, 1, out], applied with a batched matmul.
 *
 * Gradients are written by hand (two layers) so that every matmul has non-transposed operands: operands that need
 * a transpose are transposed explicitly first (stock tfjs-wasm falls back to a scalar loop for transposed batched
 * matmuls), and the input gradient, which nothing needs, is never computed.
 */

/** Weights of ONE replica, PyTorch shapes transposed to `x @ w` form. */
export interface MlpReplicaWeights {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  /** [inputSize, hiddenSize] row-major. */
  w1: Float32Array;
  /** [hiddenSize]. */
  b1: Float32Array;
  /** [hiddenSize, outputSize] row-major. */
  w2: Float32Array;
  /** [outputSize]. */
  b2: Float32Array;
}

export interface MlpReplicasOptions {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  /** One init seed per replica; the number of replicas is `seeds.length`. */
  seeds: readonly number[];
}

/** A variable holding `initial`'s values; the initial tensor is disposed (tf.variable would otherwise leak it). */
function ownedVariable<R extends tf.Rank>(initial: tf.Tensor<R>, trainable: boolean): tf.Variable<R> {
  const v = tf.variable(initial, trainable);
  initial.dispose();
  return v;
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`MlpReplicas: ${name} must be a positive integer, got ${value}`);
  }
}

/**
 * PyTorch's default `nn.Linear` init for one replica: kaiming_uniform(a = sqrt 5) on the weight, which is
 * U(-1/sqrt(fan_in), +1/sqrt(fan_in)), and the same bound for the bias. Draw order: w1 (row-major [in, h]), b1, w2, b2.
 */
export function initMlpReplicaWeights(seed: number, inputSize: number, hiddenSize: number, outputSize: number): MlpReplicaWeights {
  checkPositiveInteger('inputSize', inputSize);
  checkPositiveInteger('hiddenSize', hiddenSize);
  checkPositiveInteger('outputSize', outputSize);
  const rng = createRng(seed);
  const uniform = (n: number, bound: number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (2 * rng.next() - 1) * bound;
    return out;
  };
  const bound1 = 1 / Math.sqrt(inputSize);
  const bound2 = 1 / Math.sqrt(hiddenSize);
  const w1 = uniform(inputSize * hiddenSize, bound1);
  const b1 = uniform(hiddenSize, bound1);
  const w2 = uniform(hiddenSize * outputSize, bound2);
  const b2 = uniform(outputSize, bound2);
  return { inputSize, hiddenSize, outputSize, w1, b1, w2, b2 };
}

/** Multiply-adds of one training step per example (forward, weight gradients; no input gradient). */
export function mlpTrainMultiplyAdds(inputSize: number, hiddenSize: number, outputSize: number): number {
  const forward = inputSize * hiddenSize + hiddenSize * outputSize;
  const backward = inputSize * hiddenSize /* dW1 */ + 2 * hiddenSize * outputSize /* dW2, dh */;
  return forward + backward;
}

/** Multiply-adds of one forward pass per example. */
export function mlpForwardMultiplyAdds(inputSize: number, hiddenSize: number, outputSize: number): number {
  return inputSize * hiddenSize + hiddenSize * outputSize;
}

export interface MlpReplicasForward {
  /** Post-ReLU hidden activations [B, R*h]; column r*h + j is unit j of replica r. */
  hidden: tf.Tensor2D;
  /** Logits [R, B, out]. */
  logits: tf.Tensor3D;
}

/** R lock-step copies of an MLP in-h-out with ReLU; see the file comment for the layout. */
export class MlpReplicas {
  readonly replicas: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  /** [in, R*h]. */
  readonly w1: tf.Variable<tf.Rank.R2>;
  /** [1, R*h]. */
  readonly b1: tf.Variable<tf.Rank.R2>;
  /** [R, h, out]. */
  readonly w2: tf.Variable<tf.Rank.R3>;
  /** [R, 1, out]. */
  readonly b2: tf.Variable<tf.Rank.R3>;

  private constructor(weights: readonly MlpReplicaWeights[]) {
    const first = weights[0];
    if (first === undefined) throw new Error('MlpReplicas: need at least one replica (seeds or weights is empty)');
    const { inputSize, hiddenSize, outputSize } = first;
    weights.forEach((w, r) => {
      if (w.inputSize !== inputSize || w.hiddenSize !== hiddenSize || w.outputSize !== outputSize) {
        throw new Error(
          `MlpReplicas: replica ${r} has shape ${w.inputSize}-${w.hiddenSize}-${w.outputSize}, ` +
            `expected ${inputSize}-${hiddenSize}-${outputSize} like replica 0 (lock-step replicas share one shape)`,
        );
      }
      const expect = (name: string, arr: Float32Array, n: number): void => {
        if (arr.length !== n) throw new Error(`MlpReplicas: replica ${r} ${name} has ${arr.length} values, expected ${n}`);
      };
      expect('w1', w.w1, inputSize * hiddenSize);
      expect('b1', w.b1, hiddenSize);
      expect('w2', w.w2, hiddenSize * outputSize);
      expect('b2', w.b2, outputSize);
    });
    const R = weights.length;
    this.replicas = R;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.outputSize = outputSize;
    const H = R * hiddenSize;
    const w1 = new Float32Array(inputSize * H);
    const b1 = new Float32Array(H);
    const w2 = new Float32Array(R * hiddenSize * outputSize);
    const b2 = new Float32Array(R * outputSize);
    weights.forEach((w, r) => {
      for (let i = 0; i < inputSize; i++) {
        w1.set(w.w1.subarray(i * hiddenSize, (i + 1) * hiddenSize), i * H + r * hiddenSize);
      }
      b1.set(w.b1, r * hiddenSize);
      w2.set(w.w2, r * hiddenSize * outputSize);
      b2.set(w.b2, r * outputSize);
    });
    this.w1 = ownedVariable(tf.tensor2d(w1, [inputSize, H]), true);
    this.b1 = ownedVariable(tf.tensor2d(b1, [1, H]), true);
    this.w2 = ownedVariable(tf.tensor3d(w2, [R, hiddenSize, outputSize]), true);
    this.b2 = ownedVariable(tf.tensor3d(b2, [R, 1, outputSize]), true);
  }

  /** Fresh replicas, each with PyTorch-default init from its own seed. */
  static create(options: MlpReplicasOptions): MlpReplicas {
    if (options.seeds.length === 0) throw new Error('MlpReplicas.create: seeds is empty; give one seed per replica');
    return new MlpReplicas(
      options.seeds.map((s) => initMlpReplicaWeights(s, options.inputSize, options.hiddenSize, options.outputSize)),
    );
  }

  /** Replicas from given per-replica weights (copied). */
  static fromWeights(weights: readonly MlpReplicaWeights[]): MlpReplicas {
    return new MlpReplicas(weights);
  }

  /** Trainable variables in a fixed order: w1, b1, w2, b2 (the order of `mlpReplicaGradients`). */
  get variables(): tf.Variable[] {
    return [this.w1, this.b1, this.w2, this.b2];
  }

  /** Forward pass of every replica on the same inputs x [B, in]. Caller disposes both outputs. */
  forward(x: tf.Tensor2D): MlpReplicasForward {
    return tf.tidy(() => {
      const hidden = tf.relu(tf.add(tf.matMul(x, this.w1), this.b1)) as tf.Tensor2D;
      const logits = this.logitsFromHidden(hidden);
      return { hidden, logits };
    });
  }

  /** Post-ReLU hidden activations [B, R*h]. */
  hidden(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.relu(tf.add(tf.matMul(x, this.w1), this.b1)) as tf.Tensor2D);
  }

  /** Logits [R, B, out]. */
  logits(x: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => this.logitsFromHidden(this.hidden(x)));
  }

  /** [B, R*h] -> [R, B, h] -> logits [R, B, out]. */
  private logitsFromHidden(hidden: tf.Tensor2D): tf.Tensor3D {
    const B = hidden.shape[0];
    const perReplica = tf.transpose(tf.reshape(hidden, [B, this.replicas, this.hiddenSize]), [1, 0, 2]) as tf.Tensor3D;
    return tf.add(tf.matMul(perReplica, this.w2), this.b2) as tf.Tensor3D;
  }

  /** Copies replica r's weights out of the stack. */
  replicaWeights(r: number): MlpReplicaWeights {
    if (!Number.isInteger(r) || r < 0 || r >= this.replicas) {
      throw new Error(`MlpReplicas.replicaWeights: replica index must be in 0..${this.replicas - 1}, got ${r}`);
    }
    const { inputSize: I, hiddenSize: h, outputSize: O } = this;
    const H = this.replicas * h;
    const w1All = this.w1.dataSync() as Float32Array;
    const w1 = new Float32Array(I * h);
    for (let i = 0; i < I; i++) w1.set(w1All.subarray(i * H + r * h, i * H + r * h + h), i * h);
    const b1 = (this.b1.dataSync() as Float32Array).slice(r * h, r * h + h);
    const w2 = (this.w2.dataSync() as Float32Array).slice(r * h * O, (r + 1) * h * O);
    const b2 = (this.b2.dataSync() as Float32Array).slice(r * O, (r + 1) * O);
    return { inputSize: I, hiddenSize: h, outputSize: O, w1, b1, w2, b2 };
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/**
 * A new stack with a changed hidden layer: replica r keeps its units `keep[r]` (in that order; every replica must
 * keep the same number) and gets `grow` new units appended. New units get PyTorch-default incoming weights and bias
 * (U(+-1/sqrt(in)), drawn from createRng(growSeeds[r])) and ZERO outgoing weights, so the network computes the same
 * function right after growing. With an optimizer, its Adam moments are carried over for kept units (zero for new
 * ones) and the step count continues. The old model and optimizer are left untouched (caller disposes them).
 */
export function resizeMlpReplicasHidden(
  model: MlpReplicas,
  keep: readonly Int32Array[],
  grow: number,
  growSeeds: readonly number[],
  optimizer?: StackedAdam,
): { model: MlpReplicas; optimizer?: StackedAdam } {
  const R = model.replicas;
  const { inputSize: I, hiddenSize: h, outputSize: O } = model;
  if (keep.length !== R) throw new Error(`resizeMlpReplicasHidden: keep has ${keep.length} lists for ${R} replicas`);
  const kept = keep[0]?.length ?? 0;
  keep.forEach((k, r) => {
    if (k.length !== kept) throw new Error(`resizeMlpReplicasHidden: replica ${r} keeps ${k.length} units, replica 0 keeps ${kept}; lock-step replicas need one width`);
    for (const j of k) if (!(j >= 0 && j < h)) throw new Error(`resizeMlpReplicasHidden: unit ${j} of replica ${r} is outside 0..${h - 1}`);
  });
  if (!Number.isInteger(grow) || grow < 0) throw new Error(`resizeMlpReplicasHidden: grow must be an integer >= 0, got ${grow}`);
  if (grow > 0 && growSeeds.length !== R) throw new Error(`resizeMlpReplicasHidden: need ${R} growSeeds, got ${growSeeds.length}`);
  const h2 = kept + grow;
  if (h2 < 1) throw new Error('resizeMlpReplicasHidden: the new hidden layer would have no units');
  const H = R * h;
  const H2 = R * h2;
  // Maps the stacked [w1, b1, w2, b2] arrays to the new layout; `fresh` fills the new units.
  const remap = (
    arrays: Float32Array[],
    fresh: ((r: number) => { w1: Float32Array; b1: Float32Array }) | null,
  ): Float32Array[] => {
    const [w1, b1, w2, b2] = arrays as [Float32Array, Float32Array, Float32Array, Float32Array];
    const nw1 = new Float32Array(I * H2);
    const nb1 = new Float32Array(H2);
    const nw2 = new Float32Array(R * h2 * O);
    for (let r = 0; r < R; r++) {
      const k = keep[r] as Int32Array;
      for (let i = 0; i < I; i++) {
        const src = i * H + r * h;
        const dst = i * H2 + r * h2;
        for (let j = 0; j < kept; j++) nw1[dst + j] = w1[src + (k[j] as number)] as number;
      }
      for (let j = 0; j < kept; j++) {
        nb1[r * h2 + j] = b1[r * h + (k[j] as number)] as number;
        nw2.set(w2.subarray((r * h + (k[j] as number)) * O, (r * h + (k[j] as number) + 1) * O), (r * h2 + j) * O);
      }
      if (fresh && grow > 0) {
        const f = fresh(r);
        for (let i = 0; i < I; i++) nw1.set(f.w1.subarray(i * grow, (i + 1) * grow), i * H2 + r * h2 + kept);
        nb1.set(f.b1, r * h2 + kept);
      }
    }
    return [nw1, nb1, nw2, b2.slice()];
  };
  const current = model.variables.map((v) => v.dataSync() as Float32Array);
  const next = remap(current, (r) => {
    const init = initMlpReplicaWeights(growSeeds[r] as number, I, grow, O);
    return { w1: init.w1, b1: init.b1 };
  });
  const weights: MlpReplicaWeights[] = Array.from({ length: R }, (_, r) => {
    const w1 = new Float32Array(I * h2);
    for (let i = 0; i < I; i++) w1.set((next[0] as Float32Array).subarray(i * H2 + r * h2, i * H2 + (r + 1) * h2), i * h2);
    return {
      inputSize: I,
      hiddenSize: h2,
      outputSize: O,
      w1,
      b1: (next[1] as Float32Array).slice(r * h2, (r + 1) * h2),
      w2: (next[2] as Float32Array).slice(r * h2 * O, (r + 1) * h2 * O),
      b2: (next[3] as Float32Array).slice(r * O, (r + 1) * O),
    };
  });
  const resized = MlpReplicas.fromWeights(weights);
  if (!optimizer) return { model: resized };
  const moments = optimizer.moments();
  const m = remap(moments.map((x) => x.m), null);
  const v = remap(moments.map((x) => x.v), null);
  const carried = new StackedAdam(resized.variables, optimizer.options, {
    moments: m.map((mm, i) => ({ m: mm, v: v[i] as Float32Array })),
    step: optimizer.step,
  });
  return { model: resized, optimizer: carried };
}

export interface MlpReplicaGradients {
  /** Gradients in `MlpReplicas.variables` order: dw1 [in, R*h], db1 [1, R*h], dw2 [R, h, out], db2 [R, 1, out]. */
  grads: tf.Tensor[];
  /** Mean softmax cross-entropy of the batch, per replica [R]. */
  loss: tf.Tensor1D;
}

/**
 * Gradients of the per-replica mean softmax cross-entropy (the loss of replica r depends only on its own weights,
 * so the gradient of the sum over replicas is each replica's own gradient). Hand-written backprop; caller disposes.
 * @param x inputs [B, in]
 * @param oneHot labels one-hot [B, out]
 */
export function mlpReplicaGradients(model: MlpReplicas, x: tf.Tensor2D, oneHot: tf.Tensor2D): MlpReplicaGradients {
  const B = x.shape[0];
  if (x.shape[1] !== model.inputSize) {
    throw new Error(`mlpReplicaGradients: x has ${x.shape[1]} features, the model expects ${model.inputSize}`);
  }
  if (oneHot.shape[0] !== B || oneHot.shape[1] !== model.outputSize) {
    throw new Error(`mlpReplicaGradients: labels shape [${oneHot.shape}] does not match [${B}, ${model.outputSize}]`);
  }
  return tf.tidy(() => {
    const R = model.replicas;
    const h = model.hiddenSize;
    const hidden = tf.relu(tf.add(tf.matMul(x, model.w1), model.b1)) as tf.Tensor2D; // [B, R*h]
    const hiddenR = tf.transpose(tf.reshape(hidden, [B, R, h]), [1, 0, 2]) as tf.Tensor3D; // [R, B, h]
    const logits = tf.add(tf.matMul(hiddenR, model.w2), model.b2) as tf.Tensor3D; // [R, B, out]
    const logProb = tf.logSoftmax(logits); // over the last axis
    const loss = tf.div(tf.neg(tf.sum(tf.mul(logProb, oneHot), [1, 2])), B) as tf.Tensor1D;
    const dLogits = tf.div(tf.sub(tf.exp(logProb), oneHot), B) as tf.Tensor3D; // [R, B, out]
    const dw2 = tf.matMul(tf.transpose(hiddenR, [0, 2, 1]), dLogits); // [R, h, B] @ [R, B, out]
    const db2 = tf.sum(dLogits, 1, true);
    const dHiddenR = tf.matMul(dLogits, tf.transpose(model.w2, [0, 2, 1])); // [R, B, out] @ [R, out, h]
    const dHidden = tf.reshape(tf.transpose(dHiddenR, [1, 0, 2]), [B, R * h]);
    const dPre = tf.mul(dHidden, tf.step(hidden)); // ReLU' = 1 where the unit is on (pre-activation > 0)
    const dw1 = tf.matMul(tf.transpose(x), dPre); // [in, B] @ [B, R*h]
    const db1 = tf.sum(dPre, 0, true);
    return { grads: [dw1, db1, dw2, db2], loss };
  });
}

export interface StackedAdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** PyTorch's Adam defaults (note tfjs's default eps is 1e-7, not 1e-8). */
export const PYTORCH_ADAM_DEFAULTS: StackedAdamOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** Adam moments of one parameter, e.g. to carry them across a resize. */
export interface AdamMoments {
  m: Float32Array;
  v: Float32Array;
}

/**
 * Adam with PyTorch's formulas (torch.optim.Adam, no weight decay, no amsgrad), element-wise on any tensors, so
 * stacked replica weights are updated in one op per parameter:
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 */
export class StackedAdam {
  readonly options: StackedAdamOptions;
  private readonly params: tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t: number;

  /**
   * @param params the variables to update, in the order the gradients will come
   * @param initial optional moments per parameter and step count (to resume after a resize)
   */
  constructor(params: tf.Variable[], options: Partial<StackedAdamOptions> = {}, initial?: { moments: AdamMoments[]; step: number }) {
    this.options = { ...PYTORCH_ADAM_DEFAULTS, ...options };
    const { lr, beta1, beta2, eps } = this.options;
    if (!(lr > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
      throw new Error(`StackedAdam: need lr > 0, 0 <= betas < 1, eps > 0; got ${JSON.stringify(this.options)}`);
    }
    if (initial !== undefined && initial.moments.length !== params.length) {
      throw new Error(`StackedAdam: ${initial.moments.length} initial moments for ${params.length} parameters`);
    }
    this.params = params;
    this.t = initial?.step ?? 0;
    this.m = params.map((p, i) => {
      const init = initial?.moments[i];
      return ownedVariable(init ? tf.tensor(init.m, p.shape) : tf.zerosLike(p), false);
    });
    this.v = params.map((p, i) => {
      const init = initial?.moments[i];
      return ownedVariable(init ? tf.tensor(init.v, p.shape) : tf.zerosLike(p), false);
    });
  }

  /** Number of steps taken so far. */
  get step(): number {
    return this.t;
  }

  /** Copies of the moments of every parameter. */
  moments(): AdamMoments[] {
    return this.m.map((m, i) => ({
      m: (m.dataSync() as Float32Array).slice(),
      v: ((this.v[i] as tf.Variable).dataSync() as Float32Array).slice(),
    }));
  }

  /** One update with these gradients (same order and shapes as the parameters). Does not dispose the gradients. */
  update(grads: readonly tf.Tensor[]): void {
    if (grads.length !== this.params.length) {
      throw new Error(`StackedAdam.update: ${grads.length} gradients for ${this.params.length} parameters`);
    }
    this.params.forEach((p, i) => {
      const g = grads[i] as tf.Tensor;
      if (g.size !== p.size) throw new Error(`StackedAdam.update: gradient ${i} has ${g.size} values for a parameter of ${p.size}`);
    });
    this.t += 1;
    const { lr, beta1, beta2, eps } = this.options;
    // One pass over every parameter in the kernel pack's Adam kernel (native, in place where it owns the memory);
    // op by op this update cost as much as the whole forward and backward pass of a wide MLP.
    tf.tidy(() => {
      const out = fusedAdamUpdate(
        this.params.map((p, i) => ({ param: p, grad: grads[i] as tf.Tensor, m: this.m[i] as tf.Variable, v: this.v[i] as tf.Variable })),
        { lr, beta1, beta2, eps, step: this.t, inPlace: true },
      );
      out.forEach((o, i) => {
        (this.m[i] as tf.Variable).assign(o.m);
        (this.v[i] as tf.Variable).assign(o.v);
        (this.params[i] as tf.Variable).assign(o.param);
      });
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/** One lock-step training step; returns the per-replica batch loss [R] (caller disposes). */
export function trainMlpReplicasStep(
  model: MlpReplicas,
  optimizer: StackedAdam,
  x: tf.Tensor2D,
  oneHot: tf.Tensor2D,
): tf.Tensor1D {
  const { grads, loss } = mlpReplicaGradients(model, x, oneHot);
  optimizer.update(grads);
  for (const g of grads) g.dispose();
  return loss;
}

function exampleSize(source: LabelledBatchSource): number {
  let n = 1;
  for (const d of source.exampleShape) n *= d;
  return n;
}

/** The examples `indices` of a source as tensors: x [B, in] (examples flattened) and one-hot labels. Caller disposes. */
export function replicaBatchTensors(
  source: LabelledBatchSource,
  indices: Int32Array,
): { x: tf.Tensor2D; oneHot: tf.Tensor2D; labels: Int32Array } {
  const batch = source.batch(indices);
  const B = indices.length;
  const inputSize = exampleSize(source);
  if (batch.xs.length !== B * inputSize || batch.labels.length !== B) {
    throw new Error(`replicaBatchTensors: the source returned ${batch.xs.length} inputs / ${batch.labels.length} labels for ${B} examples of ${inputSize}`);
  }
  const oneHot = new Float32Array(B * source.classes);
  for (let i = 0; i < B; i++) {
    const label = batch.labels[i] as number;
    if (!(label >= 0 && label < source.classes)) {
      throw new Error(`replicaBatchTensors: label ${label} of example ${indices[i]} is outside 0..${source.classes - 1}`);
    }
    oneHot[i * source.classes + label] = 1;
  }
  return { x: tf.tensor2d(batch.xs, [B, inputSize]), oneHot: tf.tensor2d(oneHot, [B, source.classes]), labels: batch.labels };
}

/**
 * The example order of one epoch: a permutation drawn from `createRng(seed)` for epoch 0, then the next draws
 * (like a seeded DataLoader with shuffle=True); the last batch may be smaller (drop_last=False).
 */
export function shuffledBatchIndices(count: number, batchSize: number, rng: { permutation(n: number): Int32Array }): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`shuffledBatchIndices: batchSize must be a positive integer, got ${batchSize}`);
  const order = rng.permutation(count);
  const batches: Int32Array[] = [];
  for (let start = 0; start < count; start += batchSize) batches.push(order.subarray(start, Math.min(count, start + batchSize)));
  return batches;
}

export interface TrainReplicasConfig {
  model: MlpReplicas;
  source: LabelledBatchSource;
  epochs: number;
  batchSize: number;
  /** Seed of the shuffling (the same batches for every replica). */
  shuffleSeed: number;
  adam?: Partial<StackedAdamOptions>;
  /** An optimizer to continue with (e.g. after a resize); by default a fresh StackedAdam. */
  optimizer?: StackedAdam;
  /** Progress line label; no progress output when omitted. */
  progressLabel?: string;
  /** Called after each epoch with the mean training loss of each replica over that epoch. */
  onEpochEnd?: (epoch: number, meanLoss: Float64Array) => void;
}

export interface TrainReplicasResult {
  optimizer: StackedAdam;
  /** Mean batch loss per epoch and replica: epochLoss[e][r]. */
  epochLoss: number[][];
  steps: number;
  examplesSeen: number;
  wallMs: number;
}

/**
 * Trains all replicas in lock-step for `epochs` epochs of shuffled mini-batches with Adam (PyTorch formulas).
 * The returned optimizer holds the Adam state; the caller disposes it (and the model).
 */
export function trainReplicas(config: TrainReplicasConfig): TrainReplicasResult {
  const { model, source, epochs, batchSize } = config;
  if (exampleSize(source) !== model.inputSize || source.classes !== model.outputSize) {
    throw new Error(
      `trainReplicas: data has ${exampleSize(source)} inputs / ${source.classes} classes, ` +
        `model is ${model.inputSize}-${model.hiddenSize}-${model.outputSize}`,
    );
  }
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`trainReplicas: epochs must be an integer >= 0, got ${epochs}`);
  const optimizer = config.optimizer ?? new StackedAdam(model.variables, config.adam);
  const rng = createRng(config.shuffleSeed);
  const stepsPerEpoch = Math.ceil(source.count / batchSize);
  const progress = config.progressLabel
    ? createProgress({ label: config.progressLabel, total: epochs * stepsPerEpoch, unit: 'steps' })
    : undefined;
  const start = Date.now();
  const epochLoss: number[][] = [];
  let steps = 0;
  let examplesSeen = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const lossSum = ownedVariable(tf.zeros([model.replicas]), false);
    for (const indices of shuffledBatchIndices(source.count, batchSize, rng)) {
      const { x, oneHot } = replicaBatchTensors(source, indices);
      const loss = trainMlpReplicasStep(model, optimizer, x, oneHot);
      tf.tidy(() => lossSum.assign(tf.add(lossSum, loss)));
      loss.dispose();
      x.dispose();
      oneHot.dispose();
      steps += 1;
      examplesSeen += indices.length;
      progress?.update(steps, `epoch ${epoch + 1}/${epochs}`);
    }
    const mean = Float64Array.from(lossSum.dataSync(), (v) => v / stepsPerEpoch);
    lossSum.dispose();
    epochLoss.push(Array.from(mean));
    config.onEpochEnd?.(epoch, mean);
  }
  progress?.finish(epochLoss.length ? `loss ${mean(epochLoss[epochLoss.length - 1] as number[]).toFixed(4)}` : undefined);
  return { optimizer, epochLoss, steps, examplesSeen, wallMs: Date.now() - start };
}

function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length ? s / values.length : NaN;
}

/**
 * Top-1 predictions of every replica over a whole source, streamed in batches: correct[r] = number of examples
 * replica r classifies correctly.
 */
export function mlpReplicaCorrect(model: MlpReplicas, source: LabelledBatchSource, batchSize = 1000): Int32Array {
  const correct = new Int32Array(model.replicas);
  streamBatches(model, source, batchSize, false, (_hidden, predictions, labels) => {
    const B = labels.length;
    for (let r = 0; r < model.replicas; r++) {
      let c = 0;
      for (let i = 0; i < B; i++) if (predictions[r * B + i] === labels[i]) c++;
      correct[r] = (correct[r] as number) + c;
    }
  });
  return correct;
}

/**
 * Streams a source through the model in order (no shuffling) and hands each batch's post-ReLU hidden activations
 * ([B, R*h] row-major, column r*h + j = unit j of replica r), predicted classes ([R, B] row-major) and labels to
 * `visit`. The arrays are only valid during the call.
 */
export function forEachHiddenBatch(
  model: MlpReplicas,
  source: LabelledBatchSource,
  batchSize: number,
  visit: (hidden: Float32Array, predictions: Int32Array, labels: Int32Array) => void,
): void {
  streamBatches(model, source, batchSize, true, visit);
}

function streamBatches(
  model: MlpReplicas,
  source: LabelledBatchSource,
  batchSize: number,
  withHidden: boolean,
  visit: (hidden: Float32Array, predictions: Int32Array, labels: Int32Array) => void,
): void {
  const inputSize = exampleSize(source);
  if (inputSize !== model.inputSize) {
    throw new Error(`forEachHiddenBatch: data has ${inputSize} inputs, the model expects ${model.inputSize}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`forEachHiddenBatch: batchSize must be a positive integer, got ${batchSize}`);
  const empty = new Float32Array(0);
  for (const { start, batch: { xs, labels } } of inOrder(source, batchSize)) {
    const n = labels.length;
    const [hidden, predictions] = tf.tidy(() => {
      const { hidden, logits } = model.forward(tf.tensor2d(xs, [n, inputSize]));
      return [hidden, tf.argMax(logits, 2)];
    });
    const hiddenValues = withHidden ? (hidden.dataSync() as Float32Array) : empty;
    const predictionValues = predictions.dataSync() as Int32Array;
    hidden.dispose();
    predictions.dispose();
    visit(hiddenValues, predictionValues, labels);
  }
}

// Which of tfjs-core's shipped jasmine specs the harness runs: those of the ops the kernel pack replaces or adds
// (convolutions and their gradients, pooling, matmul, fused ops, batch norm, ReLU, leaky ReLU, softmax and the losses built on
// them, the element-wise and reduction kernels, tile, cast, concat), plus pad and resize as neighbours that reuse them.
import * as fs from 'fs';
import * as path from 'path';

/** Spec files, relative to tfjs-core's dist/ (cast's specs live in tensor_test.js, mul's in arithmetic_test.js). */
export const TFJS_SPEC_FILES: readonly string[] = [
  'ops/conv2d_test.js', 'ops/conv2d_transpose_test.js', 'ops/conv2d_separable_test.js', 'ops/conv1d_test.js',
  'ops/depthwise_conv2d_test.js', 'ops/pool_test.js', 'ops/max_pool_test.js', 'ops/avg_pool_test.js',
  'ops/mat_mul_test.js', 'ops/fused/fused_conv2d_test.js', 'ops/fused/fused_depthwise_conv2d_test.js',
  'ops/fused/fused_mat_mul_test.js', 'ops/batchnorm_test.js', 'ops/relu_test.js', 'ops/relu6_test.js', 'ops/leaky_relu_test.js',
  'ops/softmax_test.js', 'ops/log_softmax_test.js',
  'ops/losses/mean_squared_error_test.js', 'ops/losses/softmax_cross_entropy_test.js',
  'ops/losses/sigmoid_cross_entropy_test.js', 'ops/losses/absolute_difference_test.js',
  'ops/losses/compute_weighted_loss_test.js', 'ops/losses/huber_loss_test.js', 'ops/losses/log_loss_test.js',
  'ops/losses/hinge_loss_test.js', 'ops/losses/cosine_distance_test.js',
  'ops/add_test.js', 'ops/add_n_test.js', 'ops/sub_test.js', 'ops/arithmetic_test.js', 'ops/sum_test.js',
  'ops/mean_test.js', 'ops/moments_test.js', 'ops/tile_test.js', 'tensor_test.js', 'ops/concat_test.js',
  'ops/pad_test.js', 'ops/image/resize_bilinear_test.js', 'ops/image/resize_nearest_neighbor_test.js',
];

export function tfjsCoreDist(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-core/dist/index.js'));
}

/** Absolute paths of the spec files, with a clear error naming any that this tfjs-core does not ship. */
export function tfjsSpecPaths(): string[] {
  const dist = tfjsCoreDist();
  return TFJS_SPEC_FILES.map((f) => {
    const p = path.join(dist, f);
    if (!fs.existsSync(p)) throw new Error(`tfjs-ops: ${p} does not exist (expected a spec shipped by @tensorflow/tfjs-core)`);
    return p;
  });
}

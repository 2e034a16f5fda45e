// Elementwise float32 kernels, multithreaded for large tensors. Binary operands either have the
// output's size or repeat with a period (broadcast over leading axes, e.g. a bias over rows).
#ifndef NETSTATS_ELTWISE_H
#define NETSTATS_ELTWISE_H
#include <stdint.h>

enum { ELT_ADD = 0, ELT_SUB = 1, ELT_MUL = 2, ELT_RELU_GRAD = 3 /* a = dy, b = x: dy * step(x) */ };

// out[i] = a[i % na] op b[i % nb], with na and nb dividing n.
void eltwise_binary(int op, const float *a, int64_t na, const float *b, int64_t nb, float *out, int64_t n);
// out[i] = x[i] < 0 ? 0 : x[i]
void eltwise_relu(const float *x, float *out, int64_t n);
// out[i] = x[i] < 0 ? alpha * x[i] : x[i] (tfjs's LeakyRelu; NaN stays NaN)
void eltwise_leaky_relu(const float *x, float *out, int64_t n, float alpha);
// dx[i] = x[i] > 0 ? dy[i] : dy[i] * alpha (tfjs's LeakyRelu gradient: where(x > 0, dy, dy * alpha))
void eltwise_leaky_relu_grad(const float *dy, const float *x, float *dx, int64_t n, float alpha);
// y[r, c] = (x[r, c] - mean[c]) * inv[c] + offset[c]: batch norm in inference mode with inv = scale / sqrt(var + eps)
void channel_affine(const float *x, const float *mean, const float *inv, const float *offset, float *y, int64_t rows, int64_t cols);

// In place: y[r, c] = act(y[r, c] + bias[c]); bias may be NULL; act is ReLU (NaN stays NaN) or the identity.
void bias_act(float *y, const float *bias, int64_t rows, int64_t cols, int relu);

#endif

// Batch normalisation in training mode over [rows, channels] (NHWC flattened: rows = B*H*W),
// column sums, and the max-pool gradient. Multithreaded; statistics accumulate in double.
#ifndef NETSTATS_NORM_H
#define NETSTATS_NORM_H
#include <stdint.h>
#include "conv.h"

// mean/variance (biased, as tf.moments) of x per channel; y = (x - mean) / sqrt(variance + eps) * gamma + beta.
// gamma/beta may be NULL (1 and 0). Returns -1 when scratch memory could not be allocated.
int batch_norm_train(const float *x, const float *gamma, const float *beta, float *y, float *mean, float *variance,
                     int64_t rows, int64_t channels, float eps);
// Gradient of batch_norm_train with respect to x, gamma and beta (mean and variance depend on x).
int batch_norm_train_grad(const float *x, const float *dy, const float *mean, const float *variance, const float *gamma,
                          float *dx, float *dgamma, float *dbeta, int64_t rows, int64_t channels, float eps);
// dz = relu ? dy * step(y) : dy (as tfjs's ReLU gradient, y = relu(x)); db[c] = sum over r of dz[r, c].
int bias_act_grad(const float *dy, const float *y, float *dz, float *db, int64_t rows, int64_t cols, int relu);
// out[c] = sum over r of x[r * cols + c].
int column_sums(const float *x, float *out, int64_t rows, int64_t cols);
// Max pooling as tfjs's cpu backend (windows clipped to the image; -inf start, strict '>', so NaN never
// wins and the first maximum in scan order does). Geometry with CO == C.
void max_pool(const conv_t *g, const float *x, float *y);
// dx: each dy entry routed to that first maximum (nowhere when no entry beats -inf).
void max_pool_grad(const conv_t *g, const float *dy, const float *x, float *dx);

#endif

// Direct ("implicit GEMM") 2-D convolutions in NHWC with filters [KH, KW, C, CO], as in tfjs:
// forward (with optional fused bias and ReLU), gradient with respect to the input, and with respect
// to the filter. Multithreaded over output rows / images; no im2col buffer.
#ifndef NETSTATS_CONV_H
#define NETSTATS_CONV_H
#include <stdint.h>

typedef struct {
  int B, H, W, C, OH, OW, CO, KH, KW, SH, SW, DH, DW, PT, PL;
} conv_t;

// Each returns 0, or -1 when scratch memory could not be allocated.
int conv2d_forward(const conv_t *g, const float *x, const float *w, float *y, const float *bias, int relu);
int conv2d_backprop_input(const conv_t *g, const float *dy, const float *w, float *dx);
int conv2d_backprop_filter(const conv_t *g, const float *x, const float *dy, float *dw);

#endif

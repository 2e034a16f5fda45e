// 2-D convolutions through oneDNN (the library PyTorch runs its CPU convolutions in), when the addon was built
// against it (NETSTATS_DNNL defined by binding.gyp when Debian's libdnnl-dev is installed). Same layouts and
// geometry as conv.h: NHWC activations, filters [KH, KW, C, CO]. Every function returns 0 when oneDNN computed the
// result, and nonzero when it did not (not built with oneDNN, switched off, or oneDNN refused the geometry): the
// caller then runs its own C kernel, so a oneDNN failure never becomes an error.
#ifndef NETSTATS_DNNL_CONV_H
#define NETSTATS_DNNL_CONV_H
#include "conv.h"

enum { DNNL_CONV_FORWARD, DNNL_CONV_BACKWARD_DATA, DNNL_CONV_BACKWARD_WEIGHTS, DNNL_CONV_KINDS };

int dnnl_conv_forward(const conv_t *g, const float *x, const float *w, float *y, const float *bias, int relu);
int dnnl_conv_backward_data(const conv_t *g, const float *dy, const float *w, float *dx);
int dnnl_conv_backward_weights(const conv_t *g, const float *x, const float *dy, float *dw);

// Whether the addon was built with oneDNN; its version ("2.6.3") or NULL.
const char *dnnl_conv_version(void);
// Run-time switch (tests and the bench compare both paths in one process); on by default when built with oneDNN.
void dnnl_conv_set_enabled(int on);
int dnnl_conv_enabled(void);
// The implementation oneDNN chose for the latest call of a kind ("jit:avx512_core", "gemm:jit", ...), or NULL.
const char *dnnl_conv_last_impl(int kind);
// Calls of each kind that oneDNN computed and that fell back to the C kernels since the last reset.
void dnnl_conv_counts(int64_t computed[DNNL_CONV_KINDS], int64_t fell_back[DNNL_CONV_KINDS]);
void dnnl_conv_reset_counts(void);
// Calls (since the last reset) whose oneDNN kernel wrote past its scratchpad; they were recomputed by the C kernels.
int64_t dnnl_conv_scratchpad_overruns(void);
// oneDNN's worker threads (OpenMP in Debian's build).
void dnnl_conv_set_threads(int n);

#endif

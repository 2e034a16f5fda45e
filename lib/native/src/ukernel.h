// Register-blocked micro-kernel shared by the convolution kernels ("implicit GEMM": no im2col buffer).
//
//   C[i][0 : 8*NV] (=|+=) sum over segments s, k < K of  A[a_off[s] + i*ars + k*aks] * B[b_off[s] + k*bks + (0 : 8*NV)]
//
// for i < MR rows. A is read by scalar broadcasts with arbitrary strides, so its rows may overlap
// (the receptive fields of neighbouring output pixels); B rows are 8*NV contiguous floats (B is
// padded to a multiple of 8 columns by the caller). Written with GCC vector extensions: AVX2+FMA
// with -march=native on this machine, plain SSE (or scalar) code elsewhere.
#ifndef NETSTATS_UKERNEL_H
#define NETSTATS_UKERNEL_H
#include <stdint.h>
#include <string.h>

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
typedef int32_t v8i __attribute__((vector_size(32)));

static inline __attribute__((always_inline)) v8 load8(const float *p) { return *(const v8u *)p; }
static inline __attribute__((always_inline)) void store8(float *p, v8 v) { *(v8u *)p = v; }
static inline __attribute__((always_inline)) v8 bcast8(float s) { return (v8){s, s, s, s, s, s, s, s}; }

typedef struct {
  int nseg;
  const int64_t *a_off, *b_off;  // per segment
  int K;
  int64_t ars, aks, bks;
  float *c;
  int64_t ldc;
  int ncols;  // valid columns of C (<= 8*NV); the rest of the block is not written
  int accumulate;  // 0: C = result, 1: C += result
  const float *bias;  // optional, added per column (already offset to the block)
  int relu;
} ukernel_args;

#define UKERNEL_MAX_MR 12

// C (=|+=) acc (+ bias) (ReLU), writing only p->ncols columns.
static inline __attribute__((always_inline)) void ukernel_store(const int MR, const int NV, v8 acc[][4], const ukernel_args *p) {
  v8 bias[4];
#pragma GCC unroll 4
  for (int v = 0; v < NV; v++) {
    if (p->bias != NULL) {
      float tmp[8] = {0};
      int n = p->ncols - 8 * v;
      if (n > 8) n = 8;
      if (n > 0) memcpy(tmp, p->bias + 8 * v, sizeof(float) * (size_t)n);
      bias[v] = load8(tmp);
    } else {
      bias[v] = bcast8(0.f);
    }
  }
  const v8 zero = bcast8(0.f);
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) {
    float *c = p->c + i * p->ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
      v8 r = acc[i][v] + bias[v];
      if (p->relu) r = (v8)((v8i)r & (r > zero));
      int n = p->ncols - 8 * v;
      if (n >= 8) {
        if (p->accumulate) r += load8(c + 8 * v);
        store8(c + 8 * v, r);
      } else if (n > 0) {
        float tmp[8];
        store8(tmp, r);
        for (int j = 0; j < n; j++) c[8 * v + j] = p->accumulate ? c[8 * v + j] + tmp[j] : tmp[j];
      }
    }
  }
}

// The body is instantiated for each (MR, NV) so that the accumulators live in registers.
static inline __attribute__((always_inline)) void ukernel_body(const int MR, const int NV, const float *a, const float *b,
                                                               const ukernel_args *p) {
  v8 acc[UKERNEL_MAX_MR][4];
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = bcast8(0.f);
  const int64_t ars = p->ars, aks = p->aks, bks = p->bks;
  for (int s = 0; s < p->nseg; s++) {
    const float *ap = a + p->a_off[s];
    const float *bp = b + p->b_off[s];
    for (int k = 0; k < p->K; k++) {
      v8 bv[4];
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) bv[v] = load8(bp + 8 * v);
#pragma GCC unroll 12
      for (int i = 0; i < MR; i++) {
        v8 av = bcast8(ap[i * ars]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[i][v] += av * bv[v];
      }
      ap += aks;
      bp += bks;
    }
  }
  ukernel_store(MR, NV, acc, p);
}

// Same product with one A pointer per row (rows need not be equally spaced: the output pixels of a
// block may span several image rows or images); p->ars is unused.
static inline __attribute__((always_inline)) void ukernel_rows_body(const int MR, const int NV, const float *const *a,
                                                                    const float *b, const ukernel_args *p) {
  v8 acc[UKERNEL_MAX_MR][4];
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = bcast8(0.f);
  const int64_t aks = p->aks, bks = p->bks;
  for (int s = 0; s < p->nseg; s++) {
    const int64_t ao = p->a_off[s];
    const float *ap[UKERNEL_MAX_MR];
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) ap[i] = a[i] + ao;
    const float *bp = b + p->b_off[s];
    for (int k = 0; k < p->K; k++) {
      v8 bv[4];
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) bv[v] = load8(bp + 8 * v);
#pragma GCC unroll 12
      for (int i = 0; i < MR; i++) {
        v8 av = bcast8(ap[i][k * aks]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[i][v] += av * bv[v];
      }
      bp += bks;
    }
  }
  ukernel_store(MR, NV, acc, p);
}

// Dispatch to an instantiation; MR in 1..12 with MR*NV <= 12, NV in 1..4.
void ukernel(int MR, int NV, const float *a, const float *b, const ukernel_args *p);
void ukernel_rows(int MR, int NV, const float *const *a, const float *b, const ukernel_args *p);

// Rows per block for NV column vectors (12 accumulators).
static inline int ukernel_mr(int NV) { return NV == 1 ? 12 : NV == 2 ? 6 : NV == 3 ? 4 : 3; }

#endif

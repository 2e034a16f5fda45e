// Optimiser updates (PyTorch formulas, as lib/src/train/optimizers.ts writes them with tfjs ops),
// one parameter tensor per call. Every operation is rounded to float32 in the same order as the tfjs
// op sequence, and contraction into FMA is off, so results equal the op-by-op tfjs ones bit for bit.
#pragma GCC optimize("fp-contract=off")
#include "optim.h"
#include <math.h>
#include <stddef.h>
#include "pool.h"
#include "ukernel.h"
#if defined(__AVX__)
#include <immintrin.h>
static inline v8 sqrt8(v8 x) { return (v8)_mm256_sqrt_ps((__m256)x); }
#else
static inline v8 sqrt8(v8 x) { for (int l = 0; l < 8; l++) x[l] = sqrtf(x[l]); return x; }
#endif

#define MIN_CHUNK 16384

typedef struct {
  const float *p, *g, *buf, *mask; float *out_p, *out_buf;
  float lr, momentum, one_minus_dampening, wd; int nesterov, has_buf, use_momentum;
} sgd_ctx;

// The loop body with its options as compile-time constants (instantiated below), so that each
// variant is a straight vectorisable loop.
static inline __attribute__((always_inline)) void sgd_loop(const sgd_ctx *c, int64_t begin, int64_t end, const int masked,
                                                           const int with_wd, const int use_momentum, const int has_buf,
                                                           const int nesterov) {
  const float lr = c->lr, momentum = c->momentum, omd = c->one_minus_dampening, wd = c->wd;
  for (int64_t i = begin; i < end; i++) {
    const float theta = c->p[i];
    float g = c->g[i];
    if (with_wd) { float t = theta * wd; g = g + t; }
    const int keep = masked && c->mask[i] == 0.f;  // where(mask != 0, updated, old)
    if (use_momentum) {
      float b;
      if (has_buf) { float t1 = c->buf[i] * momentum, t2 = g * omd; b = t1 + t2; }
      else b = g;  // first step: the buffer starts as the gradient
      if (masked) c->out_buf[i] = keep ? (has_buf ? c->buf[i] : 0.f) : b;
      else c->out_buf[i] = b;
      if (nesterov) { float t = b * momentum; g = g + t; } else g = b;
    }
    float step = g * lr;
    if (masked) c->out_p[i] = keep ? theta : theta - step;
    else c->out_p[i] = theta - step;
  }
}

#define SGD_VARIANT(name, m, w, u, h, n) \
  static void name(const sgd_ctx *c, int64_t b, int64_t e) { sgd_loop(c, b, e, m, w, u, h, n); }
SGD_VARIANT(sgd_plain, 0, 0, 1, 1, 0)      // the common case: momentum buffer, no mask, no weight decay
SGD_VARIANT(sgd_plain_wd, 0, 1, 1, 1, 0)
SGD_VARIANT(sgd_nesterov, 0, 0, 1, 1, 1)
SGD_VARIANT(sgd_no_momentum, 0, 0, 0, 0, 0)

static void sgd_range(void *ctx, int64_t begin, int64_t end, int part) {
  const sgd_ctx *c = (const sgd_ctx *)ctx;
  (void)part;
  const int masked = c->mask != NULL, with_wd = c->wd != 0.f;
  if (!masked && c->use_momentum && c->has_buf && !c->nesterov) {
    if (with_wd) sgd_plain_wd(c, begin, end); else sgd_plain(c, begin, end);
  } else if (!masked && !with_wd && c->use_momentum && c->has_buf && c->nesterov) {
    sgd_nesterov(c, begin, end);
  } else if (!masked && !with_wd && !c->use_momentum) {
    sgd_no_momentum(c, begin, end);
  } else {
    // every other combination (masks, first step, ...): the generic loop
    sgd_loop(c, begin, end, masked, with_wd, c->use_momentum, c->has_buf, c->nesterov);
  }
}

void sgd_update(int64_t n, const float *p, const float *g, const float *buf, const float *mask, float *out_p, float *out_buf,
                float lr, float momentum, float one_minus_dampening, int nesterov, float wd) {
  sgd_ctx c = {p, g, buf, mask, out_p, out_buf, lr, momentum, one_minus_dampening, wd, nesterov, buf != NULL, out_buf != NULL};
  parallel_for(n, MIN_CHUNK, sgd_range, &c);
}

typedef struct {
  const float *p, *g, *m, *v, *mask; float *out_p, *out_m, *out_v;
  float lr_over_bc1, beta1, one_minus_beta1, beta2, one_minus_beta2, sqrt_bc2, eps, wd;
} adam_ctx;

// Fields are copied to locals first: stores to the outputs could otherwise alias them, which keeps
// the compiler from vectorising.
static inline __attribute__((always_inline)) void adam_loop(const adam_ctx *c, int64_t begin, int64_t end, const int masked,
                                                            const int with_wd) {
  const float *restrict P = c->p, *restrict G = c->g, *restrict M = c->m, *restrict V = c->v, *restrict K = c->mask;
  float *restrict OP = c->out_p, *restrict OM = c->out_m, *restrict OV = c->out_v;
  const float wd = c->wd, b1 = c->beta1, omb1 = c->one_minus_beta1, b2 = c->beta2, omb2 = c->one_minus_beta2;
  const float sqrt_bc2 = c->sqrt_bc2, eps = c->eps, lr_bc1 = c->lr_over_bc1;
  int64_t i = begin;
  if (!masked) {
    // 8 at a time with explicit vectors (GCC does not vectorise this loop by itself); same operations
    const v8 vwd = bcast8(wd), vb1 = bcast8(b1), vomb1 = bcast8(omb1), vb2 = bcast8(b2), vomb2 = bcast8(omb2);
    const v8 vsq = bcast8(sqrt_bc2), veps = bcast8(eps), vlr = bcast8(lr_bc1);
    for (; i + 8 <= end; i += 8) {
      const v8 theta = load8(P + i);
      v8 g = load8(G + i);
      if (with_wd) { v8 t = theta * vwd; g = g + t; }
      v8 m1 = load8(M + i) * vb1, m2 = g * vomb1, m = m1 + m2;
      v8 gg = g * g;
      v8 v1 = load8(V + i) * vb2, v2 = gg * vomb2, v = v1 + v2;
      store8(OM + i, m);
      store8(OV + i, v);
      v8 scaled = sqrt8(v) / vsq;
      v8 denom = scaled + veps;
      v8 ratio = m / denom;
      v8 update = ratio * vlr;
      store8(OP + i, theta - update);
    }
  }
  for (; i < end; i++) {
    const float theta = P[i];
    float g = G[i];
    if (with_wd) { float t = theta * wd; g = g + t; }
    float m1 = M[i] * b1, m2 = g * omb1, m = m1 + m2;
    float gg = g * g;
    float v1 = V[i] * b2, v2 = gg * omb2, v = v1 + v2;
    const int keep = masked && K[i] == 0.f;
    OM[i] = keep ? M[i] : m;
    OV[i] = keep ? V[i] : v;
    float root = sqrtf(v);
    float scaled = root / sqrt_bc2;
    float denom = scaled + eps;
    float ratio = m / denom;
    float update = ratio * lr_bc1;
    OP[i] = keep ? theta : theta - update;
  }
}

static void adam_range(void *ctx, int64_t begin, int64_t end, int part) {
  const adam_ctx *c = (const adam_ctx *)ctx;
  (void)part;
  const int with_wd = c->wd != 0.f;
  if (c->mask != NULL) adam_loop(c, begin, end, 1, with_wd);
  else if (with_wd) adam_loop(c, begin, end, 0, 1);
  else adam_loop(c, begin, end, 0, 0);
}

void adam_update(int64_t n, const float *p, const float *g, const float *m, const float *v, const float *mask, float *out_p,
                 float *out_m, float *out_v, float lr_over_bc1, float beta1, float one_minus_beta1, float beta2,
                 float one_minus_beta2, float sqrt_bc2, float eps, float wd) {
  adam_ctx c = {p, g, m, v, mask, out_p, out_m, out_v, lr_over_bc1, beta1, one_minus_beta1, beta2, one_minus_beta2, sqrt_bc2, eps, wd};
  parallel_for(n, MIN_CHUNK, adam_range, &c);
}

// Optimiser updates (PyTorch formulas, as lib/src/train/optimizers.ts writes them with tfjs ops),
// one parameter tensor per call. Every operation is rounded to float32 in the same order as the tfjs
// op sequence, and contraction into FMA is off, so results equal the op-by-op tfjs ones bit for bit.
#pragma GCC optimize("fp-contract=off")
#include "optim.h"
#include <math.h>
#include <stddef.h>
#include "pool.h"

#define MIN_CHUNK 16384

typedef struct {
  const float *p, *g, *buf, *mask; float *out_p, *out_buf;
  float lr, momentum, one_minus_dampening, wd; int nesterov, has_buf, use_momentum;
} sgd_ctx;

static void sgd_range(void *ctx, int64_t begin, int64_t end, int part) {
  const sgd_ctx *c = (const sgd_ctx *)ctx;
  (void)part;
  for (int64_t i = begin; i < end; i++) {
    const float theta = c->p[i];
    float g = c->g[i];
    if (c->wd != 0.f) { float t = theta * c->wd; g = g + t; }
    const int keep = c->mask != NULL && c->mask[i] == 0.f;  // where(mask != 0, updated, old)
    if (c->use_momentum) {
      float b;
      if (c->has_buf) { float t1 = c->buf[i] * c->momentum, t2 = g * c->one_minus_dampening; b = t1 + t2; }
      else b = g;  // first step: the buffer starts as the gradient
      c->out_buf[i] = keep ? (c->has_buf ? c->buf[i] : 0.f) : b;
      if (c->nesterov) { float t = b * c->momentum; g = g + t; } else g = b;
    }
    float step = g * c->lr;
    c->out_p[i] = keep ? theta : theta - step;
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

static void adam_range(void *ctx, int64_t begin, int64_t end, int part) {
  const adam_ctx *c = (const adam_ctx *)ctx;
  (void)part;
  for (int64_t i = begin; i < end; i++) {
    const float theta = c->p[i];
    float g = c->g[i];
    if (c->wd != 0.f) { float t = theta * c->wd; g = g + t; }
    float m1 = c->m[i] * c->beta1, m2 = g * c->one_minus_beta1, m = m1 + m2;
    float gg = g * g;
    float v1 = c->v[i] * c->beta2, v2 = gg * c->one_minus_beta2, v = v1 + v2;
    const int keep = c->mask != NULL && c->mask[i] == 0.f;
    c->out_m[i] = keep ? c->m[i] : m;
    c->out_v[i] = keep ? c->v[i] : v;
    float root = sqrtf(v);
    float scaled = root / c->sqrt_bc2;
    float denom = scaled + c->eps;
    float ratio = m / denom;
    float update = ratio * c->lr_over_bc1;
    c->out_p[i] = keep ? theta : theta - update;
  }
}

void adam_update(int64_t n, const float *p, const float *g, const float *m, const float *v, const float *mask, float *out_p,
                 float *out_m, float *out_v, float lr_over_bc1, float beta1, float one_minus_beta1, float beta2,
                 float one_minus_beta2, float sqrt_bc2, float eps, float wd) {
  adam_ctx c = {p, g, m, v, mask, out_p, out_m, out_v, lr_over_bc1, beta1, one_minus_beta1, beta2, one_minus_beta2, sqrt_bc2, eps, wd};
  parallel_for(n, MIN_CHUNK, adam_range, &c);
}

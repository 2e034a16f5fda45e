#include "eltwise.h"
#include <math.h>
#include "pool.h"
#include "ukernel.h"

#define MIN_CHUNK 32768

// tfjs: step(x) is 1 for x > 0, NaN for NaN, else 0; the gradient is dy * step(x).
static inline float relu_grad(float dy, float x) { return dy * (x > 0.f ? 1.f : (x != x ? x : 0.f)); }

static inline void row_op(int op, const float *a, int64_t sa, const float *b, int64_t sb, float *o, int64_t n) {
  // sa / sb: 1 for a full operand, 0 for a scalar (the inner loops then vectorise)
  switch (op) {
    case ELT_ADD: for (int64_t i = 0; i < n; i++) o[i] = a[i * sa] + b[i * sb]; break;
    case ELT_SUB: for (int64_t i = 0; i < n; i++) o[i] = a[i * sa] - b[i * sb]; break;
    case ELT_MUL: for (int64_t i = 0; i < n; i++) o[i] = a[i * sa] * b[i * sb]; break;
    default: {
      int64_t i = 0;
      if (sa == 1 && sb == 1) {
        // branch-free: s = 1 where x > 0, x (NaN) where x is NaN, else 0
        const v8 zero = bcast8(0.f), one = bcast8(1.f);
        for (; i + 8 <= n; i += 8) {
          v8 x = load8(b + i);
          v8i pos = x > zero, nan = x != x;
          v8i s = ((v8i)one & pos & ~nan) | ((v8i)x & nan);
          store8(o + i, load8(a + i) * (v8)s);
        }
      }
      for (; i < n; i++) o[i] = relu_grad(a[i * sa], b[i * sb]);
      break;
    }
  }
}

typedef struct { int op; const float *a, *b; int64_t na, nb; float *out; } bin_ctx;

static void bin_range(void *p, int64_t begin, int64_t end, int part) {
  const bin_ctx *c = (const bin_ctx *)p;
  (void)part;
  const int64_t na = c->na, nb = c->nb;
  if (na != 1 && nb != 1 && (na != nb)) {
    // one operand repeats with a period (> 1): walk the output in pieces aligned to that period
    const int64_t period = na < nb ? na : nb;
    int64_t i = begin;
    while (i < end) {
      int64_t off = i % period, len = period - off;
      if (len > end - i) len = end - i;
      const float *ap = na == period ? c->a + off : c->a + i;
      const float *bp = nb == period ? c->b + off : c->b + i;
      row_op(c->op, ap, 1, bp, 1, c->out + i, len);
      i += len;
    }
    return;
  }
  const float *ap = na == 1 ? c->a : c->a + begin, *bp = nb == 1 ? c->b : c->b + begin;
  if (na == 1 && nb == 1) { row_op(c->op, ap, 0, bp, 0, c->out + begin, end - begin); return; }
  if (na == 1) { row_op(c->op, ap, 0, bp, 1, c->out + begin, end - begin); return; }
  if (nb == 1) { row_op(c->op, ap, 1, bp, 0, c->out + begin, end - begin); return; }
  row_op(c->op, ap, 1, bp, 1, c->out + begin, end - begin);
}

void eltwise_binary(int op, const float *a, int64_t na, const float *b, int64_t nb, float *out, int64_t n) {
  bin_ctx c = {op, a, b, na, nb, out};
  parallel_for(n, MIN_CHUNK, bin_range, &c);
}

typedef struct { const float *x; float *out; } relu_ctx;

static void relu_range(void *p, int64_t begin, int64_t end, int part) {
  const relu_ctx *c = (const relu_ctx *)p;
  (void)part;
  for (int64_t i = begin; i < end; i++) { float v = c->x[i]; c->out[i] = v < 0.f ? 0.f : v; }
}

void eltwise_relu(const float *x, float *out, int64_t n) {
  relu_ctx c = {x, out};
  parallel_for(n, MIN_CHUNK, relu_range, &c);
}

typedef struct { const float *x, *dy; float *out; float alpha; } leaky_ctx;

static void leaky_range(void *p, int64_t begin, int64_t end, int part) {
  const leaky_ctx *c = (const leaky_ctx *)p;
  (void)part;
  const float a = c->alpha;
  for (int64_t i = begin; i < end; i++) { float v = c->x[i]; c->out[i] = v < 0.f ? a * v : v; }
}

void eltwise_leaky_relu(const float *x, float *out, int64_t n, float alpha) {
  leaky_ctx c = {x, NULL, out, alpha};
  parallel_for(n, MIN_CHUNK, leaky_range, &c);
}

static void leaky_grad_range(void *p, int64_t begin, int64_t end, int part) {
  const leaky_ctx *c = (const leaky_ctx *)p;
  (void)part;
  const float a = c->alpha;
  for (int64_t i = begin; i < end; i++) { float d = c->dy[i]; c->out[i] = c->x[i] > 0.f ? d : d * a; }
}

void eltwise_leaky_relu_grad(const float *dy, const float *x, float *dx, int64_t n, float alpha) {
  leaky_ctx c = {x, dy, dx, alpha};
  parallel_for(n, MIN_CHUNK, leaky_grad_range, &c);
}

typedef struct { const float *x, *mean, *inv, *offset; float *y; int64_t cols; } affine_ctx;

static void affine_range(void *p, int64_t begin, int64_t end, int part) {
  const affine_ctx *c = (const affine_ctx *)p;
  (void)part;
  const int64_t n = c->cols;
  for (int64_t r = begin; r < end; r++) {
    const float *xr = c->x + r * n;
    float *yr = c->y + r * n;
    for (int64_t j = 0; j < n; j++) yr[j] = (xr[j] - c->mean[j]) * c->inv[j] + c->offset[j];
  }
}

void channel_affine(const float *x, const float *mean, const float *inv, const float *offset, float *y, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  affine_ctx c = {x, mean, inv, offset, y, cols};
  parallel_for(rows, MIN_CHUNK / cols + 1, affine_range, &c);
}

typedef struct { float *y; const float *bias; int64_t cols; int relu; } bias_act_ctx;

static void bias_act_range(void *p, int64_t begin, int64_t end, int part) {
  const bias_act_ctx *c = (const bias_act_ctx *)p;
  (void)part;
  const int64_t n = c->cols;
  for (int64_t r = begin; r < end; r++) {
    float *yr = c->y + r * n;
    if (c->bias) for (int64_t j = 0; j < n; j++) yr[j] += c->bias[j];
    if (c->relu) for (int64_t j = 0; j < n; j++) yr[j] = yr[j] < 0.f ? 0.f : yr[j];
  }
}

void bias_act(float *y, const float *bias, int64_t rows, int64_t cols, int relu) {
  if (rows <= 0 || cols <= 0) return;
  bias_act_ctx c = {y, bias, cols, relu};
  parallel_for(rows, MIN_CHUNK / cols + 1, bias_act_range, &c);
}

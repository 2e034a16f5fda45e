#include "norm.h"
#include <math.h>
#include <string.h>
#include "pool.h"
#include "scratch.h"
#include "ukernel.h"

// Rows are summed in float over short blocks (vectorised), blocks are added in double.
#define BLOCK_ROWS 32
#define MIN_ROWS_PER_PART 256

typedef struct {
  const float *x, *dy, *shift;
  int64_t cols;
  double *acc[POOL_MAX_THREADS];  // per part: 2*cols doubles
  float *blk[POOL_MAX_THREADS];  // per part: 2*cols floats
} sums_ctx;

// acc[0:cols] += sum_r (x - shift); acc[cols:2cols] += sum_r (x - shift)^2    (dy == NULL)
// acc[0:cols] += sum_r dy;          acc[cols:2cols] += sum_r dy * (x - shift) (dy != NULL)
static void sums_range(void *p, int64_t begin, int64_t end, int part) {
  const sums_ctx *c = (const sums_ctx *)p;
  const int64_t n = c->cols;
  double *acc = c->acc[part];  // zeroed before the job; a participant may run several chunks
  float *b1 = c->blk[part], *b2 = b1 + n;
  for (int64_t r0 = begin; r0 < end; r0 += BLOCK_ROWS) {
    int64_t r1 = r0 + BLOCK_ROWS < end ? r0 + BLOCK_ROWS : end;
    memset(b1, 0, sizeof(float) * (size_t)(2 * n));
    for (int64_t r = r0; r < r1; r++) {
      const float *xr = c->x + r * n;
      if (c->dy == NULL) {
        if (c->shift) {
          for (int64_t j = 0; j < n; j++) { float d = xr[j] - c->shift[j]; b1[j] += d; b2[j] += d * d; }
        } else {
          for (int64_t j = 0; j < n; j++) b1[j] += xr[j];
        }
      } else {
        const float *dr = c->dy + r * n;
        for (int64_t j = 0; j < n; j++) { b1[j] += dr[j]; b2[j] += dr[j] * (xr[j] - c->shift[j]); }
      }
    }
    for (int64_t j = 0; j < n; j++) { acc[j] += b1[j]; acc[n + j] += b2[j]; }
  }
}

// Sums over all rows into out (2*cols doubles); returns -1 on allocation failure.
static int sums(const float *x, const float *dy, const float *shift, int64_t rows, int64_t cols, double *out) {
  sums_ctx c = {x, dy, shift, cols, {0}, {0}};
  const int parts = pool_threads();
  for (int t = 0; t < parts; t++) {
    // one slot per participant: doubles first, then the float block buffers
    float *buf = scratch_floats(SCRATCH_THREAD0 + t, (size_t)(6 * cols));
    if (!buf) return -1;
    c.acc[t] = (double *)buf;
    c.blk[t] = buf + 4 * cols;
    memset(c.acc[t], 0, sizeof(double) * (size_t)(2 * cols));
  }
  parallel_for(rows, MIN_ROWS_PER_PART, sums_range, &c);
  memset(out, 0, sizeof(double) * (size_t)(2 * cols));
  for (int t = 0; t < parts; t++)
    for (int64_t j = 0; j < 2 * cols; j++) out[j] += c.acc[t][j];
  return 0;
}

static double *stats_buffer(int64_t cols) {
  return (double *)scratch_floats(SCRATCH_WEIGHTS, (size_t)(8 * cols));  // 2*cols doubles + 3*cols floats
}

typedef struct {
  const float *x, *dy; float *y;
  const float *scale, *offset, *coef;  // y = x * scale + offset (forward); dx = scale * dy + coef * x + offset (backward)
  int64_t cols;
} affine_ctx;

static void affine_range(void *p, int64_t begin, int64_t end, int part) {
  const affine_ctx *c = (const affine_ctx *)p;
  const int64_t n = c->cols;
  (void)part;
  for (int64_t r = begin; r < end; r++) {
    const float *xr = c->x + r * n;
    float *yr = c->y + r * n;
    if (c->dy == NULL) {
      for (int64_t j = 0; j < n; j++) yr[j] = xr[j] * c->scale[j] + c->offset[j];
    } else {
      const float *dr = c->dy + r * n;
      for (int64_t j = 0; j < n; j++) yr[j] = c->scale[j] * dr[j] + c->coef[j] * xr[j] + c->offset[j];
    }
  }
}

int batch_norm_train(const float *x, const float *gamma, const float *beta, float *y, float *mean, float *variance,
                     int64_t rows, int64_t channels, float eps) {
  if (rows <= 0 || channels <= 0) return 0;
  double *s = stats_buffer(channels);
  if (!s) return -1;
  float *coef = (float *)(s + 2 * channels);  // scale[channels], offset[channels]
  float *shift = coef + 2 * channels;
  // Shifting by the first row keeps the one-pass variance accurate when |mean| >> std.
  memcpy(shift, x, sizeof(float) * (size_t)channels);
  if (sums(x, NULL, shift, rows, channels, s) != 0) return -1;
  for (int64_t j = 0; j < channels; j++) {
    double m = s[j] / rows, v = s[channels + j] / rows - m * m;
    if (v < 0) v = 0;
    double mu = shift[j] + m, rstd = 1.0 / sqrt(v + eps);
    double g = gamma ? gamma[j] : 1.0, b = beta ? beta[j] : 0.0;
    mean[j] = (float)mu;
    variance[j] = (float)v;
    coef[j] = (float)(g * rstd);
    coef[channels + j] = (float)(b - mu * g * rstd);
  }
  affine_ctx a = {x, NULL, y, coef, coef + channels, NULL, channels};
  parallel_for(rows, MIN_ROWS_PER_PART, affine_range, &a);
  return 0;
}

int batch_norm_train_grad(const float *x, const float *dy, const float *mean, const float *variance, const float *gamma,
                          float *dx, float *dgamma, float *dbeta, int64_t rows, int64_t channels, float eps) {
  if (rows <= 0 || channels <= 0) return 0;
  double *s = stats_buffer(channels);
  if (!s) return -1;
  float *coef = (float *)(s + 2 * channels);  // per channel: dy scale, x coefficient, constant
  if (sums(x, dy, mean, rows, channels, s) != 0) return -1;
  for (int64_t j = 0; j < channels; j++) {
    double rstd = 1.0 / sqrt((double)variance[j] + eps), g = gamma ? gamma[j] : 1.0;
    double sum_dy = s[j], sum_dy_xhat = s[channels + j] * rstd;
    dbeta[j] = (float)sum_dy;
    dgamma[j] = (float)sum_dy_xhat;
    // dx = g*rstd * (dy - sum_dy/N - xhat * sum_dy_xhat/N), xhat = (x - mean) * rstd
    double k = g * rstd, kx = -k * rstd * sum_dy_xhat / rows;
    coef[j] = (float)k;
    coef[channels + j] = (float)kx;
    coef[2 * channels + j] = (float)(-k * sum_dy / rows - kx * mean[j]);
  }
  affine_ctx a = {x, dy, dx, coef, coef + 2 * channels, coef + channels, channels};
  parallel_for(rows, MIN_ROWS_PER_PART, affine_range, &a);
  return 0;
}

int column_sums(const float *x, float *out, int64_t rows, int64_t cols) {
  if (cols <= 0) return 0;
  if (rows <= 0) { memset(out, 0, sizeof(float) * (size_t)cols); return 0; }
  double *s = stats_buffer(cols);
  if (!s) return -1;
  if (sums(x, NULL, NULL, rows, cols, s) != 0) return -1;
  for (int64_t j = 0; j < cols; j++) out[j] = (float)s[j];
  return 0;
}

/* ---------------- max pooling (tfjs cpu semantics: start at -inf, strict '>', first maximum wins) ---------------- */
typedef struct { const conv_t *g; const float *x, *dy; float *y, *dx; } pool_ctx;

// Window rows/columns inside the image for output (oh, ow).
static inline void window(const conv_t *g, int oh, int ow, int *kh0, int *kh1, int *kw0, int *kw1) {
  *kh0 = 0; *kh1 = g->KH; *kw0 = 0; *kw1 = g->KW;
  while (*kh0 < *kh1 && oh * g->SH - g->PT + *kh0 * g->DH < 0) (*kh0)++;
  while (*kh1 > *kh0 && oh * g->SH - g->PT + (*kh1 - 1) * g->DH >= g->H) (*kh1)--;
  while (*kw0 < *kw1 && ow * g->SW - g->PL + *kw0 * g->DW < 0) (*kw0)++;
  while (*kw1 > *kw0 && ow * g->SW - g->PL + (*kw1 - 1) * g->DW >= g->W) (*kw1)--;
}

// One output pixel: y[ch] = max over the window (forward), or dx[argmax] += dy (backward), 8 channels at a time.
static void pool_pixel(const pool_ctx *c, int64_t b, int oh, int ow) {
  const conv_t *g = c->g;
  const int64_t C = g->C;
  const float *xb = c->x + b * g->H * g->W * C;
  const int64_t out = ((b * g->OH + oh) * g->OW + ow) * C;
  int kh0, kh1, kw0, kw1;
  window(g, oh, ow, &kh0, &kh1, &kw0, &kw1);
  const v8 ninf = bcast8(-__builtin_inff());
  int64_t ch = 0;
  for (; ch + 8 <= C; ch += 8) {
    v8 best = ninf;
    v8i at = (v8i){-1, -1, -1, -1, -1, -1, -1, -1};
    for (int kh = kh0; kh < kh1; kh++) {
      const int64_t row = (int64_t)(oh * g->SH - g->PT + kh * g->DH) * g->W;
      for (int kw = kw0; kw < kw1; kw++) {
        const int64_t idx = (row + ow * g->SW - g->PL + kw * g->DW) * C + ch;
        v8 v = load8(xb + idx);
        v8i gt = v > best;
        best = (v8)(((v8i)v & gt) | ((v8i)best & ~gt));
        if (c->dx) {
          v8i pos = (v8i){0, 1, 2, 3, 4, 5, 6, 7} + (int32_t)idx;
          at = (pos & gt) | (at & ~gt);
        }
      }
    }
    if (c->dx) {
      int32_t a[8];
      memcpy(a, &at, sizeof a);
      float *dxb = c->dx + b * g->H * g->W * C;
      for (int l = 0; l < 8; l++) if (a[l] >= 0) dxb[a[l]] += c->dy[out + ch + l];
    } else {
      store8(c->y + out + ch, best);
    }
  }
  for (; ch < C; ch++) {
    float best = -__builtin_inff();
    int64_t at = -1;
    for (int kh = kh0; kh < kh1; kh++) {
      const int64_t row = (int64_t)(oh * g->SH - g->PT + kh * g->DH) * g->W;
      for (int kw = kw0; kw < kw1; kw++) {
        const int64_t idx = (row + ow * g->SW - g->PL + kw * g->DW) * C + ch;
        if (xb[idx] > best) { best = xb[idx]; at = idx; }
      }
    }
    if (c->dx) { if (at >= 0) c->dx[b * g->H * g->W * C + at] += c->dy[out + ch]; }
    else c->y[out + ch] = best;
  }
}

static void pool_images(void *p, int64_t begin, int64_t end, int part) {
  const pool_ctx *c = (const pool_ctx *)p;
  const conv_t *g = c->g;
  (void)part;
  for (int64_t b = begin; b < end; b++) {
    if (c->dx) memset(c->dx + b * g->H * g->W * g->C, 0, sizeof(float) * (size_t)(g->H * g->W * g->C));
    for (int oh = 0; oh < g->OH; oh++)
      for (int ow = 0; ow < g->OW; ow++) pool_pixel(c, b, oh, ow);
  }
}

void max_pool(const conv_t *g, const float *x, float *y) {
  pool_ctx c = {g, x, NULL, y, NULL};
  parallel_for(g->B, 1, pool_images, &c);
}

void max_pool_grad(const conv_t *g, const float *dy, const float *x, float *dx) {
  pool_ctx c = {g, x, dy, NULL, dx};
  parallel_for(g->B, 1, pool_images, &c);
}

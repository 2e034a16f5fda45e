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

// Per-participant scratch for the column-sum kernels: `width` zeroed doubles (acc[t]) followed by
// `width` floats (blk[t], a row-block buffer). Returns -1 on allocation failure.
static int part_buffers(int64_t width, int parts, double **acc, float **blk) {
  for (int t = 0; t < parts; t++) {
    float *buf = scratch_floats(SCRATCH_THREAD0 + t, (size_t)(3 * width));
    if (!buf) return -1;
    acc[t] = (double *)buf;
    blk[t] = buf + 2 * width;
    memset(acc[t], 0, sizeof(double) * (size_t)width);
  }
  return 0;
}

// Sums over all rows into out (2*cols doubles); returns -1 on allocation failure.
static int sums(const float *x, const float *dy, const float *shift, int64_t rows, int64_t cols, double *out) {
  sums_ctx c = {x, dy, shift, cols, {0}, {0}};
  const int parts = pool_threads();
  if (part_buffers(2 * cols, parts, c.acc, c.blk) != 0) return -1;
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

/* ---- column sums over a folded width: with few columns (6, say) a row is too short to vectorise, so
   W = cols * (8 / gcd(cols, 8)) floats (a whole number of rows AND of 8-lane vectors) are summed as one
   "super row"; the W sums are folded back to cols at the end. Optionally dz = dy * step(y) on the way. ---- */
typedef struct {
  const float *dy, *y; float *dz; int64_t W; int relu;
  double *acc[POOL_MAX_THREADS];  // per part: W doubles
  float *blk[POOL_MAX_THREADS];   // per part: W floats
} fold_ctx;

// tfjs: step(y) is 1 for y > 0, NaN for NaN, else 0 (the ReLU gradient is dy * step(y), y = relu(x) or x).
static inline float step_times(float dy, float y) { return dy * (y > 0.f ? 1.f : (y != y ? y : 0.f)); }

static void fold_range(void *p, int64_t begin, int64_t end, int part) {
  const fold_ctx *c = (const fold_ctx *)p;
  const int64_t W = c->W;
  double *acc = c->acc[part];  // zeroed before the job
  float *blk = c->blk[part];
  for (int64_t s0 = begin; s0 < end; s0 += BLOCK_ROWS) {
    int64_t s1 = s0 + BLOCK_ROWS < end ? s0 + BLOCK_ROWS : end;
    memset(blk, 0, sizeof(float) * (size_t)W);
    for (int64_t s = s0; s < s1; s++) {
      const float *d = c->dy + s * W;
      if (c->dz == NULL) {
        for (int64_t j = 0; j < W; j++) blk[j] += d[j];
      } else if (c->relu) {
        const float *yr = c->y + s * W;
        float *z = c->dz + s * W;
        int64_t j = 0;
        // branch-free (the sign of y is random): s = 1 where y > 0, y (NaN) where y is NaN, else 0
        const v8 zero = bcast8(0.f), one = bcast8(1.f);
        for (; j + 8 <= W; j += 8) {
          v8 yv = load8(yr + j);
          v8i pos = yv > zero, nan = yv != yv;
          v8 v = load8(d + j) * (v8)(((v8i)one & pos & ~nan) | ((v8i)yv & nan));
          store8(z + j, v);
          store8(blk + j, load8(blk + j) + v);
        }
        for (; j < W; j++) { float v = step_times(d[j], yr[j]); z[j] = v; blk[j] += v; }
      } else {
        float *z = c->dz + s * W;
        for (int64_t j = 0; j < W; j++) { z[j] = d[j]; blk[j] += d[j]; }
      }
    }
    for (int64_t j = 0; j < W; j++) acc[j] += blk[j];
  }
}

static int64_t fold_width(int64_t cols) {
  if (cols % 8 == 0 || cols >= 64) return cols;
  int64_t g = cols % 2 ? 1 : cols % 4 ? 2 : 4;  // gcd(cols, 8)
  return cols * (8 / g);
}

static int folded_sums(const float *dy, const float *y, float *dz, float *out, int64_t rows, int64_t cols, int relu) {
  const int64_t W = fold_width(cols), n = rows * cols, supers = n / W;
  fold_ctx c = {dy, y, dz, W, relu, {0}, {0}};
  const int parts = pool_threads();
  if (part_buffers(W, parts, c.acc, c.blk) != 0) return -1;
  int64_t min_supers = 8192 / W + 1;
  parallel_for(supers, min_supers, fold_range, &c);
  double *s = stats_buffer(cols);
  if (!s) return -1;
  memset(s, 0, sizeof(double) * (size_t)cols);
  for (int t = 0; t < parts; t++)
    for (int64_t j = 0; j < W; j++) s[j % cols] += c.acc[t][j];
  // the last n - supers*W floats: whole rows, starting at a row boundary (W is a multiple of cols)
  for (int64_t i = supers * W; i < n; i++) {
    float v = dz == NULL ? dy[i] : relu ? step_times(dy[i], y[i]) : dy[i];
    if (dz != NULL) dz[i] = v;
    s[i % cols] += v;
  }
  for (int64_t j = 0; j < cols; j++) out[j] = (float)s[j];
  return 0;
}

int bias_act_grad(const float *dy, const float *y, float *dz, float *db, int64_t rows, int64_t cols, int relu) {
  if (cols <= 0) return 0;
  if (rows <= 0) { memset(db, 0, sizeof(float) * (size_t)cols); return 0; }
  return folded_sums(dy, y, dz, db, rows, cols, relu);
}

int column_sums(const float *x, float *out, int64_t rows, int64_t cols) {
  if (cols <= 0) return 0;
  if (rows <= 0) { memset(out, 0, sizeof(float) * (size_t)cols); return 0; }
  if (fold_width(cols) != cols) return folded_sums(x, NULL, NULL, out, rows, cols, 0);
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

/* 2x2 windows with stride 2 and no padding (the common case): windows tile the image, so each output row
   reads two input rows and the gradient of each window is written (not accumulated) in one pass. */
static int is_pool_2x2(const conv_t *g) {
  return g->KH == 2 && g->KW == 2 && g->SH == 2 && g->SW == 2 && g->DH == 1 && g->DW == 1 && g->PT == 0 && g->PL == 0 &&
         g->OH == g->H / 2 && g->OW == g->W / 2;
}

// 8 lanes of 2x2 windows: the first maximum in scan order (0,0) (0,1) (1,0) (1,1) gets dy, the other
// three 0. a/b2: the window's top/bottom rows, C floats apart (branch-free: maxima are random).
static inline __attribute__((always_inline)) void route8(const float *a, const float *b2, const float *gy, float *da, float *db, int64_t C) {
  v8 v0 = load8(a), v1 = load8(a + C), v2 = load8(b2), v3 = load8(b2 + C);
  v8 m = bcast8(-__builtin_inff());
  v8i k0 = v0 > m; m = (v8)(((v8i)v0 & k0) | ((v8i)m & ~k0));
  v8i k1 = v1 > m; m = (v8)(((v8i)v1 & k1) | ((v8i)m & ~k1));
  v8i k2 = v2 > m; m = (v8)(((v8i)v2 & k2) | ((v8i)m & ~k2));
  v8i k3 = v3 > m;
  v8i d = (v8i)load8(gy);
  store8(da, (v8)(d & k0 & ~k1 & ~k2 & ~k3));
  store8(da + C, (v8)(d & k1 & ~k2 & ~k3));
  store8(db, (v8)(d & k2 & ~k3));
  store8(db + C, (v8)(d & k3));
}

// [begin, end) counts output rows (b, oh).
static void pool2x2_rows(void *p, int64_t begin, int64_t end, int part) {
  const pool_ctx *c = (const pool_ctx *)p;
  const conv_t *g = c->g;
  const int64_t C = g->C, rowlen = (int64_t)g->W * C;
  (void)part;
  for (int64_t row = begin; row < end; row++) {
    const int64_t b = row / g->OH, oh = row % g->OH;
    const int64_t in0 = (b * g->H + 2 * oh) * rowlen;
    const float *r0 = c->x + in0, *r1 = r0 + rowlen;
    if (c->dx == NULL) {
      float *yo = c->y + row * g->OW * C;
      for (int64_t ow = 0; ow < g->OW; ow++) {
        const float *a = r0 + 2 * ow * C, *b2 = r1 + 2 * ow * C;
        float *o = yo + ow * C;
        for (int64_t ch = 0; ch < C; ch++) {
          // scan order (0,0) (0,1) (1,0) (1,1) from -inf with '>': NaN never wins
          float m = -__builtin_inff(), v;
          v = a[ch]; m = v > m ? v : m;
          v = a[C + ch]; m = v > m ? v : m;
          v = b2[ch]; m = v > m ? v : m;
          v = b2[C + ch]; m = v > m ? v : m;
          o[ch] = m;
        }
      }
    } else {
      const float *dyo = c->dy + row * g->OW * C;
      float *d0 = c->dx + in0, *d1 = d0 + rowlen;
      int64_t ow = 0;
      if (C < 8) {
        // Fewer than 8 channels: 8-lane vectors that overlap the next window(s). Windows go left to right,
        // so every lane stored past the window's own C channels is overwritten later by its own window;
        // vectors stay inside the row (x, dx) and inside dy's row.
        for (; (2 * ow + 1) * C + 8 <= 2 * g->OW * C && ow * C + 8 <= g->OW * C; ow++) {
          route8(r0 + 2 * ow * C, r1 + 2 * ow * C, dyo + ow * C, d0 + 2 * ow * C, d1 + 2 * ow * C, C);
        }
      }
      for (; ow < g->OW; ow++) {
        const float *a = r0 + 2 * ow * C, *b2 = r1 + 2 * ow * C;
        float *da = d0 + 2 * ow * C, *db = d1 + 2 * ow * C;
        const float *gy = dyo + ow * C;
        int64_t ch = 0;
        for (; ch + 8 <= C; ch += 8) route8(a + ch, b2 + ch, gy + ch, da + ch, db + ch, C);
        for (; ch < C; ch++) {
          // scalar, but branch-free as well: compare results as masks on the bit patterns
          const float v0 = a[ch], v1 = a[C + ch], v2 = b2[ch], v3 = b2[C + ch];
          uint32_t u0, u1, u2, mu;
          memcpy(&u0, &v0, 4); memcpy(&u1, &v1, 4); memcpy(&u2, &v2, 4);
          float m = -__builtin_inff();
          const uint32_t k0 = -(uint32_t)(v0 > m);
          memcpy(&mu, &m, 4); mu = (u0 & k0) | (mu & ~k0); memcpy(&m, &mu, 4);
          const uint32_t k1 = -(uint32_t)(v1 > m);
          mu = (u1 & k1) | (mu & ~k1); memcpy(&m, &mu, 4);
          const uint32_t k2 = -(uint32_t)(v2 > m);
          mu = (u2 & k2) | (mu & ~k2); memcpy(&m, &mu, 4);
          const uint32_t k3 = -(uint32_t)(v3 > m);
          uint32_t d, o;
          memcpy(&d, gy + ch, 4);
          o = d & k0 & ~k1 & ~k2 & ~k3; memcpy(da + ch, &o, 4);
          o = d & k1 & ~k2 & ~k3; memcpy(da + C + ch, &o, 4);
          o = d & k2 & ~k3; memcpy(db + ch, &o, 4);
          o = d & k3; memcpy(db + C + ch, &o, 4);
        }
      }
      // an odd last column is in no window
      if (g->W % 2) { memset(d0 + 2 * g->OW * C, 0, sizeof(float) * (size_t)C); memset(d1 + 2 * g->OW * C, 0, sizeof(float) * (size_t)C); }
      // an odd last row is in no window
      if (g->H % 2 && oh == g->OH - 1) memset(d1 + rowlen, 0, sizeof(float) * (size_t)rowlen);
    }
  }
}

static void run_pool(pool_ctx *c) {
  const conv_t *g = c->g;
  if (is_pool_2x2(g)) {
    const int64_t per_row = (int64_t)g->OW * g->C * 4;  // input floats per output row
    parallel_for((int64_t)g->B * g->OH, 4096 / (per_row + 1) + 1, pool2x2_rows, c);
  } else {
    parallel_for(g->B, 1, pool_images, c);
  }
}

void max_pool(const conv_t *g, const float *x, float *y) {
  pool_ctx c = {g, x, NULL, y, NULL};
  run_pool(&c);
}

void max_pool_grad(const conv_t *g, const float *dy, const float *x, float *dx) {
  pool_ctx c = {g, x, dy, NULL, dx};
  run_pool(&c);
}

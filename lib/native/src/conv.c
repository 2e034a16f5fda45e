#include "conv.h"
#include <string.h>
#include "dnnl_conv.h"
#include "pool.h"
#include "scratch.h"
#include "ukernel.h"

static int round8(int n) { return (n + 7) & ~7; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* ---- zero-padded copy: dst[b, r, q, c] = src[b, r - top, q - left, c] (0 outside src, and for c >= C) ---- */
typedef struct {
  const float *src; float *dst;
  int64_t Hs, Ws, C, Hd, Wd, Cd, top, left;
} pad_ctx;

static void pad_rows(void *p, int64_t begin, int64_t end, int part) {
  const pad_ctx *c = (const pad_ctx *)p;
  (void)part;
  for (int64_t row = begin; row < end; row++) {
    int64_t b = row / c->Hd, r = row % c->Hd;
    float *d = c->dst + row * c->Wd * c->Cd;
    int64_t sr = r - c->top;
    if (sr < 0 || sr >= c->Hs) { memset(d, 0, sizeof(float) * (size_t)(c->Wd * c->Cd)); continue; }
    const float *s = c->src + (b * c->Hs + sr) * c->Ws * c->C;
    int64_t q0 = c->left < 0 ? 0 : c->left;  // first destination column that has a source column
    if (q0 > c->Wd) q0 = c->Wd;
    int64_t sq0 = q0 - c->left;
    int64_t n = c->Ws - sq0;
    if (q0 + n > c->Wd) n = c->Wd - q0;
    if (n < 0) n = 0;
    if (c->Cd == c->C) {
      memset(d, 0, sizeof(float) * (size_t)(q0 * c->C));
      memcpy(d + q0 * c->C, s + sq0 * c->C, sizeof(float) * (size_t)(n * c->C));
      memset(d + (q0 + n) * c->C, 0, sizeof(float) * (size_t)((c->Wd - q0 - n) * c->C));
    } else {
      memset(d, 0, sizeof(float) * (size_t)(c->Wd * c->Cd));
      for (int64_t q = 0; q < n; q++) memcpy(d + (q0 + q) * c->Cd, s + (sq0 + q) * c->C, sizeof(float) * (size_t)c->C);
    }
  }
}

static void pad_copy(const float *src, int64_t B, int64_t Hs, int64_t Ws, int64_t C, float *dst, int64_t Hd, int64_t Wd,
                     int64_t Cd, int64_t top, int64_t left) {
  pad_ctx c = {src, dst, Hs, Ws, C, Hd, Wd, Cd, top, left};
  parallel_for(B * Hd, 16, pad_rows, &c);
}

/* ---- the core: y[b, oh, ow, 0:Cout] = sum_{kh, kw, ci} xp[b, oh*SH + kh*DH, ow*SW + kw*DW, ci] * w[kh, kw, ci, :] ---- */
typedef struct {
  const float *xp; int64_t Hp, Wp; int Cin;
  const float *w; int Coutp, Cout;
  int KH, KW, DH, DW, SH, SW, OH, OW;
  float *y; const float *bias; int relu;
} core_ctx;

// [begin, end) counts output pixels (b, oh, ow) in order.
static void core_pixels(void *p, int64_t begin, int64_t end, int part) {
  const core_ctx *c = (const core_ctx *)p;
  (void)part;
  // With DW == 1 the window of one filter row is KW*Cin contiguous floats: one segment per kh.
  const int merged = c->DW == 1;
  const int nseg = merged ? c->KH : c->KH * c->KW;
  const int K = merged ? c->KW * c->Cin : c->Cin;
  int64_t a_off[nseg], b_off[nseg];
  for (int s = 0; s < nseg; s++) {
    int kh = merged ? s : s / c->KW, kw = merged ? 0 : s % c->KW;
    a_off[s] = ((int64_t)kh * c->DH * c->Wp + (int64_t)kw * c->DW) * c->Cin;
    b_off[s] = ((int64_t)kh * c->KW + kw) * c->Cin * c->Coutp;
  }
  ukernel_args args = {nseg, a_off, b_off, K, (int64_t)c->SW * c->Cin, 1, c->Coutp, NULL, c->Cout, 0, 0, NULL, c->relu};
  const float *rows[UKERNEL_MAX_MR];
  const int64_t per_image = (int64_t)c->OH * c->OW;
  for (int j0 = 0; j0 < c->Cout; j0 += 16) {
    const int NV = c->Cout - j0 > 8 ? 2 : 1, MR = ukernel_mr(NV);
    args.ncols = c->Cout - j0 < 8 * NV ? c->Cout - j0 : 8 * NV;
    args.bias = c->bias ? c->bias + j0 : NULL;
    // Blocks that cross image rows (one pointer per pixel) avoid short blocks at row ends; they pay off
    // with 2 column vectors and long enough reductions (measured: 8- and 16-pixel rows +10-30%; with 12
    // rows of one vector, or K < 32, the per-pixel pointers cost more than they save).
    const int cross_rows = NV == 2 && K >= 32 && c->OW % MR != 0;
    if (cross_rows) {
      for (int64_t p0 = begin; p0 < end; p0 += MR) {
        int mr = end - p0 < MR ? (int)(end - p0) : MR;
        for (int i = 0; i < mr; i++) {
          int64_t q = p0 + i, b = q / per_image, r = q % per_image, oh = r / c->OW, ow = r % c->OW;
          rows[i] = c->xp + ((b * c->Hp + oh * c->SH) * c->Wp + ow * c->SW) * c->Cin;
        }
        args.c = c->y + p0 * c->Cout + j0;
        ukernel_rows(mr, NV, rows, c->w + j0, &args);
      }
      continue;
    }
    for (int64_t q0 = begin; q0 < end;) {
      // the part of one image row inside [q0, end)
      int64_t b = q0 / per_image, r = q0 % per_image, oh = r / c->OW, ow0 = r % c->OW;
      int64_t ow1 = c->OW < ow0 + (end - q0) ? c->OW : ow0 + (end - q0);
      const float *arow = c->xp + (b * c->Hp + oh * c->SH) * c->Wp * c->Cin;
      for (int64_t ow = ow0; ow < ow1; ow += MR) {
        int mr = ow1 - ow < MR ? (int)(ow1 - ow) : MR;
        args.c = c->y + (q0 + (ow - ow0)) * c->Cout + j0;
        ukernel(mr, NV, arow + ow * c->SW * c->Cin, c->w + j0, &args);
      }
      q0 += ow1 - ow0;
    }
  }
}

static void run_core(core_ctx *c, int64_t B) {
  const int64_t pixels = B * c->OH * c->OW;
  const int64_t flops_per_pixel = (int64_t)c->KH * c->KW * c->Cin * c->Coutp;
  int64_t min_pixels = flops_per_pixel > 0 ? (1 << 17) / flops_per_pixel + 1 : pixels;  // keep tiny jobs on one thread
  if (min_pixels < 48) min_pixels = 48;
  parallel_for(pixels, min_pixels, core_pixels, c);
}

/* Weights [K, CO] with columns padded to a multiple of 8 (zeros). */
static const float *padded_weights(const float *w, int64_t K, int CO) {
  int COp = round8(CO);
  if (COp == CO) return w;
  float *wp = scratch_floats(SCRATCH_WEIGHTS, (size_t)(K * COp));
  if (!wp) return NULL;
  for (int64_t k = 0; k < K; k++) {
    memcpy(wp + k * COp, w + k * CO, sizeof(float) * (size_t)CO);
    memset(wp + k * COp + CO, 0, sizeof(float) * (size_t)(COp - CO));
  }
  return wp;
}

/* The input as the kernels read it: padded so that every tap of every output pixel is in bounds. */
static const float *padded_input(const conv_t *g, const float *x, int64_t *Hp, int64_t *Wp) {
  int64_t needH = (int64_t)(g->OH - 1) * g->SH + (int64_t)(g->KH - 1) * g->DH + 1;
  int64_t needW = (int64_t)(g->OW - 1) * g->SW + (int64_t)(g->KW - 1) * g->DW + 1;
  if (g->PT == 0 && g->PL == 0 && needH <= g->H && needW <= g->W) { *Hp = g->H; *Wp = g->W; return x; }
  float *xp = scratch_floats(SCRATCH_PADDED, (size_t)(g->B * needH * needW * g->C));
  if (!xp) return NULL;
  pad_copy(x, g->B, g->H, g->W, g->C, xp, needH, needW, g->C, g->PT, g->PL);
  *Hp = needH; *Wp = needW;
  return xp;
}

// Each entry point below first offers the call to oneDNN (dnnl_conv.c); the C kernels run when the addon was built
// without it, it is switched off, or it declined the geometry.
int conv2d_forward(const conv_t *g, const float *x, const float *w, float *y, const float *bias, int relu) {
  if (dnnl_conv_forward(g, x, w, y, bias, relu) == 0) return 0;
  const float *wp = padded_weights(w, (int64_t)g->KH * g->KW * g->C, g->CO);
  if (!wp) return -1;
  int64_t Hp, Wp;
  const float *xp = padded_input(g, x, &Hp, &Wp);
  if (!xp) return -1;
  core_ctx c = {xp, Hp, Wp, g->C, wp, round8(g->CO), g->CO, g->KH, g->KW, g->DH, g->DW, g->SH, g->SW, g->OH, g->OW, y, bias, relu};
  run_core(&c, g->B);
  return 0;
}

/* ---- gradient with respect to the input ---- */

// Stride 1: dx is the convolution of dy (padded) with the spatially flipped, transposed filter.
static int backprop_input_gather(const conv_t *g, const float *dy, const float *w, float *dx) {
  const int Cp = round8(g->C);
  const int64_t taps = (int64_t)g->KH * g->KW;
  float *wt = scratch_floats(SCRATCH_WEIGHTS, (size_t)(taps * g->CO * Cp));
  if (!wt) return -1;
  for (int kh = 0; kh < g->KH; kh++)
    for (int kw = 0; kw < g->KW; kw++) {
      const float *src = w + ((int64_t)(g->KH - 1 - kh) * g->KW + (g->KW - 1 - kw)) * g->C * g->CO;
      float *dst = wt + ((int64_t)kh * g->KW + kw) * g->CO * Cp;
      for (int co = 0; co < g->CO; co++) {
        for (int ci = 0; ci < g->C; ci++) dst[(int64_t)co * Cp + ci] = src[(int64_t)ci * g->CO + co];
        for (int ci = g->C; ci < Cp; ci++) dst[(int64_t)co * Cp + ci] = 0.f;
      }
    }
  int64_t top = (int64_t)(g->KH - 1) * g->DH - g->PT, left = (int64_t)(g->KW - 1) * g->DW - g->PL;
  int64_t Hd = g->H + (int64_t)(g->KH - 1) * g->DH, Wd = g->W + (int64_t)(g->KW - 1) * g->DW;
  float *dyp = scratch_floats(SCRATCH_PADDED, (size_t)(g->B * Hd * Wd * g->CO));
  if (!dyp) return -1;
  pad_copy(dy, g->B, g->OH, g->OW, g->CO, dyp, Hd, Wd, g->CO, top, left);
  core_ctx c = {dyp, Hd, Wd, g->CO, wt, Cp, g->C, g->KH, g->KW, g->DH, g->DW, 1, 1, g->H, g->W, dx, NULL, 0};
  run_core(&c, g->B);
  return 0;
}

// Strided: every dy row is scattered into a padded per-image buffer (one image per thread at a time).
typedef struct {
  const conv_t *g; const float *dy; const float *wt; float *dx; int Cp; int64_t Hd, Wd;
  float *buf[POOL_MAX_THREADS];
} scatter_ctx;

static void scatter_images(void *p, int64_t begin, int64_t end, int part) {
  const scatter_ctx *c = (const scatter_ctx *)p;
  const conv_t *g = c->g;
  float *buf = c->buf[part];
  int64_t zero = 0;
  ukernel_args args = {1, &zero, &zero, g->CO, g->CO, 1, c->Cp, NULL, (int64_t)g->SW * g->C, 0, 1, NULL, 0};
  for (int64_t b = begin; b < end; b++) {
    memset(buf, 0, sizeof(float) * (size_t)(c->Hd * c->Wd * g->C));
    for (int oh = 0; oh < g->OH; oh++) {
      const float *dyrow = c->dy + ((b * g->OH + oh) * g->OW) * g->CO;
      for (int kh = 0; kh < g->KH; kh++)
        for (int kw = 0; kw < g->KW; kw++) {
          float *crow = buf + (((int64_t)oh * g->SH + (int64_t)kh * g->DH) * c->Wd + (int64_t)kw * g->DW) * g->C;
          const float *wtap = c->wt + ((int64_t)kh * g->KW + kw) * g->CO * c->Cp;
          for (int j0 = 0; j0 < g->C; j0 += 16) {
            const int NV = g->C - j0 > 8 ? 2 : 1, MR = ukernel_mr(NV);
            args.ncols = g->C - j0 < 8 * NV ? g->C - j0 : 8 * NV;
            for (int pix0 = 0; pix0 < g->OW; pix0 += MR) {
              int mr = g->OW - pix0 < MR ? g->OW - pix0 : MR;
              args.c = crow + (int64_t)pix0 * g->SW * g->C + j0;
              ukernel(mr, NV, dyrow + (int64_t)pix0 * g->CO, wtap + j0, &args);
            }
          }
        }
    }
    for (int ih = 0; ih < g->H; ih++)
      memcpy(c->dx + ((b * g->H + ih) * g->W) * g->C, buf + (((int64_t)ih + g->PT) * c->Wd + g->PL) * g->C,
             sizeof(float) * (size_t)g->W * g->C);
  }
}

static int backprop_input_scatter(const conv_t *g, const float *dy, const float *w, float *dx) {
  const int Cp = round8(g->C);
  const int64_t taps = (int64_t)g->KH * g->KW;
  float *wt = scratch_floats(SCRATCH_WEIGHTS, (size_t)(taps * g->CO * Cp));
  if (!wt) return -1;
  for (int64_t t = 0; t < taps; t++)
    for (int co = 0; co < g->CO; co++) {
      float *dst = wt + (t * g->CO + co) * Cp;
      for (int ci = 0; ci < g->C; ci++) dst[ci] = w[(t * g->C + ci) * g->CO + co];
      for (int ci = g->C; ci < Cp; ci++) dst[ci] = 0.f;
    }
  scatter_ctx c = {g, dy, wt, dx, Cp, 0, 0, {0}};
  c.Hd = max64((int64_t)(g->OH - 1) * g->SH + (int64_t)(g->KH - 1) * g->DH + 1, (int64_t)g->PT + g->H);
  c.Wd = max64((int64_t)(g->OW - 1) * g->SW + (int64_t)(g->KW - 1) * g->DW + 1, (int64_t)g->PL + g->W);
  for (int t = 0; t < pool_threads(); t++) {
    c.buf[t] = scratch_floats(SCRATCH_THREAD0 + t, (size_t)(c.Hd * c.Wd * g->C));
    if (!c.buf[t]) return -1;
  }
  parallel_for(g->B, 1, scatter_images, &c);
  return 0;
}

// Few input channels (or a 'valid' conv whose gather would mostly multiply padding), per image:
//   dcolsT[t, p] = sum_co w[t, co] dyT[co, p]   for every tap t = (kh, kw, ci) and output pixel p,
// then col2im adds each tap's row of pixels into a planar dx[ci][ih][iw] (contiguous, vectorised adds),
// which is finally transposed to NHWC. Pixels are the vector lanes, so the lanes stay full.
typedef struct {
  const conv_t *g; const float *dy; const float *w; float *dx;
  float *buf[POOL_MAX_THREADS];
} cols_ctx;

// Row stride of the [*, pixels] buffers: a multiple of 8, but not of 128 floats (rows 512 B apart alias in L1).
static int64_t cols_stride(int64_t P) {
  int64_t s = (P + 7) & ~(int64_t)7;
  return s % 128 == 0 ? s + 16 : s;
}

static void cols_images(void *p, int64_t begin, int64_t end, int part) {
  const cols_ctx *c = (const cols_ctx *)p;
  const conv_t *g = c->g;
  const int T = g->KH * g->KW * g->C, CO = g->CO;
  const int64_t P = (int64_t)g->OH * g->OW, Pp = cols_stride(P);
  float *dyT = c->buf[part];                  // [CO, Pp]
  float *dcolsT = dyT + (int64_t)CO * Pp;     // [T, Pp]
  float *planar = dcolsT + (int64_t)T * Pp;   // [C, H, W]
  int64_t zero = 0;
  ukernel_args args = {1, &zero, &zero, CO, CO, 1, Pp, NULL, Pp, 0, 0, NULL, 0};
  for (int64_t b = begin; b < end; b++) {
    const float *dyb = c->dy + b * P * CO;
    for (int64_t q = 0; q < P; q++)
      for (int co = 0; co < CO; co++) dyT[co * Pp + q] = dyb[q * CO + co];
    for (int co = 0; co < CO; co++)
      for (int64_t q = P; q < Pp; q++) dyT[co * Pp + q] = 0.f;
    for (int64_t j0 = 0; j0 < Pp; j0 += 16) {
      const int NV = Pp - j0 > 8 ? 2 : 1, MR = ukernel_mr(NV);
      args.ncols = 8 * NV;
      for (int t0 = 0; t0 < T; t0 += MR) {
        int mr = T - t0 < MR ? T - t0 : MR;
        args.c = dcolsT + (int64_t)t0 * Pp + j0;
        ukernel(mr, NV, c->w + (int64_t)t0 * CO, dyT + j0, &args);
      }
    }
    memset(planar, 0, sizeof(float) * (size_t)g->C * g->H * g->W);
    for (int kh = 0; kh < g->KH; kh++)
      for (int kw = 0; kw < g->KW; kw++) {
        // output columns whose input column is inside the image
        int ow0 = 0, ow1 = g->OW;
        while (ow0 < ow1 && ow0 * g->SW - g->PL + kw * g->DW < 0) ow0++;
        while (ow1 > ow0 && (ow1 - 1) * g->SW - g->PL + kw * g->DW >= g->W) ow1--;
        for (int ci = 0; ci < g->C; ci++) {
          const float *src = dcolsT + (((int64_t)kh * g->KW + kw) * g->C + ci) * Pp;
          for (int oh = 0; oh < g->OH; oh++) {
            int ih = oh * g->SH - g->PT + kh * g->DH;
            if (ih < 0 || ih >= g->H) continue;
            float *d = planar + ((int64_t)ci * g->H + ih) * g->W + (ow0 * g->SW - g->PL + kw * g->DW);
            const float *s = src + (int64_t)oh * g->OW;
            if (g->SW == 1) for (int ow = ow0; ow < ow1; ow++) d[ow - ow0] += s[ow];
            else for (int ow = ow0; ow < ow1; ow++) d[(int64_t)(ow - ow0) * g->SW] += s[ow];
          }
        }
      }
    float *dxb = c->dx + b * g->H * g->W * g->C;
    const int64_t HW = (int64_t)g->H * g->W;
    for (int64_t q = 0; q < HW; q++)
      for (int ci = 0; ci < g->C; ci++) dxb[q * g->C + ci] = planar[ci * HW + q];
  }
}

static int backprop_input_cols(const conv_t *g, const float *dy, const float *w, float *dx) {
  const int64_t T = (int64_t)g->KH * g->KW * g->C, P = (int64_t)g->OH * g->OW, Pp = cols_stride(P);
  cols_ctx c = {g, dy, w, dx, {0}};
  for (int t = 0; t < pool_threads(); t++) {
    c.buf[t] = scratch_floats(SCRATCH_THREAD0 + t, (size_t)((g->CO + T) * Pp + (int64_t)g->C * g->H * g->W));
    if (!c.buf[t]) return -1;
  }
  parallel_for(g->B, 1, cols_images, &c);
  return 0;
}

// Contiguous filter rows (DW == 1), per image in blocks of output pixels:
//   dcols[p, t] = sum_co dy[p, co] w[t, co]   (t = (kh, kw, ci): the taps as vector lanes, no padding waste)
// then for each pixel and kh the KW*C contiguous floats of dcols are added to the KW*C contiguous floats of dx
// they belong to (NHWC: kw and ci are adjacent in both). Every multiply-add is useful, lanes are full.
#define ROWS_BLOCK 96  // pixels per block: a multiple of the 6-row micro-kernel

typedef struct {
  const conv_t *g; const float *dy; const float *wt; float *dx; int64_t Tp;
  float *buf[POOL_MAX_THREADS];
} rows_ctx;

static void rows_images(void *p, int64_t begin, int64_t end, int part) {
  const rows_ctx *c = (const rows_ctx *)p;
  const conv_t *g = c->g;
  const int64_t T = (int64_t)g->KH * g->KW * g->C, Tp = c->Tp, P = (int64_t)g->OH * g->OW, KWC = (int64_t)g->KW * g->C;
  float *dcols = c->buf[part];  // [ROWS_BLOCK, Tp]
  int64_t zero = 0;
  ukernel_args args = {1, &zero, &zero, g->CO, g->CO, 1, Tp, NULL, Tp, 0, 0, NULL, 0};
  for (int64_t b = begin; b < end; b++) {
    float *dxb = c->dx + b * g->H * g->W * g->C;
    memset(dxb, 0, sizeof(float) * (size_t)(g->H * g->W * g->C));
    for (int64_t p0 = 0; p0 < P; p0 += ROWS_BLOCK) {
      const int64_t np = P - p0 < ROWS_BLOCK ? P - p0 : ROWS_BLOCK;
      const float *dyb = c->dy + (b * P + p0) * g->CO;
      for (int64_t j0 = 0; j0 < T; j0 += 16) {
        const int NV = T - j0 > 8 ? 2 : 1, MR = ukernel_mr(NV);
        args.ncols = T - j0 < 8 * NV ? (int)(T - j0) : 8 * NV;
        for (int64_t i0 = 0; i0 < np; i0 += MR) {
          int mr = np - i0 < MR ? (int)(np - i0) : MR;
          args.c = dcols + i0 * Tp + j0;
          ukernel(mr, NV, dyb + i0 * g->CO, c->wt + j0, &args);
        }
      }
      for (int64_t i = 0; i < np; i++) {
        const int64_t q = p0 + i, oh = q / g->OW, ow = q % g->OW;
        // filter columns whose input column is inside the image
        int kw0 = 0, kw1 = g->KW;
        const int64_t iw0 = ow * g->SW - g->PL;
        while (kw0 < kw1 && iw0 + kw0 < 0) kw0++;
        while (kw1 > kw0 && iw0 + kw1 - 1 >= g->W) kw1--;
        if (kw0 >= kw1) continue;
        const int64_t len = (int64_t)(kw1 - kw0) * g->C;
        for (int kh = 0; kh < g->KH; kh++) {
          const int64_t ih = oh * g->SH - g->PT + (int64_t)kh * g->DH;
          if (ih < 0 || ih >= g->H) continue;
          float *d = dxb + (ih * g->W + iw0 + kw0) * g->C;
          const float *src = dcols + i * Tp + kh * KWC + (int64_t)kw0 * g->C;
          int64_t j = 0;
          for (; j + 8 <= len; j += 8) store8(d + j, load8(d + j) + load8(src + j));
          for (; j < len; j++) d[j] += src[j];
        }
      }
    }
  }
}

static int backprop_input_rows(const conv_t *g, const float *dy, const float *w, float *dx) {
  const int64_t T = (int64_t)g->KH * g->KW * g->C, Tp = (T + 7) & ~(int64_t)7;
  float *wt = scratch_floats(SCRATCH_WEIGHTS, (size_t)(g->CO * Tp));  // [CO, Tp], zero-padded
  if (!wt) return -1;
  for (int co = 0; co < g->CO; co++) {
    for (int64_t t = 0; t < T; t++) wt[co * Tp + t] = w[t * g->CO + co];
    for (int64_t t = T; t < Tp; t++) wt[co * Tp + t] = 0.f;
  }
  rows_ctx c = {g, dy, wt, dx, Tp, {0}};
  for (int t = 0; t < pool_threads(); t++) {
    c.buf[t] = scratch_floats(SCRATCH_THREAD0 + t, (size_t)(ROWS_BLOCK * Tp));
    if (!c.buf[t]) return -1;
  }
  parallel_for(g->B, 1, rows_images, &c);
  return 0;
}

int conv2d_backprop_input(const conv_t *g, const float *dy, const float *w, float *dx) {
  if (dnnl_conv_backward_data(g, dy, w, dx) == 0) return 0;
  const int Cp = round8(g->C);
  const double lanes = (double)g->C / Cp;  // useful share of the vector lanes when columns are input channels
  // Where the gather would waste most of its lanes or multiply padding, the taps-as-lanes paths: rows
  // (contiguous filter rows, enough output channels for its short products; measured on LeNet-5's second conv:
  // 0.8 vs 1.25 ms) or cols. With few output channels (LeNet's first conv) or many input channels the
  // existing paths measured faster.
  const int rows_ok = g->DW == 1 && g->CO >= 16;
  if (lanes < 0.75 && g->C < 16) return rows_ok ? backprop_input_rows(g, dy, w, dx) : backprop_input_cols(g, dy, w, dx);
  if (g->SH == 1 && g->SW == 1) {
    // the gather computes every input pixel from all KH*KW taps, padding included
    double useful = (double)g->OH * g->OW / ((double)g->H * g->W);
    if (useful * lanes < 0.6) return rows_ok ? backprop_input_rows(g, dy, w, dx) : backprop_input_cols(g, dy, w, dx);
    return backprop_input_gather(g, dy, w, dx);
  }
  return backprop_input_scatter(g, dy, w, dx);
}


/* ---- gradient with respect to the filter: dw[kh, kw, ci, co] = sum_{b,oh,ow} xp[b, oh*SH+kh*DH, ow*SW+kw*DW, ci] dy[b, oh, ow, co] ---- */
#define FILTER_CHUNK_ROWS 8

typedef struct {
  const conv_t *g; const float *xp; int64_t Hp, Wp; const float *dyp; int COp;
  float *acc[POOL_MAX_THREADS];
} filter_ctx;

static void filter_rows(void *p, int64_t begin, int64_t end, int part) {
  const filter_ctx *c = (const filter_ctx *)p;
  const conv_t *g = c->g;
  const int COp = c->COp;
  float *acc = c->acc[part];  // zeroed before the job; a participant may run several chunks
  const int merged = g->DW == 1;
  const int M = merged ? g->KW * g->C : g->C;  // rows of one segment's block of dw
  int64_t a_off[FILTER_CHUNK_ROWS], b_off[FILTER_CHUNK_ROWS];
  ukernel_args args = {0, a_off, b_off, g->OW, 1, (int64_t)g->SW * g->C, COp, NULL, COp, 0, 1, NULL, 0};
  for (int64_t r0 = begin; r0 < end; r0 += FILTER_CHUNK_ROWS) {
    int n = end - r0 < FILTER_CHUNK_ROWS ? (int)(end - r0) : FILTER_CHUNK_ROWS;
    for (int s = 0; s < n; s++) {
      int64_t row = r0 + s, b = row / g->OH, oh = row % g->OH;
      a_off[s] = (b * c->Hp + oh * g->SH) * c->Wp * g->C;
      b_off[s] = row * g->OW * COp;
    }
    args.nseg = n;
    for (int kh = 0; kh < g->KH; kh++)
      for (int kw = 0; kw < (merged ? 1 : g->KW); kw++) {
        const float *abase = c->xp + ((int64_t)kh * g->DH * c->Wp + (int64_t)kw * g->DW) * g->C;
        float *cbase = acc + ((int64_t)kh * g->KW + kw) * g->C * COp;
        for (int j0 = 0; j0 < COp; j0 += 16) {
          const int NV = COp - j0 > 8 ? 2 : 1, MR = ukernel_mr(NV);
          args.ncols = 8 * NV;
          for (int m0 = 0; m0 < M; m0 += MR) {
            int mr = M - m0 < MR ? M - m0 : MR;
            args.c = cbase + (int64_t)m0 * COp + j0;
            ukernel(mr, NV, abase + m0, c->dyp + j0, &args);
          }
        }
      }
  }
}

typedef struct { const filter_ctx *f; int parts; float *dw; } reduce_ctx;
static void filter_reduce(void *p, int64_t begin, int64_t end, int part) {
  const reduce_ctx *r = (const reduce_ctx *)p;
  const int CO = r->f->g->CO, COp = r->f->COp;
  (void)part;
  for (int64_t i = begin; i < end; i++)
    for (int co = 0; co < CO; co++) {
      float s = 0.f;
      for (int t = 0; t < r->parts; t++) s += r->f->acc[t][i * COp + co];
      r->dw[i * CO + co] = s;
    }
}

int conv2d_backprop_filter(const conv_t *g, const float *x, const float *dy, float *dw) {
  if (dnnl_conv_backward_weights(g, x, dy, dw) == 0) return 0;
  const int COp = round8(g->CO);
  const int64_t pixels = (int64_t)g->B * g->OH * g->OW;
  const float *dyp = dy;
  if (COp != g->CO) {
    float *buf = scratch_floats(SCRATCH_DY, (size_t)(pixels * COp));
    if (!buf) return -1;
    pad_copy(dy, g->B, g->OH, g->OW, g->CO, buf, g->OH, g->OW, COp, 0, 0);
    dyp = buf;
  }
  int64_t Hp, Wp;
  const float *xp = padded_input(g, x, &Hp, &Wp);
  if (!xp) return -1;
  filter_ctx c = {g, xp, Hp, Wp, dyp, COp, {0}};
  const int64_t rows = (int64_t)g->B * g->OH;
  const int64_t wsize = (int64_t)g->KH * g->KW * g->C * COp;
  int64_t flops_per_row = (int64_t)g->OW * wsize;
  const int parts = pool_threads();
  for (int t = 0; t < parts; t++) {
    c.acc[t] = scratch_floats(SCRATCH_THREAD0 + t, (size_t)wsize);
    if (!c.acc[t]) return -1;
    memset(c.acc[t], 0, sizeof(float) * (size_t)wsize);
  }
  // Chunks of whole FILTER_CHUNK_ROWS blocks, and at least ~256 kFLOP each.
  int64_t min_rows = flops_per_row > 0 ? (1 << 18) / flops_per_row + 1 : rows;
  if (min_rows < FILTER_CHUNK_ROWS) min_rows = FILTER_CHUNK_ROWS;
  parallel_for(rows, min_rows, filter_rows, &c);
  reduce_ctx r = {&c, parts, dw};
  parallel_for((int64_t)g->KH * g->KW * g->C, 4096, filter_reduce, &r);
  return 0;
}

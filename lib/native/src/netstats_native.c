// netstats native kernels: GEMM-based convolution, pooling gradients and batched matmul for the
// tfjs kernel pack. Tensors arrive as Float32Array views (into the wasm heap or cpu-backend arrays)
// and are read and written in place; GEMMs run in OpenBLAS (multithreaded), the rest in a small
// pthread pool. Layout is NHWC with filters [kh, kw, ci, co], as in tfjs.
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);

/* ---------------- thread pool: parallel_for over [0, n) split in contiguous ranges ---------------- */
typedef void (*range_fn)(void *ctx, int64_t begin, int64_t end);
#define MAX_THREADS 16
static int pool_threads = 1;
static pthread_t workers[MAX_THREADS];
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static range_fn job_fn;
static void *job_ctx;
static int64_t job_n;
static int job_parts;
static int job_generation;
static int job_pending;
static int workers_started;

static void run_part(int part) {
  int64_t begin = job_n * part / job_parts, end = job_n * (part + 1) / job_parts;
  if (end > begin) job_fn(job_ctx, begin, end);
}

static int worker_first_generation[MAX_THREADS];
static void *worker_main(void *arg) {
  int index = (int)(intptr_t)arg;  // worker i runs part i (part 0 is the caller's)
  int seen = worker_first_generation[index];
  for (;;) {
    pthread_mutex_lock(&pool_mu);
    while (job_generation == seen) pthread_cond_wait(&pool_cv, &pool_mu);
    seen = job_generation;
    int parts = job_parts;
    pthread_mutex_unlock(&pool_mu);
    if (index < parts) run_part(index);
    pthread_mutex_lock(&pool_mu);
    if (--job_pending == 0) pthread_cond_signal(&done_cv);
    pthread_mutex_unlock(&pool_mu);
  }
  return NULL;
}

// Called with pool_mu held, before the next generation is published.
static void ensure_workers(void) {
  for (int i = workers_started + 1; i < pool_threads; i++) {
    worker_first_generation[i] = job_generation;
    pthread_create(&workers[i], NULL, worker_main, (void *)(intptr_t)i);
    pthread_detach(workers[i]);
    workers_started = i;
  }
}

// Runs fn over [0, n); small jobs (below min_per_part items per part) stay on the calling thread.
static void parallel_for(int64_t n, int64_t min_per_part, range_fn fn, void *ctx) {
  int parts = pool_threads;
  if (min_per_part < 1) min_per_part = 1;
  if (n / min_per_part < parts) parts = (int)(n / min_per_part);
  if (parts <= 1) { if (n > 0) fn(ctx, 0, n); return; }
  pthread_mutex_lock(&pool_mu);
  ensure_workers();
  job_fn = fn; job_ctx = ctx; job_n = n; job_parts = parts;
  job_pending = workers_started;  // every started worker acknowledges each generation
  job_generation++;
  pthread_cond_broadcast(&pool_cv);
  pthread_mutex_unlock(&pool_mu);
  run_part(0);
  pthread_mutex_lock(&pool_mu);
  while (job_pending > 0) pthread_cond_wait(&done_cv, &pool_mu);
  pthread_mutex_unlock(&pool_mu);
}

/* ---------------- scratch memory (grow-only, reused across calls) ---------------- */
static float *scratch;
static size_t scratch_len;
static float *scratch_floats(size_t n) {
  if (n > scratch_len) {
    free(scratch);
    scratch = (float *)malloc(n * sizeof(float));
    scratch_len = scratch ? n : 0;
  }
  return scratch;
}

/* ---------------- convolution geometry ---------------- */
typedef struct {
  int B, H, W, C, OH, OW, CO, KH, KW, SH, SW, DH, DW, PT, PL;
} conv_t;

static int is_pointwise(const conv_t *g) {
  return g->KH == 1 && g->KW == 1 && g->SH == 1 && g->SW == 1 && g->PT == 0 && g->PL == 0 &&
         g->OH == g->H && g->OW == g->W;
}

// Rows of the im2col matrix are output pixels (b, oh, ow); columns are (kh, kw, c).
typedef struct { const conv_t *g; const float *x; float *cols; int64_t row0; } im2col_ctx;
static void im2col_range(void *p, int64_t begin, int64_t end) {
  im2col_ctx *c = (im2col_ctx *)p;
  const conv_t *g = c->g;
  const int64_t K = (int64_t)g->KH * g->KW * g->C;
  for (int64_t r = begin; r < end; r++) {
    int64_t row = c->row0 + r;
    int ow = (int)(row % g->OW); int64_t t = row / g->OW;
    int oh = (int)(t % g->OH); int b = (int)(t / g->OH);
    float *dst = c->cols + r * K;
    for (int kh = 0; kh < g->KH; kh++) {
      int ih = oh * g->SH - g->PT + kh * g->DH;
      for (int kw = 0; kw < g->KW; kw++) {
        int iw = ow * g->SW - g->PL + kw * g->DW;
        float *d = dst + ((int64_t)kh * g->KW + kw) * g->C;
        if (ih < 0 || ih >= g->H || iw < 0 || iw >= g->W) memset(d, 0, sizeof(float) * g->C);
        else memcpy(d, c->x + (((int64_t)b * g->H + ih) * g->W + iw) * g->C, sizeof(float) * g->C);
      }
    }
  }
}

// col2im accumulation, parallel over images so that no two threads write the same pixel.
typedef struct { const conv_t *g; const float *cols; float *dx; int64_t row0, rows; } col2im_ctx;
static void col2im_range(void *p, int64_t begin, int64_t end) {
  col2im_ctx *c = (col2im_ctx *)p;
  const conv_t *g = c->g;
  const int64_t K = (int64_t)g->KH * g->KW * g->C, per_img = (int64_t)g->OH * g->OW;
  int64_t first_img = c->row0 / per_img;
  for (int64_t img = first_img + begin; img < first_img + end; img++) {
    int64_t r0 = img * per_img, r1 = r0 + per_img;
    if (r0 < c->row0) r0 = c->row0;
    if (r1 > c->row0 + c->rows) r1 = c->row0 + c->rows;
    for (int64_t row = r0; row < r1; row++) {
      int ow = (int)(row % g->OW); int oh = (int)((row / g->OW) % g->OH);
      const float *src = c->cols + (row - c->row0) * K;
      for (int kh = 0; kh < g->KH; kh++) {
        int ih = oh * g->SH - g->PT + kh * g->DH;
        if (ih < 0 || ih >= g->H) continue;
        for (int kw = 0; kw < g->KW; kw++) {
          int iw = ow * g->SW - g->PL + kw * g->DW;
          if (iw < 0 || iw >= g->W) continue;
          const float *s = src + ((int64_t)kh * g->KW + kw) * g->C;
          float *d = c->dx + ((img * g->H + ih) * g->W + iw) * g->C;
          for (int ch = 0; ch < g->C; ch++) d[ch] += s[ch];
        }
      }
    }
  }
}

// Rows per chunk: whole images, about 4M floats of im2col buffer.
static int64_t chunk_rows(const conv_t *g) {
  int64_t K = (int64_t)g->KH * g->KW * g->C, per_img = (int64_t)g->OH * g->OW;
  int64_t imgs = ((int64_t)1 << 22) / (K * per_img);
  if (imgs < 1) imgs = 1;
  if (imgs > g->B) imgs = g->B;
  return imgs * per_img;
}

static void conv2d_forward(const conv_t *g, const float *x, const float *w, float *y) {
  const int64_t N = (int64_t)g->B * g->OH * g->OW, K = (int64_t)g->KH * g->KW * g->C;
  if (is_pointwise(g)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N, g->CO, (int)K, 1.f, x, (int)K, w, g->CO, 0.f, y, g->CO);
    return;
  }
  int64_t chunk = chunk_rows(g);
  float *cols = scratch_floats((size_t)(chunk * K));
  for (int64_t r0 = 0; r0 < N; r0 += chunk) {
    int64_t rows = N - r0 < chunk ? N - r0 : chunk;
    im2col_ctx ic = {g, x, cols, r0};
    parallel_for(rows, 64, im2col_range, &ic);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, g->CO, (int)K, 1.f, cols, (int)K, w, g->CO, 0.f,
                y + r0 * g->CO, g->CO);
  }
}

static void conv2d_backprop_input(const conv_t *g, const float *dy, const float *w, float *dx) {
  const int64_t N = (int64_t)g->B * g->OH * g->OW, K = (int64_t)g->KH * g->KW * g->C;
  if (is_pointwise(g)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N, (int)K, g->CO, 1.f, dy, g->CO, w, g->CO, 0.f, dx, (int)K);
    return;
  }
  memset(dx, 0, sizeof(float) * (size_t)g->B * g->H * g->W * g->C);
  int64_t chunk = chunk_rows(g), per_img = (int64_t)g->OH * g->OW;
  float *cols = scratch_floats((size_t)(chunk * K));
  for (int64_t r0 = 0; r0 < N; r0 += chunk) {
    int64_t rows = N - r0 < chunk ? N - r0 : chunk;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)K, g->CO, 1.f, dy + r0 * g->CO, g->CO, w, g->CO,
                0.f, cols, (int)K);
    col2im_ctx cc = {g, cols, dx, r0, rows};
    parallel_for(rows / per_img, 1, col2im_range, &cc);
  }
}

static void conv2d_backprop_filter(const conv_t *g, const float *x, const float *dy, float *dw) {
  const int64_t N = (int64_t)g->B * g->OH * g->OW, K = (int64_t)g->KH * g->KW * g->C;
  if (is_pointwise(g)) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, g->CO, (int)N, 1.f, x, (int)K, dy, g->CO, 0.f, dw, g->CO);
    return;
  }
  int64_t chunk = chunk_rows(g);
  float *cols = scratch_floats((size_t)(chunk * K));
  for (int64_t r0 = 0; r0 < N; r0 += chunk) {
    int64_t rows = N - r0 < chunk ? N - r0 : chunk;
    im2col_ctx ic = {g, x, cols, r0};
    parallel_for(rows, 64, im2col_range, &ic);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, g->CO, (int)rows, 1.f, cols, (int)K, dy + r0 * g->CO,
                g->CO, r0 == 0 ? 0.f : 1.f, dw, g->CO);
  }
}

/* ---------------- max pool gradient: route dy to the first maximum of each window ---------------- */
typedef struct { const conv_t *g; const float *dy, *x; float *dx; } pool_ctx;
static void max_pool_grad_range(void *p, int64_t begin, int64_t end) {
  pool_ctx *c = (pool_ctx *)p;
  const conv_t *g = c->g;
  for (int64_t b = begin; b < end; b++) {
    const float *xb = c->x + b * g->H * g->W * g->C;
    float *dxb = c->dx + b * g->H * g->W * g->C;
    memset(dxb, 0, sizeof(float) * (size_t)g->H * g->W * g->C);
    for (int oh = 0; oh < g->OH; oh++)
      for (int ow = 0; ow < g->OW; ow++)
        for (int ch = 0; ch < g->C; ch++) {
          float best = -__builtin_inff();
          int64_t at = -1;
          for (int kh = 0; kh < g->KH; kh++) {
            int ih = oh * g->SH - g->PT + kh * g->DH;
            if (ih < 0 || ih >= g->H) continue;
            for (int kw = 0; kw < g->KW; kw++) {
              int iw = ow * g->SW - g->PL + kw * g->DW;
              if (iw < 0 || iw >= g->W) continue;
              int64_t idx = ((int64_t)ih * g->W + iw) * g->C + ch;
              if (at < 0 || xb[idx] > best) { best = xb[idx]; at = idx; }
            }
          }
          if (at >= 0) dxb[at] += c->dy[((b * g->OH + oh) * g->OW + ow) * g->C + ch];
        }
  }
}

/* ---------------- batched matmul with broadcasting by stride ---------------- */
static void batch_matmul(const float *a, const float *b, float *c, int batch, int M, int N, int K, int ta, int tb,
                         int64_t stride_a, int64_t stride_b) {
  int lda = ta ? M : K, ldb = tb ? K : N;
  for (int i = 0; i < batch; i++)
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.f,
                a + i * stride_a, lda, b + i * stride_b, ldb, 0.f, c + (int64_t)i * M * N, N);
}

/* ---------------- N-API glue ---------------- */
#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "netstats_native: " #call " failed"); return NULL; } } while (0)

static int get_f32(napi_env env, napi_value v, float **out, size_t *len, const char *name) {
  napi_typedarray_type type; size_t length; void *data; napi_value ab; size_t off;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &off) != napi_ok || type != napi_float32_array) {
    char msg[160];
    snprintf(msg, sizeof msg, "netstats_native: argument '%s' must be a Float32Array", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  *out = (float *)data; if (len) *len = length;
  return 1;
}
static int get_i32_array(napi_env env, napi_value v, int32_t **out, size_t *len) {
  napi_typedarray_type type; size_t length; void *data; napi_value ab; size_t off;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &off) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, NULL, "netstats_native: geometry must be an Int32Array");
    return 0;
  }
  *out = (int32_t *)data; *len = length;
  return 1;
}
static int get_int(napi_env env, napi_value v, int64_t *out) {
  if (napi_get_value_int64(env, v, out) != napi_ok) { napi_throw_type_error(env, NULL, "netstats_native: expected a number"); return 0; }
  return 1;
}

static int get_conv(napi_env env, napi_value v, conv_t *g) {
  int32_t *p; size_t n;
  if (!get_i32_array(env, v, &p, &n)) return 0;
  if (n != 15) { napi_throw_range_error(env, NULL, "netstats_native: conv geometry must have 15 entries"); return 0; }
  memcpy(g, p, sizeof(conv_t));
  return 1;
}

// conv kernels: (a: Float32Array, b: Float32Array, out: Float32Array, geometry: Int32Array)
typedef void (*conv_kernel)(const conv_t *, const float *, const float *, float *);
static napi_value call_conv(napi_env env, napi_callback_info info, conv_kernel k, int which) {
  size_t argc = 4; napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 4) { napi_throw_error(env, NULL, "netstats_native: conv kernels take (a, b, out, geometry)"); return NULL; }
  float *a, *b, *out; size_t la, lb, lo; conv_t g;
  if (!get_f32(env, argv[0], &a, &la, "a") || !get_f32(env, argv[1], &b, &lb, "b") || !get_f32(env, argv[2], &out, &lo, "out") ||
      !get_conv(env, argv[3], &g)) return NULL;
  size_t xs = (size_t)g.B * g.H * g.W * g.C, ys = (size_t)g.B * g.OH * g.OW * g.CO, ws = (size_t)g.KH * g.KW * g.C * g.CO;
  size_t need_a = which == 0 ? xs : which == 1 ? ys : xs, need_b = which == 0 ? ws : which == 1 ? ws : ys;
  size_t need_o = which == 0 ? ys : which == 1 ? xs : ws;
  if (la < need_a || lb < need_b || lo < need_o) { napi_throw_range_error(env, NULL, "netstats_native: tensor sizes do not match the conv geometry"); return NULL; }
  k(&g, a, b, out);
  return NULL;
}
static napi_value js_conv2d(napi_env env, napi_callback_info info) { return call_conv(env, info, conv2d_forward, 0); }
static napi_value js_conv2d_bpi(napi_env env, napi_callback_info info) { return call_conv(env, info, conv2d_backprop_input, 1); }
static napi_value js_conv2d_bpf(napi_env env, napi_callback_info info) { return call_conv(env, info, conv2d_backprop_filter, 2); }

// maxPoolGrad(dy, x, dx, geometry) with geometry CO == C.
static napi_value js_max_pool_grad(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *dy, *x, *dx; size_t ldy, lx, ldx; conv_t g;
  if (argc != 4 || !get_f32(env, argv[0], &dy, &ldy, "dy") || !get_f32(env, argv[1], &x, &lx, "x") ||
      !get_f32(env, argv[2], &dx, &ldx, "dx") || !get_conv(env, argv[3], &g)) return NULL;
  size_t xs = (size_t)g.B * g.H * g.W * g.C, ys = (size_t)g.B * g.OH * g.OW * g.C;
  if (lx < xs || ldx < xs || ldy < ys) { napi_throw_range_error(env, NULL, "netstats_native: maxPoolGrad sizes do not match"); return NULL; }
  pool_ctx c = {&g, dy, x, dx};
  parallel_for(g.B, 1, max_pool_grad_range, &c);
  return NULL;
}

// batchMatMul(a, b, out, batch, M, N, K, transposeA, transposeB, strideA, strideB)
static napi_value js_batch_matmul(napi_env env, napi_callback_info info) {
  size_t argc = 11; napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 11) { napi_throw_error(env, NULL, "netstats_native: batchMatMul takes 11 arguments"); return NULL; }
  float *a, *b, *c; size_t la, lb, lc; int64_t v[8];
  if (!get_f32(env, argv[0], &a, &la, "a") || !get_f32(env, argv[1], &b, &lb, "b") || !get_f32(env, argv[2], &c, &lc, "out")) return NULL;
  for (int i = 0; i < 8; i++) if (!get_int(env, argv[3 + i], &v[i])) return NULL;
  int64_t batch = v[0], M = v[1], N = v[2], K = v[3];
  if (lc < (size_t)(batch * M * N) || la < (size_t)((batch - 1) * v[6] + M * K) || lb < (size_t)((batch - 1) * v[7] + K * N)) {
    napi_throw_range_error(env, NULL, "netstats_native: batchMatMul sizes do not match"); return NULL;
  }
  batch_matmul(a, b, c, (int)batch, (int)M, (int)N, (int)K, (int)v[4], (int)v[5], v[6], v[7]);
  return NULL;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1]; int64_t n;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !get_int(env, argv[0], &n)) return NULL;
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  openblas_set_num_threads((int)n);
  pthread_mutex_lock(&pool_mu);
  pool_threads = (int)n;
  pthread_mutex_unlock(&pool_mu);
  return NULL;
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, threads, blas;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_int32(env, pool_threads, &threads));
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &blas));
  CHECK(napi_set_named_property(env, obj, "threads", threads));
  CHECK(napi_set_named_property(env, obj, "blas", blas));
  return obj;
}

// sgemm(a, b, c, M, N, K, transposeA, transposeB): plain C = op(A) op(B), for benchmarks.
static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 8; napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *a, *b, *c; size_t la, lb, lc; int64_t v[5];
  if (argc != 8 || !get_f32(env, argv[0], &a, &la, "a") || !get_f32(env, argv[1], &b, &lb, "b") || !get_f32(env, argv[2], &c, &lc, "c")) return NULL;
  for (int i = 0; i < 5; i++) if (!get_int(env, argv[3 + i], &v[i])) return NULL;
  if (la < (size_t)(v[0] * v[2]) || lb < (size_t)(v[2] * v[1]) || lc < (size_t)(v[0] * v[1])) {
    napi_throw_range_error(env, NULL, "netstats_native: sgemm sizes do not match"); return NULL;
  }
  batch_matmul(a, b, c, 1, (int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4], 0, 0);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"conv2d", NULL, js_conv2d, NULL, NULL, NULL, napi_default, NULL},
    {"conv2dBackpropInput", NULL, js_conv2d_bpi, NULL, NULL, NULL, napi_default, NULL},
    {"conv2dBackpropFilter", NULL, js_conv2d_bpf, NULL, NULL, NULL, napi_default, NULL},
    {"maxPoolGrad", NULL, js_max_pool_grad, NULL, NULL, NULL, napi_default, NULL},
    {"batchMatMul", NULL, js_batch_matmul, NULL, NULL, NULL, napi_default, NULL},
    {"sgemm", NULL, js_sgemm, NULL, NULL, NULL, napi_default, NULL},
    {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
    {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

// netstats native kernels for the tfjs kernel pack: direct convolutions and their gradients, batch
// norm in training mode, column sums, max-pool gradient, batched matmul and the fused softmax
// cross-entropy. Tensors arrive as Float32Array views (into the wasm heap or cpu-backend arrays)
// and are read and written in place.
// Layout is NHWC with filters [kh, kw, ci, co], as in tfjs. This file is the N-API glue only.
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "conv.h"
#include "dnnl_conv.h"
#include "eltwise.h"
#include "gemm.h"
#include "loss.h"
#include "norm.h"
#include "optim.h"
#include "pool.h"

extern char *openblas_get_config(void);

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "netstats_native: " #call " failed"); return NULL; } } while (0)

// A typed array of the given type: its data pointer (in place, no copy) and length.
static int get_typed(napi_env env, napi_value v, napi_typedarray_type want, void **out, size_t *len, const char *name, const char *what) {
  napi_typedarray_type type; size_t length; void *data; napi_value ab; size_t off;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &off) != napi_ok || type != want) {
    char msg[160];
    snprintf(msg, sizeof msg, "netstats_native: argument '%s' must be %s", name, what);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  *out = data;
  if (len) *len = length;
  return 1;
}

static int get_f32(napi_env env, napi_value v, float **out, size_t *len, const char *name) {
  void *data;
  if (!get_typed(env, v, napi_float32_array, &data, len, name, "a Float32Array")) return 0;
  *out = (float *)data;
  return 1;
}

static int get_i32(napi_env env, napi_value v, int32_t **out, size_t *len, const char *name) {
  void *data;
  if (!get_typed(env, v, napi_int32_array, &data, len, name, "an Int32Array")) return 0;
  *out = (int32_t *)data;
  return 1;
}

// A Float32Array or null/undefined (then *out = NULL).
static int get_optional_f32(napi_env env, napi_value v, float **out, size_t *len, const char *name) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) == napi_ok && (t == napi_null || t == napi_undefined)) { *out = NULL; *len = 0; return 1; }
  return get_f32(env, v, out, len, name);
}

static int get_int(napi_env env, napi_value v, int64_t *out, const char *name) {
  if (napi_get_value_int64(env, v, out) != napi_ok) {
    char msg[160];
    snprintf(msg, sizeof msg, "netstats_native: argument '%s' must be a number", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static int get_double(napi_env env, napi_value v, double *out, const char *name) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    char msg[160];
    snprintf(msg, sizeof msg, "netstats_native: argument '%s' must be a number", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static int get_conv(napi_env env, napi_value v, conv_t *g) {
  napi_typedarray_type type; size_t length; void *data; napi_value ab; size_t off;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &off) != napi_ok || type != napi_int32_array || length != 15) {
    napi_throw_type_error(env, NULL, "netstats_native: geometry must be an Int32Array of 15 entries");
    return 0;
  }
  memcpy(g, data, sizeof(conv_t));
  const int *p = (const int *)g;
  for (int i = 0; i < 15; i++) {
    if (p[i] < 0 || (i >= 7 && i < 13 && p[i] < 1)) {
      napi_throw_range_error(env, NULL, "netstats_native: invalid conv geometry (negative size, or stride/dilation/kernel < 1)");
      return 0;
    }
  }
  return 1;
}

static int get_args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv, const char *usage) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) {
    char msg[200];
    snprintf(msg, sizeof msg, "netstats_native: expected %s", usage);
    napi_throw_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static napi_value size_error(napi_env env, const char *what) {
  char msg[200];
  snprintf(msg, sizeof msg, "netstats_native: %s: tensor sizes do not match the geometry", what);
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

static napi_value memory_error(napi_env env, const char *what) {
  char msg[200];
  snprintf(msg, sizeof msg, "netstats_native: %s: out of memory for scratch buffers", what);
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static size_t x_size(const conv_t *g) { return (size_t)g->B * g->H * g->W * g->C; }
static size_t y_size(const conv_t *g) { return (size_t)g->B * g->OH * g->OW * g->CO; }
static size_t w_size(const conv_t *g) { return (size_t)g->KH * g->KW * g->C * g->CO; }

// conv2d(x, w, y, geometry, bias | null, relu)
static napi_value js_conv2d(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "conv2d(x, w, y, geometry, bias, relu)")) return NULL;
  float *x, *w, *y, *bias; size_t lx, lw, ly, lb; conv_t g; int64_t relu;
  if (!get_f32(env, argv[0], &x, &lx, "x") || !get_f32(env, argv[1], &w, &lw, "w") || !get_f32(env, argv[2], &y, &ly, "y") ||
      !get_conv(env, argv[3], &g) || !get_optional_f32(env, argv[4], &bias, &lb, "bias") || !get_int(env, argv[5], &relu, "relu")) return NULL;
  if (lx < x_size(&g) || lw < w_size(&g) || ly < y_size(&g) || (bias && lb < (size_t)g.CO)) return size_error(env, "conv2d");
  if (conv2d_forward(&g, x, w, y, bias, relu != 0) != 0) return memory_error(env, "conv2d");
  return NULL;
}

// conv2dBackpropInput(dy, w, dx, geometry)
static napi_value js_conv2d_bpi(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, "conv2dBackpropInput(dy, w, dx, geometry)")) return NULL;
  float *dy, *w, *dx; size_t ldy, lw, ldx; conv_t g;
  if (!get_f32(env, argv[0], &dy, &ldy, "dy") || !get_f32(env, argv[1], &w, &lw, "w") || !get_f32(env, argv[2], &dx, &ldx, "dx") ||
      !get_conv(env, argv[3], &g)) return NULL;
  if (ldy < y_size(&g) || lw < w_size(&g) || ldx < x_size(&g)) return size_error(env, "conv2dBackpropInput");
  if (conv2d_backprop_input(&g, dy, w, dx) != 0) return memory_error(env, "conv2dBackpropInput");
  return NULL;
}

// conv2dBackpropFilter(x, dy, dw, geometry)
static napi_value js_conv2d_bpf(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, "conv2dBackpropFilter(x, dy, dw, geometry)")) return NULL;
  float *x, *dy, *dw; size_t lx, ldy, ldw; conv_t g;
  if (!get_f32(env, argv[0], &x, &lx, "x") || !get_f32(env, argv[1], &dy, &ldy, "dy") || !get_f32(env, argv[2], &dw, &ldw, "dw") ||
      !get_conv(env, argv[3], &g)) return NULL;
  if (lx < x_size(&g) || ldy < y_size(&g) || ldw < w_size(&g)) return size_error(env, "conv2dBackpropFilter");
  if (conv2d_backprop_filter(&g, x, dy, dw) != 0) return memory_error(env, "conv2dBackpropFilter");
  return NULL;
}

// maxPoolGrad(dy, x, dx, geometry) with geometry CO == C.
static napi_value js_max_pool_grad(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, "maxPoolGrad(dy, x, dx, geometry)")) return NULL;
  float *dy, *x, *dx; size_t ldy, lx, ldx; conv_t g;
  if (!get_f32(env, argv[0], &dy, &ldy, "dy") || !get_f32(env, argv[1], &x, &lx, "x") || !get_f32(env, argv[2], &dx, &ldx, "dx") ||
      !get_conv(env, argv[3], &g)) return NULL;
  if (g.CO != g.C || lx < x_size(&g) || ldx < x_size(&g) || ldy < y_size(&g)) return size_error(env, "maxPoolGrad");
  max_pool_grad(&g, dy, x, dx);
  return NULL;
}

// maxPool(x, y, geometry) with geometry CO == C.
static napi_value js_max_pool(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "maxPool(x, y, geometry)")) return NULL;
  float *x, *y; size_t lx, ly; conv_t g;
  if (!get_f32(env, argv[0], &x, &lx, "x") || !get_f32(env, argv[1], &y, &ly, "y") || !get_conv(env, argv[2], &g)) return NULL;
  if (g.CO != g.C || lx < x_size(&g) || ly < y_size(&g)) return size_error(env, "maxPool");
  max_pool(&g, x, y);
  return NULL;
}

// batchMatMul(a, b, out, batch, M, N, K, transposeA, transposeB, strideA, strideB)
static napi_value js_batch_matmul(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!get_args(env, info, 11, argv, "batchMatMul(a, b, out, batch, M, N, K, transposeA, transposeB, strideA, strideB)")) return NULL;
  float *a, *b, *c; size_t la, lb, lc; int64_t v[8];
  static const char *names[8] = {"batch", "M", "N", "K", "transposeA", "transposeB", "strideA", "strideB"};
  if (!get_f32(env, argv[0], &a, &la, "a") || !get_f32(env, argv[1], &b, &lb, "b") || !get_f32(env, argv[2], &c, &lc, "out")) return NULL;
  for (int i = 0; i < 8; i++) if (!get_int(env, argv[3 + i], &v[i], names[i])) return NULL;
  int64_t batch = v[0], M = v[1], N = v[2], K = v[3];
  if (batch < 0 || M < 0 || N < 0 || K < 0 || v[6] < 0 || v[7] < 0) return size_error(env, "batchMatMul");
  if (batch > 0 && (lc < (size_t)(batch * M * N) || la < (size_t)((batch - 1) * v[6] + M * K) || lb < (size_t)((batch - 1) * v[7] + K * N))) {
    return size_error(env, "batchMatMul");
  }
  batch_matmul(a, b, c, (int)batch, (int)M, (int)N, (int)K, (int)v[4], (int)v[5], v[6], v[7]);
  return NULL;
}

// sgemm(a, b, c, M, N, K, transposeA, transposeB): plain C = op(A) op(B), for benchmarks.
static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!get_args(env, info, 8, argv, "sgemm(a, b, c, M, N, K, transposeA, transposeB)")) return NULL;
  float *a, *b, *c; size_t la, lb, lc; int64_t v[5];
  static const char *names[5] = {"M", "N", "K", "transposeA", "transposeB"};
  if (!get_f32(env, argv[0], &a, &la, "a") || !get_f32(env, argv[1], &b, &lb, "b") || !get_f32(env, argv[2], &c, &lc, "c")) return NULL;
  for (int i = 0; i < 5; i++) if (!get_int(env, argv[3 + i], &v[i], names[i])) return NULL;
  if (v[0] < 0 || v[1] < 0 || v[2] < 0 || la < (size_t)(v[0] * v[2]) || lb < (size_t)(v[2] * v[1]) || lc < (size_t)(v[0] * v[1])) {
    return size_error(env, "sgemm");
  }
  batch_matmul(a, b, c, 1, (int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4], 0, 0);
  return NULL;
}

// batchNormTrain(x, gamma | null, beta | null, y, mean, variance, rows, channels, epsilon)
static napi_value js_batch_norm_train(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv, "batchNormTrain(x, gamma, beta, y, mean, variance, rows, channels, epsilon)")) return NULL;
  float *x, *gamma, *beta, *y, *mean, *var; size_t lx, lg, lb, ly, lm, lv; int64_t rows, ch; double eps;
  if (!get_f32(env, argv[0], &x, &lx, "x") || !get_optional_f32(env, argv[1], &gamma, &lg, "gamma") ||
      !get_optional_f32(env, argv[2], &beta, &lb, "beta") || !get_f32(env, argv[3], &y, &ly, "y") ||
      !get_f32(env, argv[4], &mean, &lm, "mean") || !get_f32(env, argv[5], &var, &lv, "variance") ||
      !get_int(env, argv[6], &rows, "rows") || !get_int(env, argv[7], &ch, "channels") || !get_double(env, argv[8], &eps, "epsilon")) return NULL;
  size_t n = (size_t)(rows * ch);
  if (rows < 0 || ch < 0 || lx < n || ly < n || lm < (size_t)ch || lv < (size_t)ch || (gamma && lg < (size_t)ch) || (beta && lb < (size_t)ch)) {
    return size_error(env, "batchNormTrain");
  }
  if (batch_norm_train(x, gamma, beta, y, mean, var, rows, ch, (float)eps) != 0) return memory_error(env, "batchNormTrain");
  return NULL;
}

// batchNormTrainGrad(x, dy, mean, variance, gamma | null, dx, dgamma, dbeta, rows, channels, epsilon)
static napi_value js_batch_norm_train_grad(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!get_args(env, info, 11, argv, "batchNormTrainGrad(x, dy, mean, variance, gamma, dx, dgamma, dbeta, rows, channels, epsilon)")) return NULL;
  float *x, *dy, *mean, *var, *gamma, *dx, *dg, *db; size_t lx, ldy, lm, lv, lg, ldx, ldg, ldb; int64_t rows, ch; double eps;
  if (!get_f32(env, argv[0], &x, &lx, "x") || !get_f32(env, argv[1], &dy, &ldy, "dy") || !get_f32(env, argv[2], &mean, &lm, "mean") ||
      !get_f32(env, argv[3], &var, &lv, "variance") || !get_optional_f32(env, argv[4], &gamma, &lg, "gamma") ||
      !get_f32(env, argv[5], &dx, &ldx, "dx") || !get_f32(env, argv[6], &dg, &ldg, "dgamma") || !get_f32(env, argv[7], &db, &ldb, "dbeta") ||
      !get_int(env, argv[8], &rows, "rows") || !get_int(env, argv[9], &ch, "channels") || !get_double(env, argv[10], &eps, "epsilon")) return NULL;
  size_t n = (size_t)(rows * ch), c = (size_t)ch;
  if (rows < 0 || ch < 0 || lx < n || ldy < n || ldx < n || lm < c || lv < c || ldg < c || ldb < c || (gamma && lg < c)) {
    return size_error(env, "batchNormTrainGrad");
  }
  if (batch_norm_train_grad(x, dy, mean, var, gamma, dx, dg, db, rows, ch, (float)eps) != 0) return memory_error(env, "batchNormTrainGrad");
  return NULL;
}

// columnSums(x, out, rows, cols): out[c] = sum_r x[r, c]
static napi_value js_column_sums(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, "columnSums(x, out, rows, cols)")) return NULL;
  float *x, *out; size_t lx, lo; int64_t rows, cols;
  if (!get_f32(env, argv[0], &x, &lx, "x") || !get_f32(env, argv[1], &out, &lo, "out") || !get_int(env, argv[2], &rows, "rows") ||
      !get_int(env, argv[3], &cols, "cols")) return NULL;
  if (rows < 0 || cols < 0 || lx < (size_t)(rows * cols) || lo < (size_t)cols) return size_error(env, "columnSums");
  if (column_sums(x, out, rows, cols) != 0) return memory_error(env, "columnSums");
  return NULL;
}

// biasActGrad(dy, y, dz, db, rows, cols, relu): dz = relu ? dy * step(y) : dy; db[c] = sum_r dz[r, c]
static napi_value js_bias_act_grad(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "biasActGrad(dy, y, dz, db, rows, cols, relu)")) return NULL;
  float *dy, *y, *dz, *db; size_t ldy, ly, ldz, ldb; int64_t rows, cols, relu;
  if (!get_f32(env, argv[0], &dy, &ldy, "dy") || !get_f32(env, argv[1], &y, &ly, "y") || !get_f32(env, argv[2], &dz, &ldz, "dz") ||
      !get_f32(env, argv[3], &db, &ldb, "db") || !get_int(env, argv[4], &rows, "rows") || !get_int(env, argv[5], &cols, "cols") ||
      !get_int(env, argv[6], &relu, "relu")) return NULL;
  size_t n = (size_t)(rows * cols);
  if (rows < 0 || cols < 0 || ldy < n || ly < n || ldz < n || ldb < (size_t)cols) return size_error(env, "biasActGrad");
  if (bias_act_grad(dy, y, dz, db, rows, cols, relu != 0) != 0) return memory_error(env, "biasActGrad");
  return NULL;
}

static napi_value row_result(napi_env env, int64_t row) {
  napi_value out;
  CHECK(napi_create_int64(env, row, &out));
  return out;
}

// softmaxXent(logits, labels, probs, loss, correct, n, c) -> -1, or the first row with an invalid label
static napi_value js_softmax_xent(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "softmaxXent(logits, labels, probs, loss, correct, n, c)")) return NULL;
  float *z, *p, *loss, *correct; int32_t *labels; size_t lz, ll, lp, lloss, lc; int64_t n, c;
  if (!get_f32(env, argv[0], &z, &lz, "logits") || !get_i32(env, argv[1], &labels, &ll, "labels") ||
      !get_f32(env, argv[2], &p, &lp, "probs") || !get_f32(env, argv[3], &loss, &lloss, "loss") ||
      !get_f32(env, argv[4], &correct, &lc, "correct") || !get_int(env, argv[5], &n, "n") || !get_int(env, argv[6], &c, "c")) return NULL;
  if (n < 0 || c < 1 || lz < (size_t)(n * c) || lp < (size_t)(n * c) || ll < (size_t)n || lloss < 1 || lc < 1) return size_error(env, "softmaxXent");
  return row_result(env, softmax_xent(z, labels, n, c, p, loss, correct));
}

// softmaxXentGrad(probs, labels, dlogits, scale, n, c) -> -1, or the first row with an invalid label
static napi_value js_softmax_xent_grad(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "softmaxXentGrad(probs, labels, dlogits, scale, n, c)")) return NULL;
  float *p, *d; int32_t *labels; size_t lp, ll, ld; double scale; int64_t n, c;
  if (!get_f32(env, argv[0], &p, &lp, "probs") || !get_i32(env, argv[1], &labels, &ll, "labels") ||
      !get_f32(env, argv[2], &d, &ld, "dlogits") || !get_double(env, argv[3], &scale, "scale") ||
      !get_int(env, argv[4], &n, "n") || !get_int(env, argv[5], &c, "c")) return NULL;
  if (n < 0 || c < 1 || lp < (size_t)(n * c) || ld < (size_t)(n * c) || ll < (size_t)n) return size_error(env, "softmaxXentGrad");
  return row_result(env, softmax_xent_grad(p, labels, n, c, scale, d));
}

// biasAct(y, bias | null, rows, cols, relu): in place, y = act(y + bias)
static napi_value js_bias_act(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "biasAct(y, bias, rows, cols, relu)")) return NULL;
  float *y, *bias; size_t ly, lb = 0; int64_t rows, cols, relu;
  if (!get_f32(env, argv[0], &y, &ly, "y") || !get_optional_f32(env, argv[1], &bias, &lb, "bias") ||
      !get_int(env, argv[2], &rows, "rows") || !get_int(env, argv[3], &cols, "cols") || !get_int(env, argv[4], &relu, "relu")) return NULL;
  if (rows < 0 || cols < 0 || ly < (size_t)(rows * cols) || (bias && lb < (size_t)cols)) return size_error(env, "biasAct");
  bias_act(y, bias, rows, cols, relu != 0);
  return NULL;
}

// binary(op, a, b, out, na, nb, n): out[i] = a[i % na] op b[i % nb]; op 0 add, 1 sub, 2 mul, 3 dy*step(x)
static napi_value js_binary(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "binary(op, a, b, out, na, nb, n)")) return NULL;
  float *a, *b, *out; size_t la, lb, lo; int64_t op, na, nb, n;
  if (!get_int(env, argv[0], &op, "op") || !get_f32(env, argv[1], &a, &la, "a") || !get_f32(env, argv[2], &b, &lb, "b") ||
      !get_f32(env, argv[3], &out, &lo, "out") || !get_int(env, argv[4], &na, "na") || !get_int(env, argv[5], &nb, "nb") ||
      !get_int(env, argv[6], &n, "n")) return NULL;
  if (op < 0 || op > 3) { napi_throw_range_error(env, NULL, "netstats_native: binary op must be 0..3"); return NULL; }
  if (n < 0 || na < 1 || nb < 1 || (n > 0 && (n % na != 0 || n % nb != 0)) || la < (size_t)na || lb < (size_t)nb || lo < (size_t)n) {
    return size_error(env, "binary");
  }
  eltwise_binary((int)op, a, na, b, nb, out, n);
  return NULL;
}

// relu(x, out, n)
static napi_value js_relu(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "relu(x, out, n)")) return NULL;
  float *x, *out; size_t lx, lo; int64_t n;
  if (!get_f32(env, argv[0], &x, &lx, "x") || !get_f32(env, argv[1], &out, &lo, "out") || !get_int(env, argv[2], &n, "n")) return NULL;
  if (n < 0 || lx < (size_t)n || lo < (size_t)n) return size_error(env, "relu");
  eltwise_relu(x, out, n);
  return NULL;
}

// leakyRelu(x, out, n, alpha)
static napi_value js_leaky_relu(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, "leakyRelu(x, out, n, alpha)")) return NULL;
  float *x, *out; size_t lx, lo; int64_t n; double alpha;
  if (!get_f32(env, argv[0], &x, &lx, "x") || !get_f32(env, argv[1], &out, &lo, "out") || !get_int(env, argv[2], &n, "n") ||
      !get_double(env, argv[3], &alpha, "alpha")) return NULL;
  if (n < 0 || lx < (size_t)n || lo < (size_t)n) return size_error(env, "leakyRelu");
  eltwise_leaky_relu(x, out, n, (float)alpha);
  return NULL;
}

// leakyReluGrad(dy, x, dx, n, alpha)
static napi_value js_leaky_relu_grad(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "leakyReluGrad(dy, x, dx, n, alpha)")) return NULL;
  float *dy, *x, *dx; size_t ldy, lx, ldx; int64_t n; double alpha;
  if (!get_f32(env, argv[0], &dy, &ldy, "dy") || !get_f32(env, argv[1], &x, &lx, "x") || !get_f32(env, argv[2], &dx, &ldx, "dx") ||
      !get_int(env, argv[3], &n, "n") || !get_double(env, argv[4], &alpha, "alpha")) return NULL;
  if (n < 0 || ldy < (size_t)n || lx < (size_t)n || ldx < (size_t)n) return size_error(env, "leakyReluGrad");
  eltwise_leaky_relu_grad(dy, x, dx, n, (float)alpha);
  return NULL;
}

// channelAffine(x, mean, inv, offset, y, rows, cols): y[r, c] = (x[r, c] - mean[c]) * inv[c] + offset[c]
static napi_value js_channel_affine(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "channelAffine(x, mean, inv, offset, y, rows, cols)")) return NULL;
  float *x, *mean, *inv, *offset, *y; size_t lx, lm, li, lo, ly; int64_t rows, cols;
  if (!get_f32(env, argv[0], &x, &lx, "x") || !get_f32(env, argv[1], &mean, &lm, "mean") || !get_f32(env, argv[2], &inv, &li, "inv") ||
      !get_f32(env, argv[3], &offset, &lo, "offset") || !get_f32(env, argv[4], &y, &ly, "y") ||
      !get_int(env, argv[5], &rows, "rows") || !get_int(env, argv[6], &cols, "cols")) return NULL;
  if (rows < 0 || cols < 1 || lx < (size_t)(rows * cols) || ly < (size_t)(rows * cols) || lm < (size_t)cols || li < (size_t)cols ||
      lo < (size_t)cols) return size_error(env, "channelAffine");
  channel_affine(x, mean, inv, offset, y, rows, cols);
  return NULL;
}

// sgdUpdate(p, g, buf | null, mask | null, outP, outBuf | null, lr, momentum, oneMinusDampening, nesterov, weightDecay)
static napi_value js_sgd_update(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!get_args(env, info, 11, argv, "sgdUpdate(p, g, buf, mask, outP, outBuf, lr, momentum, oneMinusDampening, nesterov, weightDecay)")) return NULL;
  float *p, *g, *buf, *mask, *op, *ob; size_t lp, lg, lb, lm, lop, lob; double v[5];
  static const char *names[5] = {"lr", "momentum", "oneMinusDampening", "nesterov", "weightDecay"};
  if (!get_f32(env, argv[0], &p, &lp, "p") || !get_f32(env, argv[1], &g, &lg, "g") || !get_optional_f32(env, argv[2], &buf, &lb, "buf") ||
      !get_optional_f32(env, argv[3], &mask, &lm, "mask") || !get_f32(env, argv[4], &op, &lop, "outP") ||
      !get_optional_f32(env, argv[5], &ob, &lob, "outBuf")) return NULL;
  for (int i = 0; i < 5; i++) if (!get_double(env, argv[6 + i], &v[i], names[i])) return NULL;
  if (lg != lp || lop != lp || (buf && lb != lp) || (mask && lm != lp) || (ob && lob != lp) || (buf && !ob)) return size_error(env, "sgdUpdate");
  sgd_update((int64_t)lp, p, g, buf, mask, op, ob, (float)v[0], (float)v[1], (float)v[2], v[3] != 0, (float)v[4]);
  return NULL;
}

// adamUpdate(p, g, m, v, mask | null, outP, outM, outV, lrOverBc1, beta1, oneMinusBeta1, beta2, oneMinusBeta2, sqrtBc2, eps, weightDecay)
static napi_value js_adam_update(napi_env env, napi_callback_info info) {
  napi_value argv[16];
  if (!get_args(env, info, 16, argv, "adamUpdate(p, g, m, v, mask, outP, outM, outV, lrOverBc1, beta1, oneMinusBeta1, beta2, oneMinusBeta2, sqrtBc2, eps, weightDecay)")) return NULL;
  float *p, *g, *m, *v, *mask, *op, *om, *ov; size_t lp, lg, lm, lv, lk, lop, lom, lov; double s[8];
  static const char *names[8] = {"lrOverBc1", "beta1", "oneMinusBeta1", "beta2", "oneMinusBeta2", "sqrtBc2", "eps", "weightDecay"};
  if (!get_f32(env, argv[0], &p, &lp, "p") || !get_f32(env, argv[1], &g, &lg, "g") || !get_f32(env, argv[2], &m, &lm, "m") ||
      !get_f32(env, argv[3], &v, &lv, "v") || !get_optional_f32(env, argv[4], &mask, &lk, "mask") || !get_f32(env, argv[5], &op, &lop, "outP") ||
      !get_f32(env, argv[6], &om, &lom, "outM") || !get_f32(env, argv[7], &ov, &lov, "outV")) return NULL;
  for (int i = 0; i < 8; i++) if (!get_double(env, argv[8 + i], &s[i], names[i])) return NULL;
  if (lg != lp || lm != lp || lv != lp || lop != lp || lom != lp || lov != lp || (mask && lk != lp)) return size_error(env, "adamUpdate");
  adam_update((int64_t)lp, p, g, m, v, mask, op, om, ov, (float)s[0], (float)s[1], (float)s[2], (float)s[3], (float)s[4], (float)s[5], (float)s[6], (float)s[7]);
  return NULL;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  napi_value argv[1]; int64_t n;
  if (!get_args(env, info, 1, argv, "setThreads(n)") || !get_int(env, argv[0], &n, "n")) return NULL;
  pool_set_threads(n < 1 ? 1 : n > POOL_MAX_THREADS ? POOL_MAX_THREADS : (int)n);
  dnnl_conv_set_threads(pool_threads());
  return NULL;
}

static napi_value string_or_null(napi_env env, const char *s) {
  napi_value out;
  if (s == NULL) { CHECK(napi_get_null(env, &out)); } else { CHECK(napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out)); }
  return out;
}

static napi_value int64_array(napi_env env, const int64_t *v, int n) {
  napi_value arr, item;
  CHECK(napi_create_array_with_length(env, (size_t)n, &arr));
  for (int i = 0; i < n; i++) {
    CHECK(napi_create_int64(env, v[i], &item));
    CHECK(napi_set_element(env, arr, (uint32_t)i, item));
  }
  return arr;
}

// onednn() -> { version, enabled, forward, backwardData, backwardWeights, computed[3], fellBack[3], scratchpadOverruns }:
// which path the convolutions took (oneDNN's implementation names of the latest calls, and call counts since the last
// reset, including the calls whose oneDNN kernel wrote past its scratchpad and were redone by the C kernels).
static napi_value js_onednn(napi_env env, napi_callback_info info) {
  (void)info;
  int64_t computed[DNNL_CONV_KINDS], fell_back[DNNL_CONV_KINDS];
  dnnl_conv_counts(computed, fell_back);
  napi_value obj, enabled, overruns;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_get_boolean(env, dnnl_conv_version() != NULL && dnnl_conv_enabled(), &enabled));
  CHECK(napi_create_int64(env, dnnl_conv_scratchpad_overruns(), &overruns));
  napi_value fields[6] = {
    string_or_null(env, dnnl_conv_version()), string_or_null(env, dnnl_conv_last_impl(DNNL_CONV_FORWARD)),
    string_or_null(env, dnnl_conv_last_impl(DNNL_CONV_BACKWARD_DATA)), string_or_null(env, dnnl_conv_last_impl(DNNL_CONV_BACKWARD_WEIGHTS)),
    int64_array(env, computed, DNNL_CONV_KINDS), int64_array(env, fell_back, DNNL_CONV_KINDS),
  };
  static const char *names[6] = {"version", "forward", "backwardData", "backwardWeights", "computed", "fellBack"};
  for (int i = 0; i < 6; i++) {
    if (fields[i] == NULL) return NULL;
    CHECK(napi_set_named_property(env, obj, names[i], fields[i]));
  }
  CHECK(napi_set_named_property(env, obj, "enabled", enabled));
  CHECK(napi_set_named_property(env, obj, "scratchpadOverruns", overruns));
  return obj;
}

// setOnednn(on): switches the oneDNN convolutions on/off (when built with oneDNN) and resets the call counts.
static napi_value js_set_onednn(napi_env env, napi_callback_info info) {
  napi_value argv[1]; int64_t on;
  if (!get_args(env, info, 1, argv, "setOnednn(on)") || !get_int(env, argv[0], &on, "on")) return NULL;
  dnnl_conv_set_enabled(on != 0);
  dnnl_conv_reset_counts();
  return NULL;
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, threads, blas;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_int32(env, pool_threads(), &threads));
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &blas));
  CHECK(napi_set_named_property(env, obj, "threads", threads));
  CHECK(napi_set_named_property(env, obj, "blas", blas));
  return obj;
}

static napi_value init(napi_env env, napi_value exports) {
  gemm_init();
  napi_property_descriptor props[] = {
    {"conv2d", NULL, js_conv2d, NULL, NULL, NULL, napi_default, NULL},
    {"conv2dBackpropInput", NULL, js_conv2d_bpi, NULL, NULL, NULL, napi_default, NULL},
    {"conv2dBackpropFilter", NULL, js_conv2d_bpf, NULL, NULL, NULL, napi_default, NULL},
    {"maxPool", NULL, js_max_pool, NULL, NULL, NULL, napi_default, NULL},
    {"maxPoolGrad", NULL, js_max_pool_grad, NULL, NULL, NULL, napi_default, NULL},
    {"batchMatMul", NULL, js_batch_matmul, NULL, NULL, NULL, napi_default, NULL},
    {"sgemm", NULL, js_sgemm, NULL, NULL, NULL, napi_default, NULL},
    {"batchNormTrain", NULL, js_batch_norm_train, NULL, NULL, NULL, napi_default, NULL},
    {"batchNormTrainGrad", NULL, js_batch_norm_train_grad, NULL, NULL, NULL, napi_default, NULL},
    {"columnSums", NULL, js_column_sums, NULL, NULL, NULL, napi_default, NULL},
    {"binary", NULL, js_binary, NULL, NULL, NULL, napi_default, NULL},
    {"biasActGrad", NULL, js_bias_act_grad, NULL, NULL, NULL, napi_default, NULL},
    {"biasAct", NULL, js_bias_act, NULL, NULL, NULL, napi_default, NULL},
    {"relu", NULL, js_relu, NULL, NULL, NULL, napi_default, NULL},
    {"leakyRelu", NULL, js_leaky_relu, NULL, NULL, NULL, napi_default, NULL},
    {"leakyReluGrad", NULL, js_leaky_relu_grad, NULL, NULL, NULL, napi_default, NULL},
    {"channelAffine", NULL, js_channel_affine, NULL, NULL, NULL, napi_default, NULL},
    {"softmaxXent", NULL, js_softmax_xent, NULL, NULL, NULL, napi_default, NULL},
    {"softmaxXentGrad", NULL, js_softmax_xent_grad, NULL, NULL, NULL, napi_default, NULL},
    {"sgdUpdate", NULL, js_sgd_update, NULL, NULL, NULL, napi_default, NULL},
    {"adamUpdate", NULL, js_adam_update, NULL, NULL, NULL, napi_default, NULL},
    {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
    {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
    {"onednn", NULL, js_onednn, NULL, NULL, NULL, napi_default, NULL},
    {"setOnednn", NULL, js_set_onednn, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

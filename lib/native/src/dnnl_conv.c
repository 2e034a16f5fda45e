#include "dnnl_conv.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t computed[DNNL_CONV_KINDS], fell_back[DNNL_CONV_KINDS], overruns;

void dnnl_conv_counts(int64_t c[DNNL_CONV_KINDS], int64_t f[DNNL_CONV_KINDS]) {
  memcpy(c, computed, sizeof computed);
  memcpy(f, fell_back, sizeof fell_back);
}

void dnnl_conv_reset_counts(void) {
  memset(computed, 0, sizeof computed);
  memset(fell_back, 0, sizeof fell_back);
  overruns = 0;
}

int64_t dnnl_conv_scratchpad_overruns(void) { return overruns; }

// Counts the outcome of one call; 0 = oneDNN computed it.
static int counted(int kind, int status) {
  if (status == 0) computed[kind]++; else fell_back[kind]++;
  return status;
}

#ifndef NETSTATS_DNNL

int dnnl_conv_forward(const conv_t *g, const float *x, const float *w, float *y, const float *bias, int relu) {
  return counted(DNNL_CONV_FORWARD, 1);
}
int dnnl_conv_backward_data(const conv_t *g, const float *dy, const float *w, float *dx) {
  return counted(DNNL_CONV_BACKWARD_DATA, 1);
}
int dnnl_conv_backward_weights(const conv_t *g, const float *x, const float *dy, float *dw) {
  return counted(DNNL_CONV_BACKWARD_WEIGHTS, 1);
}
const char *dnnl_conv_version(void) { return NULL; }
void dnnl_conv_set_enabled(int on) { (void)on; }
int dnnl_conv_enabled(void) { return 0; }
const char *dnnl_conv_last_impl(int kind) { (void)kind; return NULL; }
void dnnl_conv_set_threads(int n) { (void)n; }

#else

#include <dnnl.h>

// Debian's oneDNN runs its parallel loops on OpenMP (libgomp), whose thread count is set per calling thread.
extern void omp_set_num_threads(int n);

static int enabled = 1;
static dnnl_engine_t engine;
static dnnl_stream_t stream;
static int init_failed;
// Copies: the implementation name belongs to oneDNN's primitive descriptor, which is not kept.
static char last_impl[DNNL_CONV_KINDS][64];

/*
 * Primitive cache. Building a oneDNN primitive (choosing and JIT-compiling a kernel) takes from a fraction of a
 * millisecond to several milliseconds, while a training step calls the same few geometries over and over: each
 * (kind, geometry, bias, relu) keeps its primitive, the weights layout the primitive wants, the reorder between
 * that layout and tfjs's [KH, KW, C, CO], and a buffer for the reordered weights. A model has a few dozen
 * geometries at most; past CACHE_SIZE the least recently used entry is dropped.
 */
#define CACHE_SIZE 64

typedef struct {
  int used;
  uint64_t stamp;
  int kind, bias, relu;
  conv_t g;
  dnnl_primitive_t prim;
  dnnl_memory_desc_t act_in, act_out, user_w, prim_w, bias_md, scratch_md;
  size_t scratch_bytes;
  int overran;                 // wrote past its scratchpad once: this key stays with the C kernels
  dnnl_primitive_t w_reorder;  // tfjs -> primitive layout (forward, backward data); primitive -> tfjs (weights grad)
  float *w_buf;                // weights in the primitive's layout, when it differs from tfjs's
  char impl[64];
} entry_t;

static entry_t cache[CACHE_SIZE];
static uint64_t clock_stamp;

const char *dnnl_conv_version(void) {
  static char text[32];
  const dnnl_version_t *v = dnnl_version();
  snprintf(text, sizeof text, "%d.%d.%d", v->major, v->minor, v->patch);
  return text;
}

void dnnl_conv_set_enabled(int on) { enabled = on != 0; }
int dnnl_conv_enabled(void) { return enabled; }
const char *dnnl_conv_last_impl(int kind) {
  return kind >= 0 && kind < DNNL_CONV_KINDS && last_impl[kind][0] != '\0' ? last_impl[kind] : NULL;
}
void dnnl_conv_set_threads(int n) { omp_set_num_threads(n); }

static int ready(void) {
  if (engine != NULL) return 1;
  if (init_failed) return 0;
  if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success ||
      dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
    init_failed = 1;
    return 0;
  }
  return 1;
}

static void release(entry_t *e) {
  if (e->prim) dnnl_primitive_destroy(e->prim);
  if (e->w_reorder) dnnl_primitive_destroy(e->w_reorder);
  free(e->w_buf);
  memset(e, 0, sizeof *e);
}

static int same_key(const entry_t *e, int kind, const conv_t *g, int bias, int relu) {
  return e->used && e->kind == kind && e->bias == bias && e->relu == relu && memcmp(&e->g, g, sizeof *g) == 0;
}

/* oneDNN's convolution parameters from tfjs's geometry. oneDNN counts dilation from 0 (0 = dense) and wants the
 * right/bottom padding explicitly: what makes the last output's window end inside the padded input (tfjs's 'same'
 * puts the odd padding pixel there; 'valid' may leave input rows unread, then no padding). */
typedef struct { dnnl_dims_t src, wei, dst, strides, dilates, pad_l, pad_r; } conv_dims;

static int conv_dims_of(const conv_t *g, conv_dims *d) {
  if (g->B < 1 || g->C < 1 || g->CO < 1 || g->OH < 1 || g->OW < 1 || g->H < 1 || g->W < 1) return 0;
  int64_t extH = (int64_t)(g->KH - 1) * g->DH + 1, extW = (int64_t)(g->KW - 1) * g->DW + 1;
  int64_t pb = (int64_t)(g->OH - 1) * g->SH + extH - g->H - g->PT, pr = (int64_t)(g->OW - 1) * g->SW + extW - g->W - g->PL;
  if (pb < 0) pb = 0;
  if (pr < 0) pr = 0;
  // the output size oneDNN derives must be tfjs's
  if ((g->H + g->PT + pb - extH) / g->SH + 1 != g->OH || (g->W + g->PL + pr - extW) / g->SW + 1 != g->OW) return 0;
  dnnl_dims_t src = {g->B, g->C, g->H, g->W}, wei = {g->CO, g->C, g->KH, g->KW}, dst = {g->B, g->CO, g->OH, g->OW};
  memcpy(d->src, src, sizeof src);
  memcpy(d->wei, wei, sizeof wei);
  memcpy(d->dst, dst, sizeof dst);
  d->strides[0] = g->SH; d->strides[1] = g->SW;
  d->dilates[0] = g->DH - 1; d->dilates[1] = g->DW - 1;
  d->pad_l[0] = g->PT; d->pad_l[1] = g->PL;
  d->pad_r[0] = pb; d->pad_r[1] = pr;
  return 1;
}

/* Activations in tfjs's NHWC, weights in whatever layout the chosen kernel wants ('any'; the JIT kernels want
 * blocked layouts such as 16 input x 16 output channels, and would otherwise fall back to slower generic code). */
static int forward_desc(const conv_dims *d, int bias, dnnl_convolution_desc_t *desc) {
  dnnl_memory_desc_t src, wei, dst, b;
  if (dnnl_memory_desc_init_by_tag(&src, 4, d->src, dnnl_f32, dnnl_nhwc) != dnnl_success ||
      dnnl_memory_desc_init_by_tag(&wei, 4, d->wei, dnnl_f32, dnnl_format_tag_any) != dnnl_success ||
      dnnl_memory_desc_init_by_tag(&dst, 4, d->dst, dnnl_f32, dnnl_nhwc) != dnnl_success ||
      dnnl_memory_desc_init_by_tag(&b, 1, &d->wei[0], dnnl_f32, dnnl_a) != dnnl_success) return 0;
  return dnnl_dilated_convolution_forward_desc_init(desc, dnnl_forward_training, dnnl_convolution_direct, &src, &wei,
    bias ? &b : NULL, &dst, d->strides, d->dilates, d->pad_l, d->pad_r) == dnnl_success;
}

/* Attributes of every convolution primitive here: the scratchpad is ours (scratchpad_for below), not oneDNN's. */
static dnnl_primitive_attr_t user_scratchpad_attr(void) {
  dnnl_primitive_attr_t attr = NULL;
  if (dnnl_primitive_attr_create(&attr) != dnnl_success) return NULL;
  if (dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) != dnnl_success) {
    dnnl_primitive_attr_destroy(attr);
    return NULL;
  }
  return attr;
}

static dnnl_primitive_desc_t forward_pd(const conv_dims *d, int bias, int relu) {
  dnnl_convolution_desc_t desc;
  if (!forward_desc(d, bias, &desc)) return NULL;
  dnnl_primitive_attr_t attr = user_scratchpad_attr();
  dnnl_post_ops_t ops = NULL;
  if (attr == NULL) return NULL;
  if (relu) {
    // ReLU applied to the accumulator after the bias add, in the same pass: relu(z) = z > 0 ? z : 0 * z (NaN stays NaN).
    if (dnnl_post_ops_create(&ops) != dnnl_success || dnnl_post_ops_append_eltwise(ops, 1.f, dnnl_eltwise_relu, 0.f, 0.f) != dnnl_success ||
        dnnl_primitive_attr_set_post_ops(attr, ops) != dnnl_success) {
      if (ops) dnnl_post_ops_destroy(ops);
      dnnl_primitive_attr_destroy(attr);
      return NULL;
    }
  }
  dnnl_primitive_desc_t pd = NULL;
  if (dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL) != dnnl_success) pd = NULL;
  if (ops) dnnl_post_ops_destroy(ops);
  if (attr) dnnl_primitive_attr_destroy(attr);
  return pd;
}

static dnnl_primitive_desc_t backward_data_pd(const conv_dims *d) {
  dnnl_primitive_desc_t hint = forward_pd(d, 0, 0), pd = NULL;
  if (hint == NULL) return NULL;
  dnnl_primitive_attr_t attr = user_scratchpad_attr();
  dnnl_memory_desc_t dsrc, wei, ddst;
  dnnl_convolution_desc_t desc;
  if (attr != NULL && dnnl_memory_desc_init_by_tag(&dsrc, 4, d->src, dnnl_f32, dnnl_nhwc) == dnnl_success &&
      dnnl_memory_desc_init_by_tag(&wei, 4, d->wei, dnnl_f32, dnnl_format_tag_any) == dnnl_success &&
      dnnl_memory_desc_init_by_tag(&ddst, 4, d->dst, dnnl_f32, dnnl_nhwc) == dnnl_success &&
      dnnl_dilated_convolution_backward_data_desc_init(&desc, dnnl_convolution_direct, &dsrc, &wei, &ddst, d->strides, d->dilates,
        d->pad_l, d->pad_r) == dnnl_success &&
      dnnl_primitive_desc_create(&pd, &desc, attr, engine, hint) != dnnl_success) pd = NULL;
  if (attr) dnnl_primitive_attr_destroy(attr);
  dnnl_primitive_desc_destroy(hint);
  return pd;
}

/*
 * oneDNN 2.6's 1x1 backward-weights kernels (jit_1x1: jit_avx512_common_1x1_convolution_bwd_weights_t, and the avx2
 * one) write past their own scratchpad when the kernel is strided and the source is NHWC with fewer input channels
 * than their channel block (16 with AVX-512, 8 with AVX2): for a strided 1x1 kernel they first copy the used input
 * pixels into a workspace ("reduce to unit stride") that they book as pixels x C floats per thread, but address as
 * pixels x 16. ResNet's 1x1 stride-2 shortcut with 11 input channels (notebook 05's equal-budget blocks) overran its
 * 7,936-byte scratchpad; in oneDNN's own scratchpad that corrupted the heap. Such a geometry skips the jit_1x1
 * implementation and takes oneDNN's next one; below a multiple of 16 channels is treated as affected, which is wider
 * than the overrun (C < 16) and costs nothing measurable on these small layers.
 */
static int strided_1x1_with_partial_channel_block(const conv_dims *d) {
  return d->wei[2] == 1 && d->wei[3] == 1 && (d->strides[0] > 1 || d->strides[1] > 1) && d->src[1] % 16 != 0;
}

static int is_jit_1x1(dnnl_primitive_desc_t pd) {
  const char *impl = NULL;
  return dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl != NULL &&
         strncmp(impl, "jit_1x1", 7) == 0;
}

// The bias gradient is not asked for here: the pack computes it together with the ReLU gradient (biasActGrad).
static dnnl_primitive_desc_t backward_weights_pd(const conv_dims *d) {
  dnnl_primitive_desc_t hint = forward_pd(d, 0, 0), pd = NULL;
  if (hint == NULL) return NULL;
  dnnl_primitive_attr_t attr = user_scratchpad_attr();
  dnnl_memory_desc_t src, dwei, ddst;
  dnnl_convolution_desc_t desc;
  dnnl_primitive_desc_iterator_t it = NULL;
  if (attr != NULL && dnnl_memory_desc_init_by_tag(&src, 4, d->src, dnnl_f32, dnnl_nhwc) == dnnl_success &&
      dnnl_memory_desc_init_by_tag(&dwei, 4, d->wei, dnnl_f32, dnnl_format_tag_any) == dnnl_success &&
      dnnl_memory_desc_init_by_tag(&ddst, 4, d->dst, dnnl_f32, dnnl_nhwc) == dnnl_success &&
      dnnl_dilated_convolution_backward_weights_desc_init(&desc, dnnl_convolution_direct, &src, &dwei, NULL, &ddst, d->strides,
        d->dilates, d->pad_l, d->pad_r) == dnnl_success &&
      dnnl_primitive_desc_iterator_create(&it, &desc, attr, engine, hint) == dnnl_success) {
    // implementations in oneDNN's order of preference: the first one, unless it is the overrunning 1x1 kernel
    const int avoid_1x1 = strided_1x1_with_partial_channel_block(d);
    do {
      dnnl_primitive_desc_t candidate = dnnl_primitive_desc_iterator_fetch(it);
      if (candidate == NULL) break;
      if (!(avoid_1x1 && is_jit_1x1(candidate))) { pd = candidate; break; }
      dnnl_primitive_desc_destroy(candidate);
    } while (dnnl_primitive_desc_iterator_next(it) == dnnl_success);
    dnnl_primitive_desc_iterator_destroy(it);
  }
  if (attr) dnnl_primitive_attr_destroy(attr);
  dnnl_primitive_desc_destroy(hint);
  return pd;
}

static int reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to, dnnl_primitive_t *out) {
  dnnl_primitive_desc_t rpd;
  if (dnnl_reorder_primitive_desc_create(&rpd, from, engine, to, engine, NULL) != dnnl_success) return 0;
  int ok = dnnl_primitive_create(out, rpd) == dnnl_success;
  dnnl_primitive_desc_destroy(rpd);
  return ok;
}

static const dnnl_memory_desc_t *query_md(dnnl_primitive_desc_t pd, dnnl_query_t what) {
  return dnnl_primitive_desc_query_md(pd, what, 0);
}

// Fills a fresh cache entry for the key; returns 0 when oneDNN cannot do this convolution.
static int build(entry_t *e, int kind, const conv_t *g, int bias, int relu) {
  conv_dims d;
  if (!conv_dims_of(g, &d)) return 0;
  dnnl_primitive_desc_t pd = kind == DNNL_CONV_FORWARD ? forward_pd(&d, bias, relu)
    : kind == DNNL_CONV_BACKWARD_DATA ? backward_data_pd(&d) : backward_weights_pd(&d);
  if (pd == NULL) return 0;
  const dnnl_query_t in_q = kind == DNNL_CONV_BACKWARD_DATA ? dnnl_query_diff_dst_md : dnnl_query_src_md;
  const dnnl_query_t out_q = kind == DNNL_CONV_FORWARD ? dnnl_query_dst_md : kind == DNNL_CONV_BACKWARD_DATA ? dnnl_query_diff_src_md : dnnl_query_diff_dst_md;
  const dnnl_query_t w_q = kind == DNNL_CONV_BACKWARD_WEIGHTS ? dnnl_query_diff_weights_md : dnnl_query_weights_md;
  e->act_in = *query_md(pd, in_q);
  e->act_out = *query_md(pd, out_q);
  e->prim_w = *query_md(pd, w_q);
  e->scratch_md = *query_md(pd, dnnl_query_scratchpad_md);
  e->scratch_bytes = dnnl_memory_desc_get_size(&e->scratch_md);
  const char *impl = NULL;
  if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success || impl == NULL) impl = "unknown";
  snprintf(e->impl, sizeof e->impl, "%s", impl);
  int ok = dnnl_memory_desc_init_by_tag(&e->user_w, 4, d.wei, dnnl_f32, dnnl_hwio) == dnnl_success &&
           dnnl_memory_desc_init_by_tag(&e->bias_md, 1, &d.wei[0], dnnl_f32, dnnl_a) == dnnl_success &&
           dnnl_primitive_create(&e->prim, pd) == dnnl_success;
  dnnl_primitive_desc_destroy(pd);
  if (ok && !dnnl_memory_desc_equal(&e->user_w, &e->prim_w)) {
    ok = kind == DNNL_CONV_BACKWARD_WEIGHTS ? reorder(&e->prim_w, &e->user_w, &e->w_reorder) : reorder(&e->user_w, &e->prim_w, &e->w_reorder);
    size_t bytes = dnnl_memory_desc_get_size(&e->prim_w);
    if (ok && posix_memalign((void **)&e->w_buf, 64, bytes) != 0) { e->w_buf = NULL; ok = 0; }
  }
  e->used = 1; e->kind = kind; e->g = *g; e->bias = bias; e->relu = relu;
  if (!ok) { release(e); return 0; }
  return 1;
}

static entry_t *lookup(int kind, const conv_t *g, int bias, int relu) {
  entry_t *victim = NULL;  // a free entry, else the least recently used one
  for (int i = 0; i < CACHE_SIZE; i++) {
    entry_t *e = &cache[i];
    if (same_key(e, kind, g, bias, relu)) { e->stamp = ++clock_stamp; return e->overran ? NULL : e; }
    if (victim == NULL || (victim->used && (!e->used || e->stamp < victim->stamp))) victim = e;
  }
  release(victim);
  if (!build(victim, kind, g, bias, relu)) return NULL;
  victim->stamp = ++clock_stamp;
  return victim;
}

/*
 * The primitives' scratchpad, shared by all of them (one call runs at a time), sized from each primitive's scratchpad
 * memory descriptor and followed by a guard band of a known pattern that is checked after every call. A kernel that
 * writes past its scratchpad (as oneDNN 2.6's strided 1x1 backward-weights kernel did, see above) then fails loudly
 * instead of corrupting the heap: the call is counted in dnnl_conv_scratchpad_overruns(), reported on stderr, and its
 * geometry runs on the C kernels from then on. An overrun longer than the guard band would still reach the heap.
 */
#define GUARD_BYTES 65536
#define GUARD_BYTE 0xA5
static unsigned char *scratch;
static size_t scratch_capacity;

static unsigned char *scratchpad_for(size_t bytes) {
  if (bytes + GUARD_BYTES > scratch_capacity) {
    free(scratch);
    scratch_capacity = 0;
    size_t want = ((bytes + GUARD_BYTES) * 3 / 2 + 63) & ~(size_t)63;
    if (posix_memalign((void **)&scratch, 64, want) != 0) { scratch = NULL; return NULL; }
    scratch_capacity = want;
  }
  memset(scratch + bytes, GUARD_BYTE, GUARD_BYTES);
  return scratch;
}

static int guard_intact(size_t bytes) {
  static unsigned char pattern[GUARD_BYTES];
  if (pattern[0] != GUARD_BYTE) memset(pattern, GUARD_BYTE, sizeof pattern);
  return memcmp(scratch + bytes, pattern, GUARD_BYTES) == 0;  // microseconds, against calls of 0.1 ms and more
}

// Memory objects wrap the callers' buffers (no copy); created per call, which costs microseconds.
typedef struct { dnnl_memory_t m[6]; int n; } mems;

static dnnl_memory_t wrap(mems *ms, const dnnl_memory_desc_t *md, const void *data) {
  dnnl_memory_t m = NULL;
  if (dnnl_memory_create(&m, md, engine, (void *)data) != dnnl_success) return NULL;
  ms->m[ms->n++] = m;
  return m;
}

static void unwrap(mems *ms) {
  for (int i = 0; i < ms->n; i++) dnnl_memory_destroy(ms->m[i]);
}

static int run_reorder(dnnl_primitive_t r, dnnl_memory_t from, dnnl_memory_t to) {
  dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
  return dnnl_primitive_execute(r, stream, 2, args) == dnnl_success;
}

/* One convolution call of any kind: `in` is the activation read (x or dy), `w` the weights read or written (dw),
 * `out` the activation written (y or dx; for weights grads dy, read). */
static int execute(int kind, const conv_t *g, const float *in, const float *w, const float *out, const float *bias, int relu) {
  if (!enabled || !ready()) return 1;
  entry_t *e = lookup(kind, g, bias != NULL, relu);
  if (e == NULL) return 1;
  mems ms = {{0}, 0};
  dnnl_memory_t m_in = wrap(&ms, &e->act_in, in), m_out = wrap(&ms, &e->act_out, out);
  dnnl_memory_t m_user_w = wrap(&ms, &e->user_w, w);
  dnnl_memory_t m_w = e->w_reorder ? wrap(&ms, &e->prim_w, e->w_buf) : m_user_w;
  dnnl_memory_t m_b = bias ? wrap(&ms, &e->bias_md, bias) : NULL;
  unsigned char *sp = scratchpad_for(e->scratch_bytes);
  dnnl_memory_t m_s = sp && e->scratch_bytes > 0 ? wrap(&ms, &e->scratch_md, sp) : NULL;
  int ok = m_in && m_out && m_user_w && m_w && (bias == NULL || m_b) && sp && (e->scratch_bytes == 0 || m_s);
  if (ok && e->w_reorder && kind != DNNL_CONV_BACKWARD_WEIGHTS) ok = run_reorder(e->w_reorder, m_user_w, m_w);
  if (ok) {
    dnnl_exec_arg_t args[5];
    int n = 0;
    if (kind == DNNL_CONV_FORWARD) {
      args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, m_in};
      args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, m_w};
      args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST, m_out};
      if (m_b) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, m_b};
    } else if (kind == DNNL_CONV_BACKWARD_DATA) {
      args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, m_in};
      args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, m_w};
      args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SRC, m_out};
    } else {
      args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, m_in};
      args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, m_out};
      args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_WEIGHTS, m_w};
    }
    if (m_s) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, m_s};
    ok = dnnl_primitive_execute(e->prim, stream, n, args) == dnnl_success && dnnl_stream_wait(stream) == dnnl_success;
    if (ok && !guard_intact(e->scratch_bytes)) {
      // the overrun may have reached another thread's part of the scratchpad: the C kernels redo this call
      ok = 0;
      overruns++;
      e->overran = 1;
      fprintf(stderr, "netstats: oneDNN %s (%s) wrote past its %zu-byte scratchpad (C=%d CO=%d %dx%d stride %dx%d %dx%d input); "
        "this geometry now runs on the C kernels\n", e->impl, kind == DNNL_CONV_FORWARD ? "forward" : kind == DNNL_CONV_BACKWARD_DATA ?
        "backward data" : "backward weights", e->scratch_bytes, g->C, g->CO, g->KH, g->KW, g->SH, g->SW, g->H, g->W);
    }
  }
  if (ok && e->w_reorder && kind == DNNL_CONV_BACKWARD_WEIGHTS) ok = run_reorder(e->w_reorder, m_w, m_user_w);
  if (ok) ok = dnnl_stream_wait(stream) == dnnl_success;
  unwrap(&ms);
  if (ok) memcpy(last_impl[kind], e->impl, sizeof e->impl);
  return ok ? 0 : 1;
}

int dnnl_conv_forward(const conv_t *g, const float *x, const float *w, float *y, const float *bias, int relu) {
  return counted(DNNL_CONV_FORWARD, execute(DNNL_CONV_FORWARD, g, x, w, y, bias, relu != 0));
}

int dnnl_conv_backward_data(const conv_t *g, const float *dy, const float *w, float *dx) {
  return counted(DNNL_CONV_BACKWARD_DATA, execute(DNNL_CONV_BACKWARD_DATA, g, dy, w, dx, NULL, 0));
}

int dnnl_conv_backward_weights(const conv_t *g, const float *x, const float *dy, float *dw) {
  return counted(DNNL_CONV_BACKWARD_WEIGHTS, execute(DNNL_CONV_BACKWARD_WEIGHTS, g, x, dw, dy, NULL, 0));
}

#endif

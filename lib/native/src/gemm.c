#include "gemm.h"
#include <cblas.h>
#include "pool.h"

// OpenBLAS runs single-threaded (set in gemm_init); products are split across our own pool, so
// OpenBLAS's threads never compete with the pool's for the cores.
extern void openblas_set_num_threads(int);

void gemm_init(void) { openblas_set_num_threads(1); }

typedef struct {
  int ta, tb, M, N, K, lda, ldb, ldc, split_m;
  const float *a, *b; float *c;
  int batch; int64_t stride_a, stride_b;
  int64_t unit;  // rows_range parts count in units of this many rows/columns
} gemm_ctx;

static void gemm_one(const gemm_ctx *g, const float *a, const float *b, float *c, int64_t begin, int64_t end) {
  if (g->split_m) {
    int m0 = (int)begin, m = (int)(end - begin);
    const float *ap = g->ta ? a + m0 : a + (int64_t)m0 * g->lda;
    cblas_sgemm(CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans, g->tb ? CblasTrans : CblasNoTrans, m, g->N, g->K, 1.f,
                ap, g->lda, b, g->ldb, 0.f, c + (int64_t)m0 * g->ldc, g->ldc);
  } else {
    int n0 = (int)begin, n = (int)(end - begin);
    const float *bp = g->tb ? b + (int64_t)n0 * g->ldb : b + n0;
    cblas_sgemm(CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans, g->tb ? CblasTrans : CblasNoTrans, g->M, n, g->K, 1.f,
                a, g->lda, bp, g->ldb, 0.f, c + n0, g->ldc);
  }
}

// Parts over the batch (whole products).
static void batch_range(void *p, int64_t begin, int64_t end, int part) {
  const gemm_ctx *g = (const gemm_ctx *)p;
  (void)part;
  for (int64_t i = begin; i < end; i++) {
    gemm_ctx one = *g;
    one.split_m = 1;
    gemm_one(&one, g->a + i * g->stride_a, g->b + i * g->stride_b, g->c + i * (int64_t)g->M * g->N, 0, g->M);
  }
}

// Parts over rows (or columns) of every product in turn.
static void rows_range(void *p, int64_t begin, int64_t end, int part) {
  const gemm_ctx *g = (const gemm_ctx *)p;
  (void)part;
  int64_t side = g->split_m ? g->M : g->N;
  begin *= g->unit;
  end = end * g->unit < side ? end * g->unit : side;
  for (int i = 0; i < g->batch; i++)
    gemm_one(g, g->a + i * g->stride_a, g->b + i * g->stride_b, g->c + (int64_t)i * g->M * g->N, begin, end);
}

void batch_matmul(const float *a, const float *b, float *c, int batch, int M, int N, int K, int ta, int tb,
                  int64_t stride_a, int64_t stride_b) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  gemm_ctx g = {ta, tb, M, N, K, ta ? M : K, tb ? K : N, N, 1, a, b, c, batch, stride_a, stride_b, 1};
  if (K <= 0) {
    for (int64_t i = 0; i < (int64_t)batch * M * N; i++) c[i] = 0.f;
    return;
  }
  const double flops = 2.0 * batch * M * N * K;
  const int threads = pool_threads();
  // Below ~8 MFLOP (~0.1 ms on one core) a second thread costs more than it saves during training,
  // when data is cold in cache and the other core may be busy (measured on MLP 784-16-10 steps).
  if (threads <= 1 || flops < 8e6) { rows_range(&g, 0, M, 0); return; }
  if (batch >= 2 * threads || (batch >= threads && batch % threads == 0)) {
    parallel_for(batch, 1, batch_range, &g);
    return;
  }
  // Split the longer side of C in multiples of 16.
  g.split_m = M >= N;
  int64_t side = g.split_m ? M : N, units = (side + 15) / 16;
  if (units < 2) { g.split_m = 1; rows_range(&g, 0, M, 0); return; }
  g.unit = 16;
  parallel_for(units, 1, rows_range, &g);
}

// Batched matrix products on OpenBLAS (single-threaded calls), parallel over our pool.
#ifndef NETSTATS_GEMM_H
#define NETSTATS_GEMM_H
#include <stdint.h>

void gemm_init(void);
// c[i] = op(a[i]) op(b[i]) (row-major, c[i] is M x N) for i < batch; a stride of 0 broadcasts that operand.
void batch_matmul(const float *a, const float *b, float *c, int batch, int M, int N, int K, int ta, int tb,
                  int64_t stride_a, int64_t stride_b);

#endif

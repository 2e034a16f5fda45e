// A small thread pool: parallel_for over [0, n) in contiguous parts, one part per thread.
// Workers spin briefly for the next job (kernels come in quick succession during a training step),
// then sleep on a condition variable so an idle process costs no CPU.
#ifndef NETSTATS_POOL_H
#define NETSTATS_POOL_H
#include <stdint.h>

#define POOL_MAX_THREADS 16

typedef void (*range_fn)(void *ctx, int64_t begin, int64_t end, int part);

void pool_set_threads(int n);
int pool_threads(void);
// Runs fn over [0, n) split into at most pool_threads() parts of at least min_per_part items;
// part is 0..parts-1 (the caller runs part 0). Jobs are not reentrant: fn must not call parallel_for.
void parallel_for(int64_t n, int64_t min_per_part, range_fn fn, void *ctx);
// Like parallel_for with exactly `parts` parts (1 <= parts <= pool_threads()).
void parallel_parts(int64_t n, int parts, range_fn fn, void *ctx);

#endif

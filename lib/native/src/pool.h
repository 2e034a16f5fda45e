// A small thread pool for the kernels: parallel_for over [0, n) in chunks that the calling thread
// and the workers claim dynamically. On a shared, busy machine a descheduled worker then costs
// nothing: whoever runs takes the remaining chunks, and the caller only ever waits for chunks that
// were actually started. Workers spin briefly for the next job (kernels come in quick succession
// during a training step), then sleep on a condition variable so an idle process costs no CPU.
#ifndef NETSTATS_POOL_H
#define NETSTATS_POOL_H
#include <stdint.h>

#define POOL_MAX_THREADS 16

// fn(ctx, begin, end, participant): participant is 0 for the calling thread, 1..threads-1 for workers
// (index per-thread scratch with it; one participant may run several chunks, one after another).
typedef void (*range_fn)(void *ctx, int64_t begin, int64_t end, int participant);

void pool_set_threads(int n);
int pool_threads(void);
// Runs fn over [0, n) in chunks of at least min_chunk items (a single chunk runs inline).
// Jobs are not reentrant: fn must not call parallel_for.
void parallel_for(int64_t n, int64_t min_chunk, range_fn fn, void *ctx);

#endif

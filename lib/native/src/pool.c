#include "pool.h"
#include <pthread.h>
#include <sched.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

// About 20-50 us of spinning before a worker sleeps.
#define SPIN_ITERATIONS 20000

static int n_threads = 1;
static pthread_t workers[POOL_MAX_THREADS];
static int workers_started;  // workers 1..workers_started exist
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int sleeping;  // workers waiting on cv (guarded by mu, read atomically by the publisher)
static int generation;  // bumped for every job
static int pending;  // workers that have not yet finished (or skipped) the current job
static int first_generation[POOL_MAX_THREADS];
static range_fn job_fn;
static void *job_ctx;
static int64_t job_n;
static int job_parts;

static void run_part(int part) {
  int64_t begin = job_n * part / job_parts, end = job_n * (part + 1) / job_parts;
  if (end > begin) job_fn(job_ctx, begin, end, part);
}

static void *worker_main(void *arg) {
  int index = (int)(intptr_t)arg;
  int seen = first_generation[index];  // the generation current when the thread was created
  for (;;) {
    int spins = 0;
    while (__atomic_load_n(&generation, __ATOMIC_SEQ_CST) == seen) {
      if (++spins < SPIN_ITERATIONS) { cpu_relax(); continue; }
      pthread_mutex_lock(&mu);
      __atomic_add_fetch(&sleeping, 1, __ATOMIC_SEQ_CST);
      while (__atomic_load_n(&generation, __ATOMIC_SEQ_CST) == seen) pthread_cond_wait(&cv, &mu);
      __atomic_sub_fetch(&sleeping, 1, __ATOMIC_SEQ_CST);
      pthread_mutex_unlock(&mu);
    }
    seen = __atomic_load_n(&generation, __ATOMIC_SEQ_CST);
    // Every started worker acknowledges every job, so the next job cannot start while one is still reading this one.
    if (index < job_parts) run_part(index);
    __atomic_sub_fetch(&pending, 1, __ATOMIC_SEQ_CST);
  }
  return NULL;
}

void pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > POOL_MAX_THREADS) n = POOL_MAX_THREADS;
  n_threads = n;
  while (workers_started < n_threads - 1) {
    int index = workers_started + 1;
    first_generation[index] = __atomic_load_n(&generation, __ATOMIC_SEQ_CST);
    if (pthread_create(&workers[index], NULL, worker_main, (void *)(intptr_t)index) != 0) {
      n_threads = workers_started + 1;  // run with the threads we could start
      return;
    }
    pthread_detach(workers[index]);
    workers_started = index;
  }
}

int pool_threads(void) { return n_threads; }

void parallel_parts(int64_t n, int parts, range_fn fn, void *ctx) {
  if (parts > n_threads) parts = n_threads;
  if (parts > n) parts = (int)n;
  if (parts <= 1) { if (n > 0) fn(ctx, 0, n, 0); return; }
  job_fn = fn; job_ctx = ctx; job_n = n; job_parts = parts;
  __atomic_store_n(&pending, workers_started, __ATOMIC_SEQ_CST);
  __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&sleeping, __ATOMIC_SEQ_CST) > 0) {
    pthread_mutex_lock(&mu);
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  run_part(0);
  int spins = 0;
  while (__atomic_load_n(&pending, __ATOMIC_SEQ_CST) > 0) {
    // On a busy machine a worker may be descheduled: yield instead of burning our slice.
    if (++spins < SPIN_ITERATIONS) cpu_relax(); else sched_yield();
  }
}

void parallel_for(int64_t n, int64_t min_per_part, range_fn fn, void *ctx) {
  if (min_per_part < 1) min_per_part = 1;
  int64_t parts = n / min_per_part;
  if (parts > n_threads) parts = n_threads;
  parallel_parts(n, parts < 1 ? 1 : (int)parts, fn, ctx);
}

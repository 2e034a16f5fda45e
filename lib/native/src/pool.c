#include "pool.h"
#include <pthread.h>
#include <sched.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#define SPIN_ITERATIONS 20000  // about 20-50 us of spinning before a worker sleeps
#define CHUNKS_PER_THREAD 4

// Jobs alternate between two slots. A worker enters a slot (inside++), then checks that the slot
// and the global generation still name the job it saw; the publisher rewrites a slot only when no
// worker is inside it. Chunks are claimed with an atomic counter; `done` counts finished chunks.
typedef struct {
  int gen;
  range_fn fn;
  void *ctx;
  int64_t n, chunks;
  int64_t next;
  int64_t done;
  int inside;
} job_t;

static job_t slots[2];
static int generation;  // of the latest job (0: none yet)
static int n_threads = 1;
static int workers_started;  // workers 1..workers_started exist
static pthread_t workers[POOL_MAX_THREADS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int sleeping;

static void run_chunks(job_t *j, int participant) {
  for (;;) {
    int64_t c = __atomic_fetch_add(&j->next, 1, __ATOMIC_SEQ_CST);
    if (c >= j->chunks) return;
    int64_t begin = j->n * c / j->chunks, end = j->n * (c + 1) / j->chunks;
    if (end > begin) j->fn(j->ctx, begin, end, participant);
    __atomic_add_fetch(&j->done, 1, __ATOMIC_SEQ_CST);
  }
}

static void *worker_main(void *arg) {
  int participant = (int)(intptr_t)arg;
  int seen = 0;
  for (;;) {
    int spins = 0, g;
    while ((g = __atomic_load_n(&generation, __ATOMIC_SEQ_CST)) == seen) {
      if (++spins < SPIN_ITERATIONS) { cpu_relax(); continue; }
      pthread_mutex_lock(&mu);
      __atomic_add_fetch(&sleeping, 1, __ATOMIC_SEQ_CST);
      while (__atomic_load_n(&generation, __ATOMIC_SEQ_CST) == seen) pthread_cond_wait(&cv, &mu);
      __atomic_sub_fetch(&sleeping, 1, __ATOMIC_SEQ_CST);
      pthread_mutex_unlock(&mu);
      spins = 0;
    }
    seen = g;
    job_t *j = &slots[g & 1];
    __atomic_add_fetch(&j->inside, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&j->gen, __ATOMIC_SEQ_CST) == g && __atomic_load_n(&generation, __ATOMIC_SEQ_CST) == g) {
      run_chunks(j, participant);
    }
    __atomic_sub_fetch(&j->inside, 1, __ATOMIC_SEQ_CST);
  }
  return NULL;
}

void pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > POOL_MAX_THREADS) n = POOL_MAX_THREADS;
  n_threads = n;
  while (workers_started < n_threads - 1) {
    int index = workers_started + 1;
    if (pthread_create(&workers[index], NULL, worker_main, (void *)(intptr_t)index) != 0) {
      n_threads = workers_started + 1;  // run with the threads we could start
      return;
    }
    pthread_detach(workers[index]);
    workers_started = index;
  }
}

int pool_threads(void) { return n_threads; }

void parallel_for(int64_t n, int64_t min_chunk, range_fn fn, void *ctx) {
  if (n <= 0) return;
  if (min_chunk < 1) min_chunk = 1;
  int64_t chunks = n / min_chunk;
  if (chunks > (int64_t)n_threads * CHUNKS_PER_THREAD) chunks = (int64_t)n_threads * CHUNKS_PER_THREAD;
  if (n_threads <= 1 || workers_started == 0 || chunks <= 1) { fn(ctx, 0, n, 0); return; }
  int g = __atomic_load_n(&generation, __ATOMIC_SEQ_CST) + 1;
  job_t *j = &slots[g & 1];
  // Wait for workers still looking at the job this slot held two generations ago (it is finished).
  while (__atomic_load_n(&j->inside, __ATOMIC_SEQ_CST) > 0) cpu_relax();
  j->fn = fn; j->ctx = ctx; j->n = n; j->chunks = chunks;
  __atomic_store_n(&j->next, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&j->done, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&j->gen, g, __ATOMIC_SEQ_CST);
  __atomic_store_n(&generation, g, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&sleeping, __ATOMIC_SEQ_CST) > 0) {
    pthread_mutex_lock(&mu);
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  run_chunks(j, 0);
  int spins = 0;
  while (__atomic_load_n(&j->done, __ATOMIC_SEQ_CST) < chunks) {
    // A worker was descheduled in the middle of a chunk: yield rather than burn our time slice.
    if (++spins < SPIN_ITERATIONS) cpu_relax(); else sched_yield();
  }
}

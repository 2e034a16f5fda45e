// Grow-only scratch buffers, reused across calls (kernels run one at a time, from the JS thread).
#ifndef NETSTATS_SCRATCH_H
#define NETSTATS_SCRATCH_H
#include <stddef.h>

enum {
  SCRATCH_WEIGHTS,
  SCRATCH_PADDED,
  SCRATCH_DY,
  SCRATCH_THREAD0,  // SCRATCH_THREAD0 + t: per-thread buffers
  SCRATCH_SLOTS = SCRATCH_THREAD0 + 16
};

// A buffer of at least n floats in the given slot (64-byte aligned), or NULL when out of memory.
float *scratch_floats(int slot, size_t n);

#endif

#include "scratch.h"
#include <stdlib.h>

static float *buffers[SCRATCH_SLOTS];
static size_t lengths[SCRATCH_SLOTS];

float *scratch_floats(int slot, size_t n) {
  if (slot < 0 || slot >= SCRATCH_SLOTS) return NULL;
  if (n == 0) n = 1;
  if (n > lengths[slot]) {
    free(buffers[slot]);
    size_t grown = n + n / 4;  // room to grow a little without reallocating
    void *p = NULL;
    if (posix_memalign(&p, 64, grown * sizeof(float)) != 0) p = NULL;
    buffers[slot] = (float *)p;
    lengths[slot] = p ? grown : 0;
  }
  return buffers[slot];
}

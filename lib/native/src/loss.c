#include "loss.h"
#include <math.h>

int64_t softmax_xent(const float *z, const int32_t *labels, int64_t n, int64_t c, float *p, float *loss, float *correct) {
  double total = 0;
  int64_t right = 0;
  for (int64_t r = 0; r < n; r++) {
    const float *zr = z + r * c;
    float *pr = p + r * c;
    const int32_t label = labels[r];
    if (label < 0 || label >= c) return r;
    // Same comparisons as the JS kernel: a NaN never replaces the running maximum (a NaN first entry stays).
    double max = zr[0];
    int64_t arg = 0;
    for (int64_t j = 1; j < c; j++) if (zr[j] > max) { max = zr[j]; arg = j; }
    double sum = 0;
    for (int64_t j = 0; j < c; j++) sum += exp((double)zr[j] - max);
    const double log_sum = log(sum);
    for (int64_t j = 0; j < c; j++) pr[j] = (float)exp((double)zr[j] - max - log_sum);
    total += max + log_sum - (double)zr[label];
    if (arg == label) right++;
  }
  *loss = n > 0 ? (float)(total / (double)n) : NAN;
  *correct = (float)right;
  return -1;
}

int64_t softmax_xent_grad(const float *p, const int32_t *labels, int64_t n, int64_t c, double scale, float *d) {
  for (int64_t r = 0; r < n; r++) {
    const int32_t label = labels[r];
    if (label < 0 || label >= c) return r;
    const float *pr = p + r * c;
    float *dr = d + r * c;
    for (int64_t j = 0; j < c; j++) dr[j] = (float)(scale * (double)pr[j]);
    dr[label] = (float)(scale * ((double)pr[label] - 1.0));
  }
  return -1;
}

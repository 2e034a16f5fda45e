// Mean softmax cross-entropy with integer labels, and its gradient (the kernel pack's fused loss).
#ifndef NETSTATS_LOSS_H
#define NETSTATS_LOSS_H
#include <stdint.h>

// Softmax of logits z [n, c] into p; *loss = mean over rows of logsumexp(z_r) - z_r[label_r] (row sums in
// float64); *correct = rows whose first arg-max is the label (NaN logits never win, as in tfjs argMax).
// Returns -1, or the first row whose label is outside 0..c-1 (nothing else is then meaningful).
int64_t softmax_xent(const float *z, const int32_t *labels, int64_t n, int64_t c, float *p, float *loss, float *correct);

// d = scale * (p - onehot(labels)); returns -1 or the first row with a label outside 0..c-1.
int64_t softmax_xent_grad(const float *p, const int32_t *labels, int64_t n, int64_t c, double scale, float *d);

#endif

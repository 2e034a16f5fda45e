// Fused optimiser updates over one parameter tensor (see optim.c for the exact float32 semantics).
#ifndef NETSTATS_OPTIM_H
#define NETSTATS_OPTIM_H
#include <stdint.h>

// SGD (PyTorch): g += wd*theta; with momentum: buf = buf ? buf*momentum + g*(1-dampening) : g,
// g = nesterov ? g + buf*momentum : buf; theta -= g*lr. buf == NULL: first step; out_buf == NULL: no momentum.
// mask (optional): where mask == 0 the parameter and the buffer keep their old values.
void sgd_update(int64_t n, const float *p, const float *g, const float *buf, const float *mask, float *out_p, float *out_buf,
                float lr, float momentum, float one_minus_dampening, int nesterov, float wd);
// Adam (PyTorch): m = m*b1 + g*(1-b1); v = v*b2 + g*g*(1-b2); theta -= (m / (sqrt(v)/sqrt(bc2) + eps)) * (lr/bc1).
void adam_update(int64_t n, const float *p, const float *g, const float *m, const float *v, const float *mask, float *out_p,
                 float *out_m, float *out_v, float lr_over_bc1, float beta1, float one_minus_beta1, float beta2,
                 float one_minus_beta2, float sqrt_bc2, float eps, float wd);

#endif

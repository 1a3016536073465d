// SPDX-License-Identifier: BSD-3-Clause
/* SGD's update of one parameter, as torch.optim.SGD, for the CPU runtime
 * (core/vector_ops.c's vec_sgd, nn/sgd.c) and the plugin's one kernel over
 * the flat parameter buffer (sgd.cu):
 *     g += wd * p;  buf = first ? g : momentum buf + (1 - dampening) g
 *     p -= lr (nesterov ? g + momentum buf : buf)      (with momentum)
 *     p -= lr g                                        (without) */
#ifndef CNB_CUDA_SGD_MATH_CUH
#define CNB_CUDA_SGD_MATH_CUH

#include "cuda/host_device.h"

/* One step's constants (plain C types: they cross plugin_api.h). */
typedef struct CnbSgdScalars {
    float lr, weight_decay, momentum, one_minus_dampening;
    int nesterov;
    int first;                    /* the momentum buffer starts as the gradient */
} CnbSgdScalars;

/* The gradient with L2 weight decay.  Added even when wd is 0, as the CPU
 * always did (torch skips it; only an infinite p tells them apart). */
static inline CNB_HOST_DEVICE float cnb_sgd_decayed(float g, float p, float weight_decay)
{
    return g + weight_decay * p;
}

/* Without momentum (no buffer). */
static inline CNB_HOST_DEVICE void cnb_sgd_element(float *p, float grad, const CnbSgdScalars *s)
{
    *p -= s->lr * cnb_sgd_decayed(grad, *p, s->weight_decay);
}

/* With momentum: the buffer updated in place, then the parameter. */
static inline CNB_HOST_DEVICE void cnb_sgd_momentum_element(float *p, float *buf, float grad,
                                                            const CnbSgdScalars *s)
{
    float g = cnb_sgd_decayed(grad, *p, s->weight_decay);
    float b = s->first ? g : *buf * s->momentum + s->one_minus_dampening * g;
    *buf = b;
    *p -= s->lr * (s->nesterov ? g + s->momentum * b : b);
}

#endif

// SPDX-License-Identifier: BSD-3-Clause
/* Adam's update of one parameter, as torch.optim.Adam (not AdamW) in torch
 * 1.13's single-tensor form, for nn/adam.c's loop (core/vector_ops.c) and
 * the plugin's one kernel over the flat parameter buffer (adam.cu):
 *     g += wd * p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *     p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps) */
#ifndef CNB_CUDA_ADAM_MATH_CUH
#define CNB_CUDA_ADAM_MATH_CUH

#include "cuda/host_device.h"

#include <math.h>

/* One step's constants, computed once per step on the host. */
typedef struct CnbAdamScalars {
    float beta1, beta2, one_minus_beta1, one_minus_beta2;
    float eps, weight_decay;
    float step_size;              /* lr / (1 - beta1^t) */
    /* 1 / sqrt(1 - beta2^t): torch divides sqrt(v) by sqrt(1 - beta2^t);
     * multiplying by the reciprocal differs by an ulp at most and saves
     * one of the two divisions, which (with the sqrt) bound the CPU loop */
    float inv_bias_correction2_sqrt;
} CnbAdamScalars;

/* The scalars of step t (from 1), in double as Python computes them, then
 * rounded to float.  Host only. */
static inline CnbAdamScalars cnb_adam_scalars(double lr, double beta1, double beta2, double eps,
                                              double weight_decay, long step)
{
    double bc1 = 1.0 - pow(beta1, (double)step), bc2 = 1.0 - pow(beta2, (double)step);
    CnbAdamScalars s = {
        (float)beta1, (float)beta2, (float)(1.0 - beta1), (float)(1.0 - beta2),
        (float)eps, (float)weight_decay, (float)(lr / bc1), 1.0f / (float)sqrt(bc2),
    };
    return s;
}

/* The gradient with L2 weight decay, g + wd * p (skip it when wd is 0:
 * adding 0 * p would turn an infinite p into NaN). */
static inline CNB_HOST_DEVICE float cnb_adam_decayed(float g, float p, float weight_decay)
{
    return g + weight_decay * p;
}

/* Updates one parameter and its moments in place. */
static inline CNB_HOST_DEVICE void cnb_adam_element(float *p, float *m, float *v, float g,
                                                    const CnbAdamScalars *s)
{
    float mi = *m * s->beta1 + s->one_minus_beta1 * g;
    float vi = *v * s->beta2 + s->one_minus_beta2 * g * g;
    *m = mi;
    *v = vi;
    *p -= s->step_size * (mi / (sqrtf(vi) * s->inv_bias_correction2_sqrt + s->eps));
}

#endif

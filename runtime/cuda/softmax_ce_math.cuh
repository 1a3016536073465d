// SPDX-License-Identifier: BSD-3-Clause
/* Softmax + cross-entropy of one row of logits, for nn/cross_entropy.c and
 * the plugin's fused kernel (softmax_ce.cu), as nn.CrossEntropyLoss computes
 * it: log-sum-exp around the row's maximum (stable for large logits), the
 * sum of exponentials in double. */
#ifndef CNB_CUDA_SOFTMAX_CE_MATH_CUH
#define CNB_CUDA_SOFTMAX_CE_MATH_CUH

#include "cuda/host_device.h"

#include <math.h>

/* -log softmax(x)[label]; leaves softmax(x) in p (which may be x). */
static inline CNB_HOST_DEVICE double cnb_softmax_ce_row(const float *x, float *p, int classes,
                                                         int label)
{
    float max = x[0];
    for (int c = 1; c < classes; c++)
        if (x[c] > max)
            max = x[c];
    float at_label = x[label];    /* read before p overwrites x */
    double sum = 0.0;
    for (int c = 0; c < classes; c++) {
        p[c] = expf(x[c] - max);
        sum += p[c];
    }
    float inv = (float)(1.0 / sum);
    for (int c = 0; c < classes; c++)
        p[c] *= inv;
    return (double)max + log(sum) - (double)at_label;
}

/* dL/dlogits of one row from its softmax p, in place: (p - onehot) * scale,
 * scale being 1 / batch for the batch mean. */
static inline CNB_HOST_DEVICE void cnb_softmax_ce_backward_row(float *p, int classes, int label,
                                                               float scale)
{
    p[label] -= 1.0f;
    for (int c = 0; c < classes; c++)
        p[c] *= scale;
}

/* Whether a target value (labels are whole numbers in float tensors) is a
 * class index below classes. */
static inline CNB_HOST_DEVICE int cnb_is_class_index(float target, int classes)
{
    return target >= 0 && target < (float)classes && target == floorf(target);
}

#endif

// SPDX-License-Identifier: BSD-3-Clause
/* Batch normalisation over (N, H, W) per channel, for the plugin's
 * kernels and the host tests: a channel's sums (a kernel's thread adds a
 * strided part, a block reduction the parts; the host test adds all of
 * them), the statistics PyTorch uses (biased variance to normalise,
 * unbiased for the running variance, momentum as PyTorch's: new =
 * (1 - momentum) * old + momentum * batch), the forward per element and
 * the backward per element from the channel's two gradient sums. */
#ifndef CNB_CUDA_BATCH_NORM_MATH_CUH
#define CNB_CUDA_BATCH_NORM_MATH_CUH

#include "cuda/host_device.h"

#include <math.h>

/* Element k (0 <= k < batch * plane) of channel c in an [N, C, plane]
 * tensor. */
static inline CNB_HOST_DEVICE long cnb_bn_index(long k, int c, int channels, long plane)
{
    return ((k / plane) * channels + c) * plane + k % plane;
}

/* Sum and sum of squared deviations from `shift` of channel c's elements
 * first, first + step, ...; shifting by a guess of the mean (the first
 * element) keeps the variance exact where mean^2 >> var. */
static inline CNB_HOST_DEVICE void cnb_bn_partial_sums(const float *x, int c, int channels,
                                                      long plane, long count, long first,
                                                      long step, float shift,
                                                      double *sum, double *sum_sq)
{
    double s = 0.0, q = 0.0;
    for (long k = first; k < count; k += step) {
        double d = (double)x[cnb_bn_index(k, c, channels, plane)] - shift;
        s += d, q += d * d;
    }
    *sum = s, *sum_sq = q;
}

typedef struct {
    float mean, inv_std;        /* what the batch is normalised with */
    float var_unbiased;         /* what the running variance moves to */
} CnbBnStats;

/* The statistics of `count` elements from their shifted sums. */
static inline CNB_HOST_DEVICE CnbBnStats cnb_bn_stats(double sum, double sum_sq, long count,
                                                      float shift, float eps)
{
    double m = sum / (double)count;
    double var = sum_sq / (double)count - m * m;
    if (var < 0.0)
        var = 0.0;
    CnbBnStats s;
    s.mean = (float)(m + shift);
    s.inv_std = (float)(1.0 / sqrt(var + eps));
    s.var_unbiased = (float)(count > 1 ? var * (double)count / (double)(count - 1) : var);
    return s;
}

static inline CNB_HOST_DEVICE float cnb_bn_running(float running, float batch, float momentum)
{
    return (1.0f - momentum) * running + momentum * batch;
}

/* Eval mode's inv_std from the running variance. */
static inline CNB_HOST_DEVICE float cnb_bn_inv_std(float var, float eps)
{
    return (float)(1.0 / sqrt((double)var + eps));
}

static inline CNB_HOST_DEVICE float cnb_bn_forward_element(float x, float mean, float inv_std,
                                                           float gamma, float beta)
{
    return (x - mean) * inv_std * gamma + beta;
}

/* dx of one element in training mode, from the channel's sums over the
 * batch of dy (= dbeta) and of dy * xhat (= dgamma), count elements:
 * dx = gamma * inv_std * (dy - sum_dy / m - xhat * sum_dy_xhat / m). */
static inline CNB_HOST_DEVICE float cnb_bn_backward_element(float dy, float x, float mean,
                                                            float inv_std, float gamma,
                                                            float sum_dy, float sum_dy_xhat,
                                                            long count)
{
    float xhat = (x - mean) * inv_std;
    float m = (float)count;
    return gamma * inv_std * (dy - sum_dy / m - xhat * (sum_dy_xhat / m));
}

/* dx in evaluation mode (statistics are constants). */
static inline CNB_HOST_DEVICE float cnb_bn_eval_backward_element(float dy, float inv_std,
                                                                 float gamma)
{
    return dy * gamma * inv_std;
}

#endif

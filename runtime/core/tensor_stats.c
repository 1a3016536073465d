// SPDX-License-Identifier: BSD-3-Clause
/* Reductions over all elements: sum, mean, std, min, max.  Accumulated in
 * double so that a 47-million-pixel dataset still gives a precise mean. */
#include "core/tensor_impl.h"
#include "host/error_internal.h"

#include <math.h>

double tensor_sum(const Tensor *t)
{
    if (tensor_dead(t, "tensor_sum"))
        return NAN;
    if (!t)
        return cnb_error("tensor_sum", "tensor is NULL"), NAN;
    const float *x = tensor_cdata(t);
    double sum = 0.0;
    for (size_t i = 0; i < t->numel; i++)
        sum += x[i];
    return sum;
}

double tensor_mean(const Tensor *t)
{
    if (tensor_dead(t, "tensor_mean"))
        return NAN;
    if (!t)
        return cnb_error("tensor_mean", "tensor is NULL"), NAN;
    if (t->numel == 0)
        return NAN;                       /* as torch.mean of an empty tensor */
    return tensor_sum(t) / (double)t->numel;
}

double tensor_std(const Tensor *t)
{
    if (tensor_dead(t, "tensor_std"))
        return NAN;
    if (!t)
        return cnb_error("tensor_std", "tensor is NULL"), NAN;
    if (t->numel < 2)
        return NAN;                       /* unbiased: needs two values */
    /* Two passes: the mean first, then the squared deviations (stable). */
    double mean = tensor_mean(t), sq = 0.0;
    const float *x = tensor_cdata(t);
    for (size_t i = 0; i < t->numel; i++) {
        double d = x[i] - mean;
        sq += d * d;
    }
    return sqrt(sq / (double)(t->numel - 1));
}

static float extreme(const Tensor *t, const char *function, int sign)
{
    if (tensor_dead(t, function))
        return NAN;
    if (!t)
        return cnb_error(function, "tensor is NULL"), NAN;
    if (t->numel == 0)
        return cnb_error(function, "tensor is empty"), NAN;
    const float *x = tensor_cdata(t);
    float best = x[0];
    for (size_t i = 1; i < t->numel; i++) {
        if (isnan(x[i]))
            return NAN;                   /* torch propagates NaN */
        if (sign * (x[i] - best) > 0)
            best = x[i];
    }
    return best;
}

float tensor_max(const Tensor *t)
{
    return extreme(t, "tensor_max", 1);
}

float tensor_min(const Tensor *t)
{
    return extreme(t, "tensor_min", -1);
}

// SPDX-License-Identifier: BSD-3-Clause
/* Dropout's factor per element, for the CPU (nn/dropout.c) and the
 * plugin's kernel (dropout.cu): from a uniform u in [0, 1) of the CPU's
 * default generator (both devices draw the same numbers on the host, so a
 * seeded run drops the same elements on either), the element is kept and
 * scaled when u >= p, else zeroed. */
#ifndef CNB_CUDA_DROPOUT_MATH_CUH
#define CNB_CUDA_DROPOUT_MATH_CUH

#include "cuda/host_device.h"

/* 1 / (1 - p), and 0 for p = 1 (everything dropped) rather than inf. */
static inline CNB_HOST_DEVICE float cnb_dropout_scale(float p)
{
    return p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
}

/* The mask's value for the uniform u: scale or 0. */
static inline CNB_HOST_DEVICE float cnb_dropout_factor(float u, float p, float scale)
{
    return u >= p ? scale : 0.0f;
}

#endif

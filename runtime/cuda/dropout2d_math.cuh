// SPDX-License-Identifier: BSD-3-Clause
/* Dropout2d zeroes whole channels: one uniform per (sample, channel),
 * drawn on the host in that order like dropout's per element, and every
 * element of the plane takes that channel's factor (dropout_math.cuh's
 * keep-and-scale rule). */
#ifndef CNB_CUDA_DROPOUT2D_MATH_CUH
#define CNB_CUDA_DROPOUT2D_MATH_CUH

#include "cuda/dropout_math.cuh"

/* The (sample, channel) slot of element `index` of an [N, C, plane]
 * tensor, i.e. which uniform it uses. */
static inline CNB_HOST_DEVICE long cnb_dropout2d_channel(long index, long plane)
{
    return index / plane;
}

static inline CNB_HOST_DEVICE float cnb_dropout2d_element(float x, const float *uniforms,
                                                          long index, long plane, float p,
                                                          float scale)
{
    return x * cnb_dropout_factor(uniforms[cnb_dropout2d_channel(index, plane)], p, scale);
}

#endif

// SPDX-License-Identifier: BSD-3-Clause
/* The pixel arithmetic of to_tensor and normalize, for the CPU loaders
 * (core/vector_ops.c) and the device-side batch preparation: a division,
 * as torch's ToTensor (img.float().div(255)) and Normalize
 * (sub_(mean).div_(std)) compute it, not a multiplication by 1/scale,
 * which gives other bits. */
#ifndef CNB_CUDA_NORMALIZE_MATH_CUH
#define CNB_CUDA_NORMALIZE_MATH_CUH

#include "cuda/host_device.h"

static inline CNB_HOST_DEVICE float cnb_shift_divide(float x, float shift, float scale)
{
    return (x - shift) / scale;
}

#endif

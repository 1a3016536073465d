// SPDX-License-Identifier: BSD-3-Clause
/* Dropout on the device.  The random numbers are not drawn here: libcnb
 * fills the mask with uniforms from the CPU's default generator (the very
 * draws the CPU path makes) and uploads them, so a seeded run drops the
 * same elements on both devices and leaves the generator in the same
 * state.  The kernel turns each uniform into its factor in place
 * (dropout_math.cuh, the CPU's own) and scales the input; backward scales
 * the gradient by the kept factors. */
#include "cuda/ops.cuh"
#include "cuda/check.cuh"
#include "cuda/dropout_math.cuh"

__global__ static void dropout_forward_kernel(const float *x, float *mask, float *y, size_t n,
                                              float p, float scale)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x) {
        float factor = cnb_dropout_factor(mask[i], p, scale);
        mask[i] = factor;
        y[i] = x[i] * factor;
    }
}

__global__ static void dropout_backward_kernel(const float *mask, float *g, size_t n)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        g[i] *= mask[i];
}

int dropout_forward(const float *x, float *mask, float *y, size_t n, float p)
{
    if (n == 0)
        return 0;
    dropout_forward_kernel<<<blocks_for(n), 256>>>(x, mask, y, n, p, cnb_dropout_scale(p));
    return CUDA_CHECK_LAUNCH("dropout_forward_kernel");
}

int dropout_backward(const float *mask, float *g, size_t n)
{
    if (n == 0)
        return 0;
    dropout_backward_kernel<<<blocks_for(n), 256>>>(mask, g, n);
    return CUDA_CHECK_LAUNCH("dropout_backward_kernel");
}

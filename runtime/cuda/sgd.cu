// SPDX-License-Identifier: BSD-3-Clause
/* SGD as one kernel over the flat parameter buffer (every parameter of a
 * model in one block, its gradients and momentum buffers likewise), like
 * adam.cu: one launch per step whatever the number of layers.  The update
 * of each element is sgd_math.cuh's, the CPU's own. */
#include "cuda/ops.cuh"
#include "cuda/check.cuh"

__global__ static void sgd_kernel(float *p, const float *g, size_t n, CnbSgdScalars s)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        cnb_sgd_element(&p[i], g[i], &s);
}

__global__ static void sgd_momentum_kernel(float *p, const float *g, float *buf, size_t n,
                                           CnbSgdScalars s)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        cnb_sgd_momentum_element(&p[i], &buf[i], g[i], &s);
}

int sgd_update(float *p, const float *g, float *buf, size_t n, const CnbSgdScalars *s)
{
    if (n == 0)
        return 0;
    if (!buf) {
        sgd_kernel<<<blocks_for(n), 256>>>(p, g, n, *s);
        return CUDA_CHECK_LAUNCH("sgd_kernel");
    }
    sgd_momentum_kernel<<<blocks_for(n), 256>>>(p, g, buf, n, *s);
    return CUDA_CHECK_LAUNCH("sgd_momentum_kernel");
}

// SPDX-License-Identifier: BSD-3-Clause
/* Adam as one kernel over the flat parameter buffer (every parameter of a
 * model in one block, its gradients, m and v likewise, as llm.c does): one
 * launch per step whatever the number of layers.  The update of each
 * element is adam_math.cuh's, the CPU's own. */
#include "cuda/ops.cuh"
#include "cuda/check.cuh"

__global__ static void adam_kernel(float *p, const float *g, float *m, float *v, size_t n,
                                   CnbAdamScalars s)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x) {
        float grad = s.weight_decay != 0.0f ? cnb_adam_decayed(g[i], p[i], s.weight_decay) : g[i];
        cnb_adam_element(&p[i], &m[i], &v[i], grad, &s);
    }
}

int adam_update(float *p, const float *g, float *m, float *v, size_t n, const CnbAdamScalars *s)
{
    if (n == 0)
        return 0;
    adam_kernel<<<blocks_for(n), 256>>>(p, g, m, v, n, *s);
    return CUDA_CHECK_LAUNCH("adam_kernel");
}

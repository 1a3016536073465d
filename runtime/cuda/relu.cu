/* ReLU's backward on the device: the gradient kept where the output was
 * positive, as vec_relu_backward on the CPU.  (ReLU's forward is the
 * linear layer's cuBLASLt epilogue, blas.cu.) */
#include "cuda/ops.cuh"
#include "cuda/check.cuh"

__global__ static void relu_backward_kernel(const float *y, float *g, size_t n)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        g[i] = y[i] > 0.0f ? g[i] : 0.0f;
}

int relu_backward(const float *y, float *g, size_t n)
{
    if (n == 0)
        return 0;
    relu_backward_kernel<<<blocks_for(n), 256>>>(y, g, n);
    return CUDA_CHECK_LAUNCH("relu_backward_kernel");
}

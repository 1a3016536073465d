// SPDX-License-Identifier: BSD-3-Clause
/* The elementwise activations on the device, forward and backward, the
 * math per element being activation_math.cuh's (the CPU's own).  They run
 * after a linear layer's product for sigmoid and tanh (ReLU is fused into
 * cuBLASLt's epilogue there, blas.cu) and on their own for an activation
 * that does not follow a linear layer.  One kernel per activation (a
 * template), so the per-element code has no branch on the kind. */
#include "cuda/ops.cuh"
#include "cuda/check.cuh"
#include "cuda/activation_math.cuh"

template <int act>
__global__ static void activation_forward_kernel(const float *x, float *y, size_t n)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        y[i] = cnb_activation(act, x[i]);
}

template <int act>
__global__ static void activation_backward_kernel(const float *y, float *g, size_t n)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        g[i] = cnb_activation_grad(act, y[i], g[i]);
}

typedef void (*ElementwiseKernel)(const float *, float *, size_t);

static ElementwiseKernel kernel_for(int act, bool backward)
{
    switch (act) {
    case CNB_ACTIVATION_RELU:
        return backward ? activation_backward_kernel<CNB_ACTIVATION_RELU>
                        : activation_forward_kernel<CNB_ACTIVATION_RELU>;
    case CNB_ACTIVATION_SIGMOID:
        return backward ? activation_backward_kernel<CNB_ACTIVATION_SIGMOID>
                        : activation_forward_kernel<CNB_ACTIVATION_SIGMOID>;
    case CNB_ACTIVATION_TANH:
        return backward ? activation_backward_kernel<CNB_ACTIVATION_TANH>
                        : activation_forward_kernel<CNB_ACTIVATION_TANH>;
    }
    return nullptr;
}

/* in, out: x, y forward; y, g backward (out may be in) */
static int launch(int act, bool backward, const float *in, float *out, size_t n)
{
    if (n == 0)
        return 0;
    ElementwiseKernel kernel = kernel_for(act, backward);
    if (!kernel)
        return plugin_fail("activation_%s: unknown activation %d",
                           backward ? "backward" : "forward", act);
    kernel<<<blocks_for(n), 256>>>(in, out, n);
    return cuda_check(cudaGetLastError(), backward ? "launch of activation_backward_kernel"
                                                   : "launch of activation_forward_kernel");
}

int activation_forward(int act, const float *x, float *y, size_t n)
{
    return launch(act, false, x, y, n);
}

int activation_backward(int act, const float *y, float *g, size_t n)
{
    return launch(act, true, y, g, n);
}

int relu_backward(const float *y, float *g, size_t n)
{
    return activation_backward(CNB_ACTIVATION_RELU, y, g, n);
}

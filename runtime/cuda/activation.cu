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

int activation_forward(int act, const float *x, float *y, size_t n)
{
    if (n == 0)
        return 0;
    switch (act) {
    case CNB_ACTIVATION_RELU:
        activation_forward_kernel<CNB_ACTIVATION_RELU><<<blocks_for(n), 256>>>(x, y, n);
        break;
    case CNB_ACTIVATION_SIGMOID:
        activation_forward_kernel<CNB_ACTIVATION_SIGMOID><<<blocks_for(n), 256>>>(x, y, n);
        break;
    case CNB_ACTIVATION_TANH:
        activation_forward_kernel<CNB_ACTIVATION_TANH><<<blocks_for(n), 256>>>(x, y, n);
        break;
    default:
        return plugin_fail("activation_forward: unknown activation %d", act);
    }
    return CUDA_CHECK_LAUNCH("activation_forward_kernel");
}

int activation_backward(int act, const float *y, float *g, size_t n)
{
    if (n == 0)
        return 0;
    switch (act) {
    case CNB_ACTIVATION_RELU:
        activation_backward_kernel<CNB_ACTIVATION_RELU><<<blocks_for(n), 256>>>(y, g, n);
        break;
    case CNB_ACTIVATION_SIGMOID:
        activation_backward_kernel<CNB_ACTIVATION_SIGMOID><<<blocks_for(n), 256>>>(y, g, n);
        break;
    case CNB_ACTIVATION_TANH:
        activation_backward_kernel<CNB_ACTIVATION_TANH><<<blocks_for(n), 256>>>(y, g, n);
        break;
    default:
        return plugin_fail("activation_backward: unknown activation %d", act);
    }
    return CUDA_CHECK_LAUNCH("activation_backward_kernel");
}

/* The table's first entry for ReLU's backward (ABI 1), kept in its place. */
int relu_backward(const float *y, float *g, size_t n)
{
    return activation_backward(CNB_ACTIVATION_RELU, y, g, n);
}

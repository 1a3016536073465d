// SPDX-License-Identifier: BSD-3-Clause
/* Fused softmax + cross-entropy on the device, forward and backward, the
 * math of each row being softmax_ce_math.cuh's (the CPU's own).
 *
 * Forward is one block: each thread takes rows (a batch of 64 is one row a
 * thread, an evaluation batch of 10,000 about 40), keeps their softmax for
 * backward and adds their losses in double; the block sums the threads'
 * partial sums in a fixed tree, so the mean is the same on every run, and
 * writes it as the loss (one float, read by the host only when the user
 * asks, tensor_item).  A target that is not a class index makes its row's
 * softmax and the loss NaN instead of reading out of bounds. */
#include "cuda/ops.cuh"
#include "cuda/check.cuh"
#include "cuda/softmax_ce_math.cuh"

#define CE_THREADS 256

__global__ static void softmax_ce_forward_kernel(const float *x, const float *target, float *p,
                                                 float *loss, int rows, int classes)
{
    __shared__ double partial[CE_THREADS];
    double sum = 0.0;
    for (int r = threadIdx.x; r < rows; r += CE_THREADS) {
        const float *xr = x + (size_t)r * classes;
        float *pr = p + (size_t)r * classes;
        if (cnb_is_class_index(target[r], classes)) {
            sum += cnb_softmax_ce_row(xr, pr, classes, (int)target[r]);
        } else {
            for (int c = 0; c < classes; c++)
                pr[c] = NAN;
            sum += NAN;
        }
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int half = CE_THREADS / 2; half > 0; half /= 2) {
        if ((int)threadIdx.x < half)
            partial[threadIdx.x] += partial[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        *loss = rows ? (float)(partial[0] / rows) : NAN;   /* torch: mean of none is nan */
}

__global__ static void softmax_ce_backward_kernel(float *p, const float *target, int rows,
                                                  int classes)
{
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += gridDim.x * blockDim.x)
        if (cnb_is_class_index(target[r], classes))
            cnb_softmax_ce_backward_row(p + (size_t)r * classes, classes, (int)target[r],
                                        1.0f / (float)rows);
}

int softmax_ce_forward(const float *x, const float *target, float *p, float *loss, int rows,
                       int classes)
{
    softmax_ce_forward_kernel<<<1, CE_THREADS>>>(x, target, p, loss, rows, classes);
    return CUDA_CHECK_LAUNCH("softmax_ce_forward_kernel");
}

int softmax_ce_backward(float *p, const float *target, int rows, int classes)
{
    if (rows == 0)
        return 0;
    softmax_ce_backward_kernel<<<blocks_for((size_t)rows), 256>>>(p, target, rows, classes);
    return CUDA_CHECK_LAUNCH("softmax_ce_backward_kernel");
}

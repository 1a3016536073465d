// SPDX-License-Identifier: BSD-3-Clause
/* Argmax, correct counts and confusion counts on the device, one thread a
 * row with argmax_math.cuh's argmax (the CPU's own: the first of equal
 * maxima).  Counts are ints in device memory, added with atomics (integer
 * sums do not depend on the order); the caller zeroes them and reads them
 * back once per evaluation, not per batch. */
#include "cuda/ops.cuh"
#include "cuda/check.cuh"
#include "cuda/argmax_math.cuh"
#include "cuda/softmax_ce_math.cuh"

__global__ static void argmax_kernel(const float *x, int *predicted, int rows, int classes)
{
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += gridDim.x * blockDim.x)
        predicted[r] = cnb_argmax_row(x + (size_t)r * classes, classes);
}

__global__ static void correct_kernel(const float *x, const float *target, int *count, int rows,
                                      int classes)
{
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += gridDim.x * blockDim.x)
        if (cnb_argmax_row(x + (size_t)r * classes, classes) == (int)target[r])
            atomicAdd(count, 1);
}

/* counts[truth * classes + predicted] += 1; a target that is not a class
 * index is counted in counts[classes * classes], for the caller to report. */
__global__ static void confusion_kernel(const float *x, const float *target, int *counts,
                                        int rows, int classes)
{
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += gridDim.x * blockDim.x) {
        int best = cnb_argmax_row(x + (size_t)r * classes, classes);
        if (cnb_is_class_index(target[r], classes))
            atomicAdd(&counts[(int)target[r] * classes + best], 1);
        else
            atomicAdd(&counts[classes * classes], 1);
    }
}

int predictions_argmax(const float *x, int *predicted, int rows, int classes)
{
    if (rows == 0)
        return 0;
    argmax_kernel<<<blocks_for((size_t)rows), 256>>>(x, predicted, rows, classes);
    return CUDA_CHECK_LAUNCH("argmax_kernel");
}

int predictions_correct(const float *x, const float *target, int *count, int rows, int classes)
{
    if (rows == 0)
        return 0;
    correct_kernel<<<blocks_for((size_t)rows), 256>>>(x, target, count, rows, classes);
    return CUDA_CHECK_LAUNCH("correct_kernel");
}

int predictions_confusion(const float *x, const float *target, int *counts, int rows,
                          int classes)
{
    if (rows == 0)
        return 0;
    confusion_kernel<<<blocks_for((size_t)rows), 256>>>(x, target, counts, rows, classes);
    return CUDA_CHECK_LAUNCH("confusion_kernel");
}

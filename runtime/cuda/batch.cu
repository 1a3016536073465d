// SPDX-License-Identifier: BSD-3-Clause
/* A batch prepared on the device, from a dataset uploaded once as bytes:
 * each thread gathers, converts, transforms and writes one pixel
 * (batch_math.cuh, the CPU loader's arithmetic), and an item's first
 * thread its label.  The items' indices and rotation plans go up through
 * the staging ring, without waiting for the GPU. */
#include "cuda/ops.cuh"
#include "cuda/check.cuh"

__global__ static void batch_kernel(const uint8_t *items, const uint8_t *labels,
                                    CnbBatchSteps steps, const int32_t *index,
                                    const CnbRotation *plans, int count, float *out,
                                    float *target)
{
    size_t plane = (size_t)steps.height * steps.width;
    size_t numel = plane * steps.channels, total = numel * (size_t)count;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
         i += (size_t)gridDim.x * blockDim.x) {
        size_t item = i / numel, p = i % numel;
        int c = (int)(p / plane), y = (int)(p % plane / steps.width),
            x = (int)(p % steps.width);
        const uint8_t *raw = items + (size_t)index[item] * numel;
        out[i] = cnb_batch_pixel(raw, &steps, plans + item * steps.rotations, c, y, x);
        if (p == 0)
            target[item] = (float)labels[index[item]];
    }
}

int batch_prepare(const uint8_t *items, const uint8_t *labels, const CnbBatchSteps *steps,
                  const int32_t *index, const CnbRotation *plans, int count, float *out,
                  float *target)
{
    if (count <= 0)
        return 0;
    if (steps->count > CNB_BATCH_MAX_STEPS || steps->rotations > steps->count)
        return plugin_fail("prepare_batch: %d steps, %d rotations", steps->count,
                           steps->rotations);
    const void *parts[2] = { index, plans };
    size_t sizes[2] = { sizeof *index * count,
                        sizeof *plans * (size_t)count * steps->rotations };
    char *staged = (char *)staging_upload(parts, sizes, steps->rotations ? 2 : 1);
    if (!staged)
        return -1;
    size_t total = (size_t)steps->channels * steps->height * steps->width * count;
    batch_kernel<<<blocks_for(total), 256>>>(items, labels, *steps, (const int32_t *)staged,
                                             (const CnbRotation *)(staged +
                                                 staging_aligned(sizes[0])),
                                             count, out, target);
    return CUDA_CHECK_LAUNCH("batch_kernel");
}

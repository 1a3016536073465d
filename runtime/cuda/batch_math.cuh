// SPDX-License-Identifier: BSD-3-Clause
/* One pixel of a batch prepared on the device (the dataloader of a model
 * on the GPU, data/dataloader_device.c): an item's raw bytes (MNIST's
 * uint8 pixels, uploaded once) through the dataset's transform, flattened
 * into steps.  The value is the one the CPU loader computes for the same
 * item and drawn numbers, bit for bit: the raw byte as a float, then each
 * step in order, where a rotation takes the value its plan points at from
 * before it, and 0 where no source pixel lands (PIL's fill). */
#ifndef CNB_CUDA_BATCH_MATH_CUH
#define CNB_CUDA_BATCH_MATH_CUH

#include "cuda/host_device.h"
#include "cuda/normalize_math.cuh"
#include "cuda/rotation_math.cuh"

#include <stddef.h>
#include <stdint.h>

#define CNB_BATCH_MAX_STEPS 16

typedef enum CnbBatchStepKind {
    CNB_STEP_SHIFT_DIVIDE,        /* to_tensor (0, 255), normalize (mean, std) */
    CNB_STEP_ROTATE               /* random_rotation: the item's next plan */
} CnbBatchStepKind;

typedef struct CnbBatchStep {
    int kind;                     /* CnbBatchStepKind */
    float shift, scale;
} CnbBatchStep;

/* What is the same for every item of a loader: the steps and the item's
 * shape, as the CPU's transform sees it ([channels,] height, width). */
typedef struct CnbBatchSteps {
    int count, rotations;
    int channels, height, width;
    CnbBatchStep step[CNB_BATCH_MAX_STEPS];
} CnbBatchSteps;

/* Pixel (c, y, x) of one item: item holds its raw bytes, plans its
 * rotations' plans in step order. */
static inline CNB_HOST_DEVICE float cnb_batch_pixel(const uint8_t *item, const CnbBatchSteps *s,
                                                    const CnbRotation *plans, int c, int y,
                                                    int x)
{
    /* back through the rotations to the source pixel, or to the step
     * whose fill gave the value */
    int first = 0, plan = s->rotations;
    for (int k = s->count - 1; k >= 0; k--) {
        if (s->step[k].kind != CNB_STEP_ROTATE)
            continue;
        int from = cnb_rotation_source(&plans[--plan], x, y, s->width, s->height);
        if (from < 0) {
            first = k + 1;
            break;
        }
        x = from % s->width;
        y = from / s->width;
    }
    float v = first ? 0.0f : (float)item[((size_t)c * s->height + y) * s->width + x];
    for (int k = first; k < s->count; k++)
        if (s->step[k].kind == CNB_STEP_SHIFT_DIVIDE)
            v = cnb_shift_divide(v, s->step[k].shift, s->step[k].scale);
    return v;
}

#endif

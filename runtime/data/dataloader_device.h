// SPDX-License-Identifier: BSD-3-Clause
/* Batches prepared on the GPU, for a dataloader whose batches the user
 * moves there (the lesson's tensor_to(batch.data, device) with a model on
 * the GPU): the dataset's bytes are uploaded once, and each batch is
 * gathered, converted and transformed by one kernel on the device, with
 * the random numbers the CPU loader draws (the generator stays on the
 * CPU), so the batches are the CPU's, bit for bit.  Only the items'
 * indices and rotation plans go up with each batch, without waiting. */
#ifndef CNB_DATA_DATALOADER_DEVICE_H
#define CNB_DATA_DATALOADER_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "cuda/batch_math.cuh"
#include "data/dataset_impl.h"

typedef struct DeviceBatches {
    Dataset *root;              /* the dataset whose bytes are on the GPU (not held:
                                   the loader holds the dataset that views it) */
    CnbBatchSteps steps;
    int32_t *index;             /* a batch's root indices and plans, host side */
    CnbRotation *plans;
    int index_capacity;         /* items index holds */
    size_t plan_capacity;       /* plans plans holds */
} DeviceBatches;

/* Whether batches of dataset under transform can be prepared on the GPU
 * (bytes at its root, under subsets; a transform of to_tensor, normalize
 * and random_rotation steps; images up to 8192 pixels a side), and the
 * steps if so.  Asks nothing of CUDA. */
bool device_batches_possible(DeviceBatches *device, const Dataset *dataset,
                             const Transform *transform);
/* Items order[0..count) of dataset, with their drawn params (param_count
 * each), into data and target, which end up on the GPU (device blocks
 * made where missing).  The first call uploads the dataset.  0, or -1
 * with a message naming the failing CUDA call. */
int device_batches_fill(DeviceBatches *device, const Dataset *dataset, const int64_t *order,
                        int count, const float *params, int param_count, Tensor *data,
                        Tensor *target);
void device_batches_free(DeviceBatches *device);

#endif

// SPDX-License-Identifier: BSD-3-Clause
/* A dataloader's batches prepared on the GPU (dataloader_device.h). */
#include "data/dataloader_device.h"

#include <stdlib.h>

#include "host/error_internal.h"
#include "core/cuda_plugin.h"
#include "core/tensor_impl.h"
#include "data/transform_impl.h"

/* The largest side whose rotation plans always fit PIL's 16.16 fixed
 * point (the device has no float fallback): the source position stays
 * within about 1.21 sides of the origin, well under 32768. */
#define MAX_SIDE 8192

static bool add_steps(CnbBatchSteps *s, const Transform *t)
{
    if (!t)
        return true;
    if (t->kind == TRANSFORM_COMPOSE) {
        for (int i = 0; i < t->count; i++)
            if (!add_steps(s, t->parts[i]))
                return false;
        return true;
    }
    if (s->count == CNB_BATCH_MAX_STEPS)
        return false;
    CnbBatchStep *step = &s->step[s->count++];
    switch (t->kind) {
    case TRANSFORM_TO_TENSOR:
        *step = (CnbBatchStep){ CNB_STEP_SHIFT_DIVIDE, 0.0f, 255.0f };
        return true;
    case TRANSFORM_NORMALIZE:
        *step = (CnbBatchStep){ CNB_STEP_SHIFT_DIVIDE, t->mean, t->std };
        return true;
    case TRANSFORM_ROTATION:
        *step = (CnbBatchStep){ CNB_STEP_ROTATE, 0.0f, 1.0f };
        s->rotations++;
        return true;
    default:
        return false;
    }
}

static const Dataset *root_of(const Dataset *d)
{
    while (d->ops->parent_index && d->parent)
        d = d->parent;
    return d;
}

bool device_batches_possible(DeviceBatches *device, const Dataset *dataset,
                             const Transform *transform)
{
    const Dataset *root = root_of(dataset);
    if (!root->ops->raw_bytes || root->ops->len(root) > INT32_MAX || dataset->ndim < 1)
        return false;
    CnbBatchSteps s = { 0 };
    s.height = dataset->ndim >= 2 ? dataset->shape[dataset->ndim - 2] : 1;
    s.width = dataset->shape[dataset->ndim - 1];
    if (s.height > MAX_SIDE || s.width > MAX_SIDE || !add_steps(&s, transform))
        return false;
    s.channels = (int)(dataset->item_numel / ((size_t)s.height * s.width));
    device->steps = s;
    device->root = (Dataset *)root;
    return true;
}

/* Room for count items' indices and plans: the plans per item follow the
 * transform, which may change between epochs, so each array keeps its
 * own capacity. */
static int reserve(DeviceBatches *device, int count)
{
    size_t plans_needed = (size_t)count * (size_t)device->steps.rotations;
    if (count > device->index_capacity) {
        int32_t *index = realloc(device->index, sizeof *index * (size_t)count);
        if (!index)
            return cnb_error("next_batch", "out of memory for a batch of %d", count);
        device->index = index;
        device->index_capacity = count;
    }
    if (plans_needed > device->plan_capacity) {
        CnbRotation *plans = realloc(device->plans, sizeof *plans * plans_needed);
        if (!plans)
            return cnb_error("next_batch", "out of memory for a batch of %d", count);
        device->plans = plans;
        device->plan_capacity = plans_needed;
    }
    return 0;
}

/* Root indices of the items, and their rotations' plans from the drawn
 * angles (each rotation draws one number, in step order). */
static void plan_items(DeviceBatches *device, const Dataset *dataset, const int64_t *order,
                       int count, const float *params, int param_count)
{
    const CnbBatchSteps *s = &device->steps;
    for (int i = 0; i < count; i++) {
        size_t index = (size_t)order[i];
        for (const Dataset *d = dataset; d != device->root; d = d->parent)
            index = d->ops->parent_index(d, index);
        device->index[i] = (int32_t)index;
        for (int r = 0; r < s->rotations; r++) {
            double unused[6];
            rotation_plan(params[(size_t)i * param_count + r], s->width, s->height,
                          &device->plans[(size_t)i * s->rotations + r], unused);
        }
    }
}

/* A loader's batch tensor, on the GPU with a device block of its own. */
static int on_device(Tensor *t)
{
    if (!t->device_data && tensor_device_alloc(t, "next_batch") < 0)
        return -1;
    t->device = CUDA;
    return 0;
}

int device_batches_fill(DeviceBatches *device, const Dataset *dataset, const int64_t *order,
                        int count, const float *params, int param_count, Tensor *data,
                        Tensor *target)
{
    if (dataset_device_upload(device->root, "next_batch") < 0 || reserve(device, count) < 0 ||
        on_device(data) < 0 || on_device(target) < 0)
        return -1;
    plan_items(device, dataset, order, count, params, param_count);
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (cuda->prepare_batch(device->root->device_items, device->root->device_labels,
                            &device->steps, device->index, device->plans, count,
                            data->device_data, target->device_data) < 0)
        return cnb_error_of(CNB_DEVICE_ERROR, "next_batch", "preparing a batch on the GPU: %s",
                            cuda->last_error());
    return 0;
}

void device_batches_free(DeviceBatches *device)
{
    free(device->index);
    free(device->plans);
    *device = (DeviceBatches){ 0 };
}

// SPDX-License-Identifier: BSD-3-Clause
/* A dataset's bytes on the GPU: uploaded once, by the first dataloader
 * that prepares batches there (dataloader_device.c), and kept until the
 * dataset is freed, so every epoch and every loader over it (a training
 * loader, the test and validation subsets) gathers from the same copy. */
#include "data/dataset_impl.h"

#include "host/error_internal.h"
#include "core/cuda_plugin.h"

int dataset_device_upload(Dataset *d, const char *function)
{
    if (d->device_items)
        return 0;
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (!cuda)
        return cnb_error(function, "CUDA is not available: %s", cuda_unavailable_reason());
    const uint8_t *labels, *items = d->ops->raw_bytes(d, &labels);
    size_t n = d->ops->len(d), bytes = n * d->item_numel;
    void *device_items = NULL, *device_labels = NULL;
    if (cuda->alloc(&device_items, bytes) < 0 || cuda->alloc(&device_labels, n) < 0 ||
        cuda->to_device(device_items, items, bytes) < 0 ||
        cuda->to_device(device_labels, labels, n) < 0) {
        cnb_error_of(CNB_DEVICE_ERROR, function, "uploading the %s dataset (%zu bytes) to the "
                     "GPU: %s", d->ops->kind, bytes + n, cuda->last_error());
        cuda->release(device_items);
        cuda->release(device_labels);
        return -1;
    }
    d->device_items = device_items;
    d->device_labels = device_labels;
    return 0;
}

void dataset_device_release(Dataset *d)
{
    const CnbCudaPlugin *cuda = cuda_plugin_if_loaded();
    if (cuda && d->device_items) {
        cuda->release(d->device_items);
        cuda->release(d->device_labels);
    }
    d->device_items = d->device_labels = NULL;
}

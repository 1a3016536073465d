// SPDX-License-Identifier: BSD-3-Clause
/* The teacher's own dataset: a length and a get-item callback with user
 * data, as a torch Dataset subclass with __len__ and __getitem__.  The
 * callbacks are user code, so they run in the caller's thread only (the
 * dataloader does not prefetch such items on its thread). */
#include "data/dataset_impl.h"

#include <stdlib.h>
#include <string.h>

#include "host/error_internal.h"
#include "data/transform_impl.h"

typedef struct CustomDataset {
    Dataset base;
    CustomDatasetOptions options;
} CustomDataset;

static size_t custom_len(const Dataset *d)
{
    const CustomDataset *c = (const CustomDataset *)d;
    return c->options.len(c->options.user_data);
}

static int custom_get_raw(const Dataset *d, size_t index, float *out, int *label)
{
    const CustomDataset *c = (const CustomDataset *)d;
    Tensor *image = tensor_new(d->shape, d->ndim);
    if (!image)
        return -1;
    *label = 0;
    int rc = c->options.get_item(c->options.user_data, index, image, label);
    if (rc != 0)
        rc = cnb_error("custom_dataset", "get_item returned %d for item %zu", rc, index);
    else if (tensor_numel(image) != d->item_numel || tensor_device(image) != CPU)
        rc = cnb_error("custom_dataset", "get_item changed the shape or device of item %zu",
                       index);
    else if (d->num_classes > 0 && (*label < 0 || *label >= d->num_classes))
        rc = cnb_error("custom_dataset", "item %zu has label %d, outside 0..%d", index, *label,
                       d->num_classes - 1);
    if (rc == 0)
        memcpy(out, tensor_cdata(image), sizeof *out * d->item_numel);
    tensor_free(image);
    return rc;
}

static void custom_describe(const Dataset *d, FILE *out)
{
    (void)d;
    fprintf(out, "    (your own get_item and len)\n");
}

static void custom_destroy(Dataset *d)
{
    object_retire(d, sizeof(CustomDataset), OBJECT_DATASET);
}

static const DatasetOps custom_ops = {
    .kind = "CustomDataset",
    .len = custom_len,
    .get_raw = custom_get_raw,
    .describe = custom_describe,
    .destroy = custom_destroy,
};

/* The shape is the leading positive entries of options.shape. */
static int item_ndim(const int *shape)
{
    int ndim = 0;
    while (ndim < CNB_MAX_DIMS && shape[ndim] > 0)
        ndim++;
    for (int i = ndim; i < CNB_MAX_DIMS; i++)
        if (shape[i] != 0)
            return -1;
    return ndim;
}

Dataset *custom_dataset_new(CustomDatasetOptions options)
{
    if (object_dead(options.transform, OBJECT_TRANSFORM, "custom_dataset"))
        return NULL;
    int ndim = item_ndim(options.shape);
    const char *problem = !options.len ? "no .len callback given"
                        : !options.get_item ? "no .get_item callback given"
                        : ndim <= 0 ? "give the item shape, e.g. .shape = {1, 28, 28}"
                        : ndim >= CNB_MAX_DIMS ? "an item has at most 3 dimensions (a batch adds one)"
                        : options.num_classes < 0 ? "num_classes must not be negative" : NULL;
    if (problem) {
        cnb_error("custom_dataset", "%s", problem);
        transform_discard(options.transform);
        return NULL;
    }
    if (transform_check_shape(options.transform, options.shape, ndim, "custom_dataset") < 0) {
        transform_discard(options.transform);
        return NULL;
    }
    CustomDataset *c = calloc(1, sizeof *c);
    if (!c) {
        cnb_error("custom_dataset", "out of memory");
        transform_discard(options.transform);
        return NULL;
    }
    c->options = options;
    dataset_init(&c->base, &custom_ops, options.shape, ndim);
    c->base.transform = transform_take(options.transform);
    c->base.classes = options.classes;
    c->base.num_classes = options.num_classes;
    c->base.thread_safe = false;
    return &c->base;
}

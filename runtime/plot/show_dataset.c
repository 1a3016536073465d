// SPDX-License-Identifier: BSD-3-Clause
/* show_dataset: the first items of a dataset (after its transform) as a
 * batch, shown by show_images with the dataset's class names. */
#include "cnb/plot.h"
#include "host/error_internal.h"
#include "host/object.h"

#include <string.h>

enum { DEFAULT_COUNT = 6, MAX_IMAGES = 32 };

/* Copies items 0..count-1 into batch [count, C, H, W] and labels [count]. */
static int gather(const Dataset *dataset, int count, Tensor **batch, Tensor **labels)
{
    int shape[CNB_MAX_DIMS] = {0};
    int ndim = dataset_item_shape(dataset, shape);
    if (ndim == 2)
        shape[2] = shape[1], shape[1] = shape[0], shape[0] = 1, ndim = 3;
    if (ndim != 3)
        return cnb_error("show_dataset", "the items are not images ([C, H, W] or [H, W])");
    *batch = tensor(count, shape[0], shape[1], shape[2]);
    *labels = tensor(count);
    float *data = *batch ? tensor_data(*batch) : NULL, *targets = *labels ? tensor_data(*labels) : NULL;
    if (!data || !targets)
        return cnb_error("show_dataset", "out of memory");
    size_t per_item = (size_t)shape[0] * shape[1] * shape[2];
    for (int i = 0; i < count; i++) {
        int label = -1;
        Tensor *item = dataset_get(dataset, (size_t)i, &label);
        const float *pixels = item ? tensor_cdata(item) : NULL;
        bool fits = pixels && tensor_numel(item) == per_item;
        if (fits)
            memcpy(data + i * per_item, pixels, per_item * sizeof *data);
        targets[i] = (float)label;
        if (item)
            tensor_free(item);
        if (!fits)
            return cnb_error("show_dataset", "cannot read item %d as an image", i);
    }
    return 0;
}

int show_dataset_with(const Dataset *dataset, ShowImagesOptions options)
{
    if (object_dead(dataset, OBJECT_DATASET, "show_dataset"))
        return -1;
    if (!dataset)
        return cnb_error("show_dataset", "no dataset (it is NULL)");
    size_t available = dataset_len(dataset);
    int count = options.count > 0 ? options.count : DEFAULT_COUNT;
    if (count > MAX_IMAGES)
        count = MAX_IMAGES;
    if ((size_t)count > available)
        count = (int)available;
    if (count <= 0)
        return cnb_error("show_dataset", "the dataset is empty");
    if (!options.class_names) {
        options.class_names = dataset_classes(dataset);
        options.num_classes = dataset_num_classes(dataset);
    }
    Tensor *batch = NULL, *labels = NULL;
    int status = gather(dataset, count, &batch, &labels);
    if (status == 0) {
        options.count = count;
        if (!options.target)
            options.target = labels;
        status = show_images_with(batch, options);
    }
    if (batch)
        tensor_free(batch);
    if (labels)
        tensor_free(labels);
    return status;
}

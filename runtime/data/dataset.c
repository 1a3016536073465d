// SPDX-License-Identifier: BSD-3-Clause
/* What every dataset does, whatever its items come from. */
#include "data/dataset_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "host/error_internal.h"
#include "data/transform_impl.h"

void dataset_init(Dataset *d, const DatasetOps *ops, const int *shape, int ndim)
{
    object_init(d, OBJECT_DATASET);
    d->ops = ops;
    d->refs = 1;
    d->ndim = ndim;
    d->item_numel = 1;
    for (int i = 0; i < ndim; i++) {
        d->shape[i] = shape[i];
        d->item_numel *= (size_t)shape[i];
    }
}

Dataset *dataset_ref(Dataset *d)
{
    if (d)
        d->refs++;
    return d;
}

void dataset_unref(Dataset *d)
{
    if (!d || --d->refs > 0)
        return;
    transform_release(d->transform);
    dataset_device_release(d);
    Dataset *parent = d->parent;
    d->ops->destroy(d);
    dataset_unref(parent);
}

void dataset_free(Dataset *d)
{
    if (!d || dataset_dead(d, "dataset_free"))
        return;
    object_mark_freed(d, OBJECT_DATASET);
    dataset_unref(d);
}

size_t dataset_len(const Dataset *d)
{
    if (dataset_dead(d, "dataset_len"))
        return 0;
    if (!d) {
        cnb_error("dataset_len", "dataset is NULL");
        return 0;
    }
    return d->ops->len(d);
}

int dataset_item_shape(const Dataset *d, int shape[CNB_MAX_DIMS])
{
    if (dataset_dead(d, "dataset_item_shape"))
        return -1;
    if (!d)
        return cnb_error("dataset_item_shape", "dataset is NULL");
    for (int i = 0; i < d->ndim; i++)
        shape[i] = d->shape[i];
    return d->ndim;
}

const char *const *dataset_classes(const Dataset *d)
{
    if (dataset_dead(d, "dataset_classes"))
        return NULL;
    return d ? d->classes : NULL;
}

int dataset_num_classes(const Dataset *d)
{
    if (dataset_dead(d, "dataset_num_classes"))
        return 0;
    return d ? d->num_classes : 0;
}

const Transform *dataset_transform(const Dataset *d)
{
    for (; d; d = d->parent)
        if (d->transform)
            return d->transform;
    return NULL;
}

void dataset_set_transform(Dataset *d, Transform *transform)
{
    if (dataset_dead(d, "dataset_set_transform") ||
        object_dead(transform, OBJECT_TRANSFORM, "dataset_set_transform"))
        return;
    if (!d) {
        cnb_error("dataset_set_transform", "dataset is NULL");
        transform_discard(transform);
        return;
    }
    if (transform_check_shape(transform, d->shape, d->ndim, "dataset_set_transform") < 0) {
        transform_discard(transform);
        return;
    }
    Transform *old = d->transform;
    d->transform = transform_take(transform);
    transform_release(old);
}

void dataset_prefetch(const Dataset *d, size_t index)
{
    if (d->ops->prefetch)
        d->ops->prefetch(d, index);
}

int dataset_fill(const Dataset *d, size_t index, float *out, int *label,
                 const Transform *transform, const float *params)
{
    int dummy;
    if (d->ops->get_raw(d, index, out, label ? label : &dummy) != 0)
        return -1;
    transform_apply_drawn(transform, out, d->shape, d->ndim, params);
    return 0;
}

/* Draws the transform's random numbers (if any) and fills one item. */
static int draw_and_fill(const Dataset *d, size_t index, float *out, int *label)
{
    const Transform *t = dataset_transform(d);
    int count = transform_param_count(t);
    float small[16];
    float *params = count <= 16 ? small : malloc(sizeof *params * (size_t)count);
    if (!params)
        return cnb_error("dataset_get", "out of memory");
    transform_draw(t, params);
    int rc = dataset_fill(d, index, out, label, t, params);
    if (params != small)
        free(params);
    return rc;
}

static Tensor *get_item(const char *function, const Dataset *d, size_t index, int *label,
                        bool transformed)
{
    if (dataset_dead(d, function))
        return NULL;
    if (!d) {
        cnb_error(function, "dataset is NULL");
        return NULL;
    }
    size_t n = d->ops->len(d);
    if (index >= n) {
        cnb_error(function, "index %zu is out of range: the dataset has %zu items", index, n);
        return NULL;
    }
    Tensor *image = tensor_new(d->shape, d->ndim);
    if (!image)
        return NULL;
    int dummy;
    int rc = transformed ? draw_and_fill(d, index, tensor_data(image), label)
                         : d->ops->get_raw(d, index, tensor_data(image), label ? label : &dummy);
    if (rc != 0) {
        tensor_free(image);
        return NULL;
    }
    return image;
}

Tensor *dataset_get(const Dataset *d, size_t index, int *label)
{
    return get_item("dataset_get", d, index, label, true);
}

Tensor *dataset_get_raw(const Dataset *d, size_t index, int *label)
{
    return get_item("dataset_get_raw", d, index, label, false);
}

int dataset_mean_std(const Dataset *d, double *mean, double *std)
{
    if (dataset_dead(d, "dataset_mean_std"))
        return -1;
    if (!d)
        return cnb_error("dataset_mean_std", "dataset is NULL");
    size_t n = d->ops->len(d), per_item = d->item_numel;
    if (n == 0)
        return cnb_error("dataset_mean_std", "the dataset is empty");
    float *item = malloc(sizeof *item * per_item);
    if (!item)
        return cnb_error("dataset_mean_std", "out of memory");
    /* Sums per item in double, then over items: exact enough for 47 M values. */
    double sum = 0, sum_squares = 0;
    for (size_t i = 0; i < n; i++) {
        if (draw_and_fill(d, i, item, NULL) != 0) {
            free(item);
            return -1;
        }
        double s = 0, q = 0;
        for (size_t j = 0; j < per_item; j++) {
            s += item[j];
            q += (double)item[j] * item[j];
        }
        sum += s;
        sum_squares += q;
    }
    free(item);
    double count = (double)n * (double)per_item;
    double m = sum / count;
    double variance = count > 1 ? (sum_squares - sum * m) / (count - 1) : 0;   /* unbiased, as torch.std */
    if (mean)
        *mean = m;
    if (std)
        *std = sqrt(variance > 0 ? variance : 0);
    return 0;
}

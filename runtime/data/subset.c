// SPDX-License-Identifier: BSD-3-Clause
/* A subset: a view of some items of another dataset, as torch's Subset.  Its
 * items are the parent's raw items; the transform is the subset's own if one
 * was set (so a validation part can drop the training augmentation), else
 * the parent's. */
#include "data/dataset_impl.h"

#include <stdlib.h>
#include <string.h>

#include "host/error_internal.h"

typedef struct Subset {
    Dataset base;
    size_t *indices;
    size_t count;
} Subset;

static size_t subset_len(const Dataset *d)
{
    return ((const Subset *)d)->count;
}

static int subset_get_raw(const Dataset *d, size_t index, float *out, int *label)
{
    const Subset *s = (const Subset *)d;
    return d->parent->ops->get_raw(d->parent, s->indices[index], out, label);
}

static void subset_prefetch(const Dataset *d, size_t index)
{
    dataset_prefetch(d->parent, ((const Subset *)d)->indices[index]);
}

static size_t subset_parent_index(const Dataset *d, size_t index)
{
    return ((const Subset *)d)->indices[index];
}

static void subset_describe(const Dataset *d, FILE *out)
{
    fprintf(out, "    Subset of %zu items of %s (%zu items)\n", ((const Subset *)d)->count,
            d->parent->ops->kind, d->parent->ops->len(d->parent));
}

static void subset_destroy(Dataset *d)
{
    free(((Subset *)d)->indices);
    object_retire(d, sizeof(Subset), OBJECT_DATASET);
}

static const DatasetOps subset_ops = {
    .kind = "Subset",
    .len = subset_len,
    .get_raw = subset_get_raw,
    .prefetch = subset_prefetch,
    .describe = subset_describe,
    .destroy = subset_destroy,
    .parent_index = subset_parent_index,
};

Dataset *subset_new(Dataset *parent, const int64_t *indices, size_t count)
{
    Subset *s = calloc(1, sizeof *s);
    size_t *indices_copy = malloc(sizeof *indices_copy * (count ? count : 1));
    if (!s || !indices_copy) {
        free(indices_copy);
        free(s);
        cnb_error("random_split", "out of memory");
        return NULL;
    }
    s->indices = indices_copy;
    for (size_t i = 0; i < count; i++)
        s->indices[i] = (size_t)indices[i];
    s->count = count;
    dataset_init(&s->base, &subset_ops, parent->shape, parent->ndim);
    s->base.parent = dataset_ref(parent);
    s->base.classes = parent->classes;
    s->base.num_classes = parent->num_classes;
    s->base.thread_safe = parent->thread_safe;
    return &s->base;
}

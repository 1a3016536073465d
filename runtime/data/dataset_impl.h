// SPDX-License-Identifier: BSD-3-Clause
/* The generic Dataset: a small vtable (length, raw item, free) plus what
 * every dataset has (item shape, transform, class names).  MNIST, subsets
 * and the user's own datasets fill in the vtable. */
#ifndef CNB_DATA_DATASET_IMPL_H
#define CNB_DATA_DATASET_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cnb/data.h"
#include "host/object.h"

typedef struct DatasetOps {
    const char *kind;           /* "MNIST", "Subset", ... (for printing) */
    size_t (*len)(const Dataset *dataset);
    /* Item index before any transform: item_numel floats into out, and the
     * label.  0, or -1 with a cnb error. */
    int (*get_raw)(const Dataset *dataset, size_t index, float *out, int *label);
    /* Optional: start fetching item index into the cache (the dataloader
     * calls it an item ahead; a shuffled epoch reads memory at random). */
    void (*prefetch)(const Dataset *dataset, size_t index);
    /* The dataset's own lines of print(dataset), e.g. "Split: Train". */
    void (*describe)(const Dataset *dataset, FILE *out);
    void (*destroy)(Dataset *dataset);
    /* Optional, for preparing batches on the GPU (dataloader_device.c):
     * raw_bytes gives a dataset whose raw items are bytes (MNIST) its
     * items (item_numel bytes each, in index order) and labels; a view
     * (a subset) maps its index to its parent's with parent_index. */
    const uint8_t *(*raw_bytes)(const Dataset *dataset, const uint8_t **labels);
    size_t (*parent_index)(const Dataset *dataset, size_t index);
} DatasetOps;

struct Dataset {
    ObjectHeader header;        /* first: the check word (host/object.h); says freed
                                   once the user freed it, even while a loader
                                   or subset still holds it */
    const DatasetOps *ops;
    int refs;                   /* subsets and dataloaders hold their dataset */
    int ndim;
    int shape[CNB_MAX_DIMS];
    size_t item_numel;
    Transform *transform;       /* NULL: none (a subset then uses its parent's) */
    const char *const *classes;
    int num_classes;
    /* get_raw may run on the dataloader's thread (it calls no user code). */
    bool thread_safe;
    Dataset *parent;            /* subsets: the dataset viewed */
    /* raw_bytes' items and labels on the GPU, uploaded by the first
     * dataloader that prepares batches there, freed with the dataset */
    void *device_items, *device_labels;
};

/* Fills the common fields; the dataset starts with one reference. */
void dataset_init(Dataset *dataset, const DatasetOps *ops, const int *shape, int ndim);
Dataset *dataset_ref(Dataset *dataset);
/* Drops one reference (a loader's, a subset's); the last destroys it.
 * dataset_free is the user's: it drops the user's reference and marks the
 * user's handle freed. */
void dataset_unref(Dataset *dataset);
/* True, with a ValueError naming function, for a dataset the user freed
 * (NULL passes, for the caller's own message). */
static inline bool dataset_dead(const Dataset *dataset, const char *function)
{
    return object_dead(dataset, OBJECT_DATASET, function);
}
/* print(dataset) without asking whether the user's handle lives (for a
 * loader's dataset). */
void dataset_write(FILE *out, const Dataset *dataset);
/* The transform items get: the dataset's own, else its parent's. */
const Transform *dataset_transform(const Dataset *dataset);
/* Hints that item index is read soon (no-op where a dataset has no hint). */
void dataset_prefetch(const Dataset *dataset, size_t index);
/* Item index, through transform with already drawn random params, into out. */
int dataset_fill(const Dataset *dataset, size_t index, float *out, int *label,
                 const Transform *transform, const float *params);

/* "batch_size=64, shuffle=true, drop_last=false" */
void dataloader_fprint_options(FILE *out, const DataLoader *loader);

/* The dataset's items and labels on the GPU (uploaded on the first call),
 * for raw_bytes datasets; 0, or -1 with a message. */
int dataset_device_upload(Dataset *dataset, const char *function);
void dataset_device_release(Dataset *dataset);

/* A view of indices[0..count) of parent (copied). */
Dataset *subset_new(Dataset *parent, const int64_t *indices, size_t count);

#endif

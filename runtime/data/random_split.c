// SPDX-License-Identifier: BSD-3-Clause
/* random_split as torch.utils.data.random_split with the default generator:
 * one randperm(sum(lengths)), then consecutive slices of it. */
#include "data/dataset_impl.h"

#include <stdlib.h>

#include "host/error_internal.h"
#include "cnb/random.h"

static void free_parts(Dataset **parts, size_t count)
{
    for (size_t i = 0; i < count; i++)
        dataset_free(parts[i]);
    free(parts);
}

Dataset **random_split_lengths(Dataset *dataset, const size_t *lengths, size_t count)
{
    if (dataset_dead(dataset, "random_split"))
        return NULL;
    if (!dataset) {
        cnb_error("random_split", "dataset is NULL");
        return NULL;
    }
    if (!lengths || count == 0) {
        cnb_error("random_split", "no lengths given");
        return NULL;
    }
    size_t total = 0, n = dataset_len(dataset);
    for (size_t i = 0; i < count; i++)
        total += lengths[i];
    if (total != n) {
        cnb_error("random_split", "the lengths add up to %zu, but the dataset has %zu items",
                  total, n);
        return NULL;
    }
    int64_t *perm = malloc(sizeof *perm * (n ? n : 1));
    Dataset **parts = calloc(count + 1, sizeof *parts);
    if (!perm || !parts) {
        free(perm);
        free(parts);
        cnb_error("random_split", "out of memory");
        return NULL;
    }
    random_permutation(perm, (int64_t)n);
    size_t offset = 0;
    for (size_t i = 0; i < count; i++) {
        parts[i] = subset_new(dataset, perm + offset, lengths[i]);
        if (!parts[i]) {
            free_parts(parts, i);
            free(perm);
            return NULL;
        }
        offset += lengths[i];
    }
    free(perm);
    return parts;
}

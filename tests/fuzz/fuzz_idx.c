// SPDX-License-Identifier: BSD-3-Clause
/* libFuzzer target: the IDX reader, raw or gzip (runtime/data/idx.c), on
 * whatever a truncated, corrupted or hostile data file may hold.  The first
 * byte picks the dimensions asked for (1: labels, 3: images, as mnist()
 * does; others too).  A file that loads has exactly the bytes its header
 * announces; one that does not says why. */
#include <stdlib.h>
#include <string.h>

#include "data/idx.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int ndim = 1 + data[0] % IDX_MAX_DIMS;
    const char *path = fuzz_file(data + 1, size - 1);
    IdxArray array;
    fuzz_error_clear();
    if (idx_load("fuzz_idx", path, ndim, &array) == 0) {
        size_t total = 1;
        for (int i = 0; i < array.ndim; i++)
            total *= array.dims[i];
        if (array.ndim != ndim || !array.data || array.item_size * array.dims[0] != total)
            abort();
        /* Read every byte: the buffer must be as long as announced (ASan). */
        size_t sum = 0;
        for (size_t i = 0; i < total; i++)
            sum += array.data[i];
        if (sum > 255 * total)
            abort();
        idx_free(&array);
    } else if (!*fuzz_error()) {
        abort();
    }
    return 0;
}

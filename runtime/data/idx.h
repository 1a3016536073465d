// SPDX-License-Identifier: BSD-3-Clause
/* IDX files (the MNIST format), raw or gzip-compressed. */
#ifndef CNB_DATA_IDX_H
#define CNB_DATA_IDX_H

#include <stddef.h>
#include <stdint.h>

#define IDX_MAX_DIMS 4

/* An IDX array of unsigned bytes: dims[0] items of dims[1] x dims[2] ... */
typedef struct IdxArray {
    uint8_t *data;
    int ndim;
    uint32_t dims[IDX_MAX_DIMS];
    size_t item_size;           /* product of dims[1..] */
    void *mapping;              /* the mapped file (data points into it), or NULL: malloc'd */
    size_t mapped;
} IdxArray;

/* Reads path (gzip or not: detected from the content) and checks that it is
 * an unsigned-byte IDX array with ndim dimensions.  An uncompressed file is
 * mapped read-only instead of read: the kernels of a class that load the
 * same shared files then share one copy in the page cache.  Returns 0, or -1 with a
 * cnb error naming the file and what is wrong; function is the name the error
 * is reported under. */
int idx_load(const char *function, const char *path, int ndim, IdxArray *out);
void idx_free(IdxArray *array);

#endif

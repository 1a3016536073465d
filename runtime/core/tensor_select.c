// SPDX-License-Identifier: BSD-3-Clause
/* tensor_index_select: gathering rows, as torch.index_select along dim 0. */
#include "core/tensor_impl.h"
#include "core/parallel.h"
#include "host/error_internal.h"

#include <string.h>

typedef struct Gather {
    float *out;
    const float *src;
    const int64_t *index;
    size_t row;                   /* floats per row */
    int n;
} Gather;

/* A random row of a large dataset comes from memory, not cache: the rows
 * a few places ahead are requested while this one is copied. */
#define AHEAD 4

static void prefetch_row(const float *row, size_t floats)
{
    for (size_t i = 0; i < floats; i += 16)
        __builtin_prefetch(row + i);
}

static void gather_part(void *context, int part, int parts)
{
    const Gather *g = context;
    size_t lo, hi;
    parallel_slice((size_t)g->n, part, parts, 1, &lo, &hi);
    for (size_t i = lo; i < hi && i < lo + AHEAD; i++)
        prefetch_row(g->src + (size_t)g->index[i] * g->row, g->row);
    for (size_t i = lo; i < hi; i++) {
        if (i + AHEAD < hi)
            prefetch_row(g->src + (size_t)g->index[i + AHEAD] * g->row, g->row);
        memcpy(g->out + i * g->row, g->src + (size_t)g->index[i] * g->row,
               g->row * sizeof(float));
    }
}

static int check_shapes(const Tensor *out, const Tensor *src, int n)
{
    if (src->ndim < 1)
        return cnb_error("tensor_index_select", "src has no first dimension to select from");
    if (out->ndim != src->ndim || out->shape[0] != n)
        return cnb_error_of(CNB_SHAPE_ERROR, "tensor_index_select", "out must have %d dimensions and %d rows "
                         "(it has %d dimensions, %d rows)", src->ndim, n, out->ndim,
                         out->ndim ? out->shape[0] : 0);
    for (int d = 1; d < src->ndim; d++)
        if (out->shape[d] != src->shape[d])
            return cnb_error_of(CNB_SHAPE_ERROR, "tensor_index_select", "out's dimension %d is %d, src's is %d", d,
                             out->shape[d], src->shape[d]);
    return 0;
}

int tensor_index_select(Tensor *out, const Tensor *src, const int64_t *index, int n)
{
    if (tensor_dead(out, "tensor_index_select") || tensor_dead(src, "tensor_index_select"))
        return -1;
    if (!out || !src || (!index && n > 0))
        return cnb_error("tensor_index_select", "%s is NULL",
                         !out ? "out" : !src ? "src" : "index");
    if (n < 0)
        return cnb_error("tensor_index_select", "n is negative (%d)", n);
    if (check_shapes(out, src, n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (index[i] < 0 || index[i] >= src->shape[0])
            return cnb_error("tensor_index_select", "index[%d] = %lld is outside the %d rows "
                             "of src", i, (long long)index[i], src->shape[0]);
    size_t row = src->shape[0] ? src->numel / (size_t)src->shape[0] : 0;
    /* on the GPU: through the host copies (a device-side gather is the
     * device-resident dataloader's, not written yet) */
    Gather g = { out->data, tensor_cdata(src), index, row, n };
    parallel_run(gather_part, &g, (size_t)n * row >= 16384 ? PARALLEL_FINE : 0);
    return out->device == CUDA ? tensor_device_upload(out, "tensor_index_select") : 0;
}

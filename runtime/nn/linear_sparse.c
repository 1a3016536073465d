// SPDX-License-Identifier: BSD-3-Clause
/* The sparse-input path of linear layers.
 *
 * MNIST-like images are mostly background: about 81% of the pixels of an
 * MNIST batch are exactly 0.  For the first layer of the lesson's MLP
 * (784 -> 256) the dense GEMMs x W^T and G^T x are 3/4 of all the arithmetic
 * of a training step, and most of it multiplies by zero.  When the input of
 * a large linear layer is sparse enough, this path computes the same two
 * products from the nonzeros only:
 *
 *   forward   y[r] = sum over nonzero x[r][k] of x[r][k] * W^T[k]
 *   backward  dW^T[k] = sum over nonzero x[r][k] of x[r][k] * g[r]
 *
 * with W^T made 64 columns at a time in a tile that stays in L1 (W changes
 * every step; a whole W^T, made and then read back for every nonzero, cost
 * 25 us a step more) and dW^T transposed (or added) into the gradient.
 * The input's gradient, when needed, still comes from the dense GEMM.
 *
 * Every piece is split across the compute threads: each row's nonzeros go
 * to a slot of their own (CSR with a start and an end per row, so rows can
 * be gathered in parallel); then each thread takes a block of outputs (the
 * rows of W it updated in the last Adam step: the pool gives each part a
 * home) and sorts the columns' nonzeros (CSC, for backward) of a slice of
 * columns out of the rows' ones.  The order of each sum is the one of the
 * one-thread code, so results do not depend on the thread count.  Dense
 * inputs (normalized
 * images, Fashion-MNIST at ~50% nonzero, hidden activations) take the
 * OpenBLAS path; the results agree to float rounding (other summation order). */
#include "nn/layer.h"
#include "core/parallel.h"
#include "core/vector_ops.h"
#include "cnb/error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Above this fraction of nonzeros the dense GEMM is faster (measured on
 * the lesson's first layer with bench/train_mnist). */
#define SPARSE_MAX_DENSITY 0.30
#define SPARSE_MIN_IN 128
#define SPARSE_MIN_OUT 32

struct SparseInput {
    int rows_capacity, cols;      /* the shape the slots are laid out for */
    int rows;                     /* of the last input */
    size_t row_pitch, col_pitch;  /* entries per row slot / column slot */
    int *row_start, *row_end;     /* CSR: row r is [row_start[r], row_end[r]) */
    int *index;
    float *value;
    int *col_start, *col_end;     /* CSC (backward) */
    int *col_index;
    float *col_value;
    bool valid;                   /* holds the nonzeros of the last training input */
    bool columns;                 /* and their CSC */
    bool was_dense;               /* the last input took the dense path */
};

static void free_slots(SparseInput *s)
{
    free(s->row_start);
    free(s->row_end);
    free(s->index);
    free(s->value);
    free(s->col_start);
    free(s->col_end);
    free(s->col_index);
    free(s->col_value);
}

void sparse_input_free(SparseInput *s)
{
    if (!s)
        return;
    free_slots(s);
    free(s);
}

/* Slots for a [rows, cols] input: room for every entry of a row (plus the
 * 16 that vec_nonzeros may write past the last), and of a column. */
static bool reserve(SparseInput *s, int rows, int cols)
{
    if (s->index && rows <= s->rows_capacity && cols == s->cols)
        return true;
    free_slots(s);
    s->rows_capacity = rows;
    s->cols = cols;
    s->row_pitch = (size_t)cols + 16;
    s->col_pitch = (size_t)rows + 16;
    size_t r = (size_t)rows, c = (size_t)cols;
    s->row_start = malloc(r * sizeof(int));
    s->row_end = malloc(r * sizeof(int));
    s->index = malloc(r * s->row_pitch * sizeof(int));
    s->value = malloc(r * s->row_pitch * sizeof(float));
    s->col_start = malloc(c * sizeof(int));
    s->col_end = malloc(c * sizeof(int));
    s->col_index = malloc(c * s->col_pitch * sizeof(int));
    s->col_value = malloc(c * s->col_pitch * sizeof(float));
    if (s->row_start && s->row_end && s->index && s->value && s->col_start && s->col_end &&
        s->col_index && s->col_value)
        return true;
    free_slots(s);
    memset(s, 0, offsetof(SparseInput, valid));
    return false;
}

static SparseInput *workspace(SparseInput **slot, int rows, int cols)
{
    if (!*slot && !(*slot = calloc(1, sizeof **slot)))
        return NULL;
    return reserve(*slot, rows, cols) ? *slot : NULL;
}

static bool eligible(const Layer *layer)
{
    return layer->takes_model_input && layer->in_features >= SPARSE_MIN_IN &&
           layer->out_features >= SPARSE_MIN_OUT;
}

typedef struct SparsePass {
    Layer *layer;
    SparseInput *s;
    const float *x;
    float *out;
    int rows;
    bool build_columns;          /* training: backward will want the CSC */
} SparsePass;

static void gather_rows(void *context, int part, int parts)
{
    const SparsePass *f = context;
    SparseInput *s = f->s;
    size_t lo, hi;
    parallel_slice((size_t)f->rows, part, parts, 1, &lo, &hi);
    for (size_t r = lo; r < hi; r++) {
        size_t at = r * s->row_pitch;
        size_t n = vec_nonzeros(f->x + r * (size_t)s->cols, s->cols, s->index + at,
                                s->value + at, (size_t)s->cols);
        s->row_start[r] = (int)at;
        s->row_end[r] = (int)(at + n);
    }
}

/* The first entry of a sorted index list that is at least k. */
static int lower_bound(const int *index, int n, int k)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (index[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Columns [lo, hi) of the batch (CSC, for backward) from the rows'
 * nonzeros: each row's entries in these columns appended to their column's
 * slot, rows in increasing order (the order backward sums in).  Cheaper
 * than transposing the dense batch and scanning it again. */
static void columns_from_rows(const SparsePass *f, int part, int parts)
{
    SparseInput *s = f->s;
    size_t lo, hi;
    parallel_slice((size_t)s->cols, part, parts, 8, &lo, &hi);
    for (size_t k = lo; k < hi; k++)
        s->col_start[k] = s->col_end[k] = (int)(k * s->col_pitch);
    for (int r = 0; lo < hi && r < f->rows; r++) {
        const int *index = s->index + s->row_start[r];
        const float *value = s->value + s->row_start[r];
        int n = s->row_end[r] - s->row_start[r];
        for (int e = lower_bound(index, n, (int)lo); e < n && index[e] < (int)hi; e++) {
            int at = s->col_end[index[e]]++;
            s->col_index[at] = r;
            s->col_value[at] = value[e];
        }
    }
}


/* Block b of the output columns of x W^T, straight from W's rows of those
 * outputs, then bias and activation. */
static void product_block(const SparsePass *f, int block, int blocks)
{
    int n_in = f->layer->in_features, n_out = f->layer->out_features;
    size_t lo, hi;
    parallel_slice((size_t)n_out, block, blocks, 16, &lo, &hi);
    if (lo >= hi)
        return;
    vec_sparse_times_weight(f->s->row_start, f->s->row_end, f->s->index, f->s->value, f->rows,
                            n_in, f->layer->weight->data + lo * (size_t)n_in, n_in,
                            (int)(hi - lo), f->out + lo, n_out);
    linear_epilogue(f->layer, f->out, n_out, f->rows, (int)lo, (int)hi);
}

/* The product task: each thread's first part is its block of outputs (its
 * home rows of W, which it updated in the last Adam step), its other parts
 * are slices of the columns' nonzeros (for backward), which a thread that
 * is done first takes over: the blocks are equal work, but one core is
 * often a little slower than the other.  Neither split changes a number. */
#define PRODUCT_PARTS_PER_THREAD 4

static void product_part(void *context, int part, int parts)
{
    const SparsePass *f = context;
    int k = PRODUCT_PARTS_PER_THREAD;  /* the pool may have given fewer */
    int blocks = (parts + k - 1) / k, slices = parts - blocks;
    if (part % k == 0) {
        if (slices == 0 && f->build_columns)
            columns_from_rows(f, 0, 1);
        product_block(f, part / k, blocks);
    } else if (f->build_columns) {
        columns_from_rows(f, part - part / k - 1, slices);
    }
}

bool linear_sparse_forward(Layer *layer, const Tensor *in, Tensor *out, bool training)
{
    SparseInput **slot = training ? &layer->sparse_train : &layer->sparse_predict;
    if (*slot)
        (*slot)->valid = (*slot)->columns = false;
    if (!eligible(layer))
        return false;
    int n_in = layer->in_features;
    int rows = (int)(in->numel / (size_t)n_in);
    if (rows <= 0)
        return false;
    SparseInput *s = workspace(slot, rows, n_in);
    if (!s)
        return false;
    /* after a dense input (hidden activations are 50-60% nonzero), only
     * count, with an early stop: gathering would be wasted */
    double work = (double)rows * n_in;
    size_t limit = (size_t)(work * SPARSE_MAX_DENSITY);
    if (s->was_dense && vec_count_nonzeros(in->data, (size_t)work, limit) > limit)
        return false;
    SparsePass f = { layer, s, in->data, out->data, rows, training };
    parallel_run(gather_rows, &f, work >= 8192 ? PARALLEL_FINE : 0);
    size_t nonzeros = 0;
    for (int r = 0; r < rows; r++)
        nonzeros += (size_t)(s->row_end[r] - s->row_start[r]);
    s->was_dense = nonzeros > limit;
    if (s->was_dense)
        return false;
    parallel_run(product_part, &f, rows >= 8 ? PRODUCT_PARTS_PER_THREAD : 0);
    /* kept for backward: the input must not change until then (the API
     * asks that it stays valid; torch would refuse an in-place change) */
    s->valid = true;
    s->columns = training;
    s->rows = rows;
    return true;
}

bool linear_sparse_backward_ready(Layer *layer, const Tensor *in)
{
    SparseInput *s = layer->sparse_train;
    int rows = (int)(in->numel / (size_t)layer->in_features);
    return s && s->valid && s->columns && s->rows == rows;
}

void linear_sparse_weight_grad(Layer *layer, const float *g, int lo, int hi,
                               bool first_accumulation)
{
    SparseInput *s = layer->sparse_train;
    int n_in = layer->in_features, n_out = layer->out_features;
    vec_sparse_columns_times_dense_t(s->col_start, s->col_end, s->col_index, s->col_value, n_in,
                                     g + lo, n_out, hi - lo,
                                     layer->grad_weight->data + (size_t)lo * (size_t)n_in, n_in,
                                     !first_accumulation);
}

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
 * with W^T made by a fast transpose each step (W changes every step) and
 * dW^T transposed (or added) into the gradient.  The input's gradient,
 * when needed, still comes from the dense GEMM.  Dense inputs (normalized
 * images, Fashion-MNIST at ~50% nonzero, hidden activations) take the
 * OpenBLAS path; the results agree to float rounding (other summation order). */
#include "nn/layer.h"
#include "core/parallel.h"
#include "core/vector_ops.h"
#include "cnb/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Above this fraction of nonzeros the dense GEMM is faster (measured on
 * the lesson's first layer with bench/train_mnist). */
#define SPARSE_MAX_DENSITY 0.30
#define SPARSE_MIN_IN 128
#define SPARSE_MIN_OUT 32

struct SparseInput {
    int *row_start, *index;       /* CSR of the input */
    float *value;
    size_t capacity;              /* entries of index/value */
    int rows_capacity;
    int *col_start, *col_next, *col_index;   /* CSC (backward) */
    float *col_value;
    int cols_capacity;
    size_t col_capacity;          /* entries of col_index/col_value */
    float *wt;                    /* W^T [in, out] (forward), dW^T (backward) */
    size_t wt_capacity;
    bool valid;                   /* holds the nonzeros of the last training input */
    int rows;
};

void sparse_input_free(SparseInput *s)
{
    if (!s)
        return;
    free(s->row_start);
    free(s->index);
    free(s->value);
    free(s->col_start);
    free(s->col_next);
    free(s->col_index);
    free(s->col_value);
    free(s->wt);
    free(s);
}

/* Grows array p (of any element type) to want elements; capacity is shared
 * by arrays that grow together, so it is only updated by the caller. */
#define GROW(p, have, want)                                                   \
    ((want) <= (have) ? true : grow_to((void *)&(p), sizeof *(p), (want)))

static bool grow_to(void *pointer_to_array, size_t element, size_t want)
{
    void *array;
    memcpy(&array, pointer_to_array, sizeof array);
    void *bigger = realloc(array, want * element);
    if (!bigger)
        return false;
    memcpy(pointer_to_array, &bigger, sizeof bigger);
    return true;
}

static bool reserve(SparseInput *s, int rows, int cols, size_t entries)
{
    size_t r = (size_t)rows + 1, c = (size_t)cols + 1;
    if (!GROW(s->row_start, (size_t)s->rows_capacity, r))
        return false;
    s->rows_capacity = (int)(r > (size_t)s->rows_capacity ? r : (size_t)s->rows_capacity);
    if (!GROW(s->index, s->capacity, entries) || !GROW(s->value, s->capacity, entries))
        return false;
    s->capacity = entries > s->capacity ? entries : s->capacity;
    if (!GROW(s->col_start, (size_t)s->cols_capacity, c) ||
        !GROW(s->col_next, (size_t)s->cols_capacity, c))
        return false;
    s->cols_capacity = (int)(c > (size_t)s->cols_capacity ? c : (size_t)s->cols_capacity);
    return true;
}

/* CSR of x [rows, cols]; false when x is too dense (or memory is short). */
static bool build_rows(SparseInput *s, const float *x, int rows, int cols)
{
    size_t limit = (size_t)((double)rows * cols * SPARSE_MAX_DENSITY);
    if (!reserve(s, rows, cols, limit + 17))   /* vec_nonzeros writes 16 ahead */
        return false;
    size_t nnz = 0;
    for (int r = 0; r < rows; r++) {
        s->row_start[r] = (int)nnz;
        size_t found = vec_nonzeros(x + (size_t)r * (size_t)cols, cols, s->index + nnz,
                                    s->value + nnz, limit - nnz);
        if (found == SIZE_MAX)
            return false;
        nnz += found;
    }
    s->row_start[rows] = (int)nnz;
    return true;
}

/* CSC from the CSR, rows in increasing order within each column. */
static bool build_columns(SparseInput *s, int rows, int cols)
{
    size_t nnz = (size_t)s->row_start[rows];
    if (!GROW(s->col_index, s->col_capacity, nnz + 1) ||
        !GROW(s->col_value, s->col_capacity, nnz + 1))
        return false;
    s->col_capacity = nnz + 1 > s->col_capacity ? nnz + 1 : s->col_capacity;
    memset(s->col_start, 0, ((size_t)cols + 1) * sizeof(int));
    for (size_t e = 0; e < nnz; e++)
        s->col_start[s->index[e] + 1]++;
    for (int k = 0; k < cols; k++)
        s->col_start[k + 1] += s->col_start[k];
    memcpy(s->col_next, s->col_start, (size_t)cols * sizeof(int));
    for (int r = 0; r < rows; r++)
        for (int e = s->row_start[r]; e < s->row_start[r + 1]; e++) {
            int at = s->col_next[s->index[e]]++;
            s->col_index[at] = r;
            s->col_value[at] = s->value[e];
        }
    return true;
}

static SparseInput *workspace(SparseInput **slot, size_t wt_floats)
{
    if (!*slot && !(*slot = calloc(1, sizeof **slot)))
        return NULL;
    SparseInput *s = *slot;
    if (!GROW(s->wt, s->wt_capacity, wt_floats))
        return NULL;
    s->wt_capacity = wt_floats > s->wt_capacity ? wt_floats : s->wt_capacity;
    return s;
}

static bool eligible(const Layer *layer)
{
    return layer->in_features >= SPARSE_MIN_IN && layer->out_features >= SPARSE_MIN_OUT;
}

typedef struct SparseForward {
    Layer *layer;
    SparseInput *s;
    float *out;
    int rows;
} SparseForward;

/* Part of W^T: rows [lo, hi) of W become columns of W^T. */
static void transpose_part(void *context, int part, int parts)
{
    const SparseForward *f = context;
    size_t n_in = (size_t)f->layer->in_features, n_out = (size_t)f->layer->out_features, lo, hi;
    parallel_slice(n_out, part, parts, 8, &lo, &hi);
    vec_transpose_strided(f->layer->weight->data + lo * n_in, n_in, (int)(hi - lo), (int)n_in,
                          f->s->wt + lo, n_out, false);
}

/* Part of the batch: its rows of x W^T, then bias and activation. */
static void product_part(void *context, int part, int parts)
{
    const SparseForward *f = context;
    int n_out = f->layer->out_features;
    size_t lo, hi;
    parallel_slice((size_t)f->rows, part, parts, 1, &lo, &hi);
    float *y = f->out + lo * (size_t)n_out;
    vec_sparse_times_dense(f->s->row_start + lo, f->s->index, f->s->value, (int)(hi - lo),
                           f->s->wt, n_out, y);
    linear_epilogue(f->layer, y, n_out, (int)(hi - lo), 0, n_out);
}

bool linear_sparse_forward(Layer *layer, const Tensor *in, Tensor *out, bool training)
{
    SparseInput **slot = training ? &layer->sparse_train : &layer->sparse_predict;
    if (*slot)
        (*slot)->valid = false;
    if (!eligible(layer))
        return false;
    int n_in = layer->in_features, n_out = layer->out_features;
    int rows = (int)(in->numel / (size_t)n_in);
    SparseInput *s = workspace(slot, (size_t)n_in * (size_t)n_out);
    if (!s || !build_rows(s, in->data, rows, n_in))
        return false;
    SparseForward f = { layer, s, out->data, rows };
    parallel_run(transpose_part, &f, true);
    parallel_run(product_part, &f, rows >= 8);
    /* kept for backward: the input must not change until then (the API
     * asks that it stays valid; torch would refuse an in-place change) */
    s->valid = true;
    s->rows = rows;
    return true;
}

bool linear_sparse_backward_ready(Layer *layer, const Tensor *in)
{
    SparseInput *s = layer->sparse_train;
    int n_in = layer->in_features;
    int rows = (int)(in->numel / (size_t)n_in);
    return s && s->valid && s->rows == rows && build_columns(s, rows, n_in);
}

void linear_sparse_weight_grad(Layer *layer, const float *g, int lo, int hi,
                               bool first_accumulation)
{
    SparseInput *s = layer->sparse_train;
    int n_in = layer->in_features, n_out = layer->out_features;
    vec_sparse_columns_times_dense(s->col_start, s->col_index, s->col_value, n_in, g + lo, n_out,
                                   hi - lo, s->wt + lo, n_out);
    vec_transpose_strided(s->wt + lo, (size_t)n_out, n_in, hi - lo,
                          layer->grad_weight->data + (size_t)lo * (size_t)n_in, (size_t)n_in,
                          !first_accumulation);
}

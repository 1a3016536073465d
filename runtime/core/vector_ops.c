// SPDX-License-Identifier: BSD-3-Clause
/* Vectorizable elementwise loops (see vector_ops.h).  Each loop keeps the
 * order of operations of the plain C it replaces: no reassociation, so
 * results do not depend on the vector width (only FMA contraction on
 * AVX2/AVX-512 changes the last bit, as in PyTorch's own AVX2 kernels). */
/* Built with -O3 -fno-math-errno, and without loop interchange and
 * unroll-and-jam (core/sources.am). */

#include "core/vector_ops.h"
#include "cuda/activation_math.cuh"
#include "cuda/normalize_math.cuh"

#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VECTOR_CLONES
#endif

/* The update itself is cuda/adam_math.cuh's, the GPU's too; inlined, the
 * loops still vectorize (restrict, no reassociation). */
VECTOR_CLONES
void vec_adam(float *restrict p, const float *restrict grad, float *restrict m,
              float *restrict v, size_t n, const CnbAdamScalars *s)
{
    const CnbAdamScalars k = *s;  /* in registers, not re-read through s */
    if (k.weight_decay != 0.0f) {
        for (size_t i = 0; i < n; i++)
            cnb_adam_element(&p[i], &m[i], &v[i], cnb_adam_decayed(grad[i], p[i], k.weight_decay),
                             &k);
        return;
    }
    for (size_t i = 0; i < n; i++)
        cnb_adam_element(&p[i], &m[i], &v[i], grad[i], &k);
}

VECTOR_CLONES
void vec_bytes_to_floats(const unsigned char *restrict in, float *restrict out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i];
}

VECTOR_CLONES
void vec_shift_divide(float *restrict x, size_t n, float shift, float scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = cnb_shift_divide(x[i], shift, scale);
}

VECTOR_CLONES
void vec_sgd(float *restrict p, const float *restrict grad, float *restrict buf, size_t n,
             const CnbSgdScalars *s)
{
    const CnbSgdScalars k = *s;   /* in registers, not re-read through s */
    if (!buf) {
        for (size_t i = 0; i < n; i++)
            cnb_sgd_element(&p[i], grad[i], &k);
        return;
    }
    for (size_t i = 0; i < n; i++)
        cnb_sgd_momentum_element(&p[i], &buf[i], grad[i], &k);
}

VECTOR_CLONES
void vec_bias_rows(float *restrict y, int ld, const float *restrict b, int rows, int cols,
                   bool relu)
{
    for (int r = 0; r < rows; r++) {
        float *row = y + (size_t)r * (size_t)ld;
        if (relu)
            for (int j = 0; j < cols; j++)
                row[j] = cnb_relu(row[j] + b[j]);
        else
            for (int j = 0; j < cols; j++)
                row[j] += b[j];
    }
}

VECTOR_CLONES
void vec_relu_backward(const float *restrict y, float *restrict g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g[i] = cnb_relu_grad(y[i], g[i]);
}

VECTOR_CLONES
void vec_relu(const float *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = cnb_relu(in[i]);
}

VECTOR_CLONES
void vec_column_sums(const float *restrict g, int ld, int rows, int cols, float *restrict out,
                     bool accumulate)
{
    if (!accumulate)
        memset(out, 0, (size_t)cols * sizeof(float));
    for (int r = 0; r < rows; r++) {
        const float *row = g + (size_t)r * (size_t)ld;
        for (int j = 0; j < cols; j++)
            out[j] += row[j];
    }
}

/* The sparse kernels keep a block of 128 outputs in 8 vector registers
 * while they run through a row's (or a column's) nonzeros: loads only, one
 * store per block rather than per nonzero (the store port is what limits
 * the plain loop).  GCC's vector extension gives one 16-float register on
 * AVX-512, two on AVX2, four on SSE, from the same code. */
typedef float vf16 __attribute__((vector_size(64), aligned(4)));
#define BLOCK_VECTORS 8
#define BLOCK (16 * BLOCK_VECTORS)

/* x W^T for sparse x, from W itself, by blocks of 128 outputs: W^T is made
 * 64 columns at a time in a tile of 32 KB, which stays in L1 while every row
 * adds its nonzeros of those columns (a row's outputs wait in y, in L1 or
 * L2, between the tiles).  A whole W^T (800 KB for the lesson's first
 * layer) never exists: making it and reading it back from L2 for each
 * nonzero cost more than the product.  Each output is the same sum in the
 * same order: ascending k, from zero (64 columns a tile measured 100 us
 * for the lesson's first layer and batch on one thread, 16 columns 150;
 * a whole W^T and a product reading it 130). */
#define TILE_K 64
#define ROW_CHUNK 256             /* rows whose read positions fit the stack */

static inline __attribute__((always_inline))
void add_tile_block(const int *restrict index, const float *restrict value, int *restrict e,
                    int end, int k_end, int k0, const float *restrict tile, float *restrict y)
{
    vf16 acc[BLOCK_VECTORS];
    for (int c = 0; c < BLOCK_VECTORS; c++)
        acc[c] = *(const vf16 *)(y + 16 * c);
    for (; *e < end && index[*e] < k_end; (*e)++) {
        const float v = value[*e], *t = tile + (size_t)(index[*e] - k0) * BLOCK;
        for (int c = 0; c < BLOCK_VECTORS; c++)
            acc[c] += v * *(const vf16 *)(t + 16 * c);
    }
    for (int c = 0; c < BLOCK_VECTORS; c++)
        *(vf16 *)(y + 16 * c) = acc[c];
}

static inline __attribute__((always_inline))
void add_tile_any(const int *restrict index, const float *restrict value, int *restrict e,
                  int end, int k_end, int k0, const float *restrict tile, int width,
                  float *restrict y)
{
    for (; *e < end && index[*e] < k_end; (*e)++) {
        const float v = value[*e], *t = tile + (size_t)(index[*e] - k0) * BLOCK;
        for (int j = 0; j < width; j++)
            y[j] += v * t[j];
    }
}

VECTOR_CLONES
void vec_sparse_times_weight(const int *restrict row_start, const int *restrict row_end,
                             const int *restrict index, const float *restrict value, int rows,
                             int cols, const float *restrict w, int ldw, int n,
                             float *restrict y, int ldy)
{
    float tile[TILE_K * BLOCK] __attribute__((aligned(64)));
    int cursor[ROW_CHUNK];
    for (int r0 = 0; r0 < rows; r0 += ROW_CHUNK) {
        int chunk = rows - r0 < ROW_CHUNK ? rows - r0 : ROW_CHUNK;
        for (int j0 = 0; j0 < n; j0 += BLOCK) {
            int width = n - j0 < BLOCK ? n - j0 : BLOCK;
            for (int r = 0; r < chunk; r++) {
                cursor[r] = row_start[r0 + r];
                memset(y + (size_t)(r0 + r) * (size_t)ldy + j0, 0, (size_t)width * sizeof(float));
            }
            for (int k0 = 0; k0 < cols; k0 += TILE_K) {
                int h = cols - k0 < TILE_K ? cols - k0 : TILE_K, k_end = k0 + h;
                vec_transpose_strided(w + (size_t)j0 * (size_t)ldw + k0, (size_t)ldw, width, h,
                                      tile, BLOCK, false);
                for (int r = 0; r < chunk; r++) {
                    int end = row_end[r0 + r];
                    if (cursor[r] == end || index[cursor[r]] >= k_end)
                        continue;
                    float *out = y + (size_t)(r0 + r) * (size_t)ldy + j0;
                    if (width == BLOCK)
                        add_tile_block(index, value, &cursor[r], end, k_end, k0, tile, out);
                    else
                        add_tile_any(index, value, &cursor[r], end, k_end, k0, tile, width, out);
                }
            }
        }
    }
}

/* By columns, the dense rows g[r] (64 rows of the batch) are read again for
 * every column k: so the outer loop runs over 128-wide slices of the
 * output, and a slice of all of g (64 x 128 floats, 32 KB) stays in L1
 * while the loop runs through the 784 columns; its 8 accumulators keep the
 * FMA pipes busy (64-wide slices, 4 accumulators, each waiting on its last
 * FMA: 12% slower).  The sums of 16 columns at a time collect in a small
 * tile (8 KB, in L1) that is then transposed into dW: dW^T never exists as
 * a whole, which saved a 784x256 write, read and transpose per step. */
#define SLICE_VECTORS 8
#define SLICE (16 * SLICE_VECTORS)
#define TILE_COLUMNS 16

/* tile[kk][0..w) = sum over the nonzeros x[r][k] of column k of x[r][k] * g[r][0..w) */
static inline __attribute__((always_inline))
void column_sums_into_tile(const int *restrict index, const float *restrict value, int first,
                           int last, const float *restrict g, int ldg, int w,
                           float *restrict tile)
{
    if (w == SLICE) {
        vf16 acc[SLICE_VECTORS] = {0};
        for (int e = first; e < last; e++) {
            const float v = value[e], *gr = g + (size_t)index[e] * (size_t)ldg;
            for (int c = 0; c < SLICE_VECTORS; c++)
                acc[c] += v * *(const vf16 *)(gr + 16 * c);
        }
        for (int c = 0; c < SLICE_VECTORS; c++)
            *(vf16 *)(tile + 16 * c) = acc[c];
        return;
    }
    for (int j = 0; j < w; j++)
        tile[j] = 0.0f;
    for (int e = first; e < last; e++) {
        const float v = value[e], *gr = g + (size_t)index[e] * (size_t)ldg;
        for (int j = 0; j < w; j++)
            tile[j] += v * gr[j];
    }
}

VECTOR_CLONES
void vec_sparse_columns_times_dense_t(const int *restrict col_start,
                                      const int *restrict col_end, const int *restrict index,
                                      const float *restrict value, int cols,
                                      const float *restrict g, int ldg, int n,
                                      float *restrict out, int ldo, bool accumulate)
{
    float tile[TILE_COLUMNS * SLICE] __attribute__((aligned(64)));
    for (int j0 = 0; j0 < n; j0 += SLICE) {
        int w = n - j0 < SLICE ? n - j0 : SLICE;
        for (int k0 = 0; k0 < cols; k0 += TILE_COLUMNS) {
            int h = cols - k0 < TILE_COLUMNS ? cols - k0 : TILE_COLUMNS;
            for (int kk = 0; kk < h; kk++)
                column_sums_into_tile(index, value, col_start[k0 + kk], col_end[k0 + kk],
                                      g + j0, ldg, w, tile + kk * SLICE);
            vec_transpose_strided(tile, SLICE, h, w, out + (size_t)j0 * (size_t)ldo + k0,
                                  (size_t)ldo, accumulate);
        }
    }
}

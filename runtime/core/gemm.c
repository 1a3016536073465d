// SPDX-License-Identifier: BSD-3-Clause
/* Matrix products through OpenBLAS, split across the runtime's threads.
 *
 * OpenBLAS's own threads are left at one: for the lesson's 64-row batches
 * they cost more in wake-ups (~0.7 ms after a sleep) than they gain, and
 * switching their count per pass was itself expensive.  Instead C is cut
 * into a grid of tiles that depends on the product's shape alone, each
 * tile one single-threaded OpenBLAS call, and the runtime's threads
 * (parallel.h) share out whole tiles.  OpenBLAS's result for an element
 * depends on where it lies in the call (the Haswell kernels, also used for
 * Zen, compute a call's last 8 columns and the rows past its last multiple
 * of 12 with other code than the rest; the SkylakeX small-matrix kernels
 * treat columns past the last multiple of 16 differently), so a thread
 * count that changed the calls would change the last bits.  With the same
 * calls on the same operands, every thread count gives the same numbers,
 * whatever kernel family OpenBLAS picks. */
#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <cblas.h>
#include "core/compute.h"
#include "core/parallel.h"

/* Below this many multiply-adds a product takes about as long as handing
 * half of it to the other thread (~1-2 us). */
#define GEMM_PARALLEL_MIN 131072.0

static void openblas_one_thread(void)
{
    openblas_set_num_threads(1);
}

void gemm_threads_for_rows(int rows)
{
    (void)rows;
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, openblas_one_thread);
}

void gemm_serial(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {                 /* an empty sum: C = beta C, BLAS may refuse k = 0 */
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[(size_t)i * (size_t)ldc + (size_t)j] *= beta;
        return;
    }
    gemm_threads_for_rows(0);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
                beta, c, ldc);
}

#define SMALL_PRODUCT 262144.0   /* multiply-adds of one OpenBLAS call */
#define MAX_TILES 8              /* along the cut dimension, so tall products stay few calls */

static int round_up16(int x)
{
    return (x + 15) / 16 * 16;
}

int gemm_block_columns(int m, int k)
{
    double per_column = (double)(m > 0 ? m : 1) * (k > 0 ? k : 1);
    return (int)(SMALL_PRODUCT / per_column) / 16 * 16;
}

int gemm_tile(int d, int other, int k)
{
    int tile = gemm_block_columns(other, k);
    int fewest = round_up16((d + MAX_TILES - 1) / MAX_TILES);
    if (tile < fewest)
        tile = fewest;
    return tile > 16 ? tile : 16;
}

void gemm_row_tiles(int m, int n, int k, int *tile_rows, int *tile_cols)
{
    int rows = m / 4 > 32 ? round_up16(m / 4) : 32;
    *tile_rows = rows;
    *tile_cols = gemm_block_columns(rows, k) > 0 ? gemm_tile(n, rows, k) : n;
}

void gemm_serial_tiles(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                       const float *a, int lda, const float *b, int ldb, float beta, float *c,
                       int ldc, int tile_rows, int tile_cols)
{
    for (int i = 0; i < m; i += tile_rows) {
        int height = m - i < tile_rows ? m - i : tile_rows;
        const float *ai = a + (trans_a ? (size_t)i : (size_t)i * (size_t)lda);
        for (int j = 0; j < n; j += tile_cols) {
            int width = n - j < tile_cols ? n - j : tile_cols;
            const float *bj = b + (trans_b ? (size_t)j * (size_t)ldb : (size_t)j);
            gemm_serial(trans_a, trans_b, height, width, k, alpha, ai, lda, bj, ldb, beta,
                        c + (size_t)i * (size_t)ldc + (size_t)j, ldc);
        }
    }
}

typedef struct GemmTask {
    bool trans_a, trans_b;
    int m, n, k, lda, ldb, ldc;
    float alpha, beta;
    const float *a, *b;
    float *c;
} GemmTask;

static void gemm_part(void *context, int part, int parts)
{
    const GemmTask *t = context;
    size_t lo, hi;
    if (t->n >= t->m) {           /* tiles of columns: B's columns (rows if B^T) */
        int tile = gemm_tile(t->n, t->m, t->k);
        parallel_slice((size_t)t->n, part, parts, (size_t)tile, &lo, &hi);
        const float *b = t->b + (t->trans_b ? lo * (size_t)t->ldb : lo);
        gemm_serial_tiles(t->trans_a, t->trans_b, t->m, (int)(hi - lo), t->k, t->alpha, t->a,
                          t->lda, b, t->ldb, t->beta, t->c + lo, t->ldc, t->m, tile);
    } else {                      /* tiles of rows: A's rows (columns if A^T) */
        int tile = gemm_tile(t->m, t->n, t->k);
        parallel_slice((size_t)t->m, part, parts, (size_t)tile, &lo, &hi);
        const float *a = t->a + (t->trans_a ? lo : lo * (size_t)t->lda);
        gemm_serial_tiles(t->trans_a, t->trans_b, (int)(hi - lo), t->n, t->k, t->alpha, a,
                          t->lda, t->b, t->ldb, t->beta, t->c + lo * (size_t)t->ldc, t->ldc,
                          tile, t->n);
    }
}

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
          const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    GemmTask t = { trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta, a, b, c };
    parallel_run(gemm_part, &t, (double)m * n * k >= GEMM_PARALLEL_MIN ? 1 : 0);
}

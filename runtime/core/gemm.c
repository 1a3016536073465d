/* Matrix products through OpenBLAS, split across the runtime's threads.
 *
 * OpenBLAS's own threads are left at one: for the lesson's 64-row batches
 * they cost more in wake-ups (~0.7 ms after a sleep) than they gain, and
 * switching their count per pass was itself expensive.  Instead gemm()
 * cuts C into one block of columns (or rows, when C is narrow) per thread
 * of the runtime's pool (parallel.h), and each thread runs a one-thread
 * OpenBLAS product on its block: every element of C is the same sum in the
 * same order as in the undivided product, so results do not depend on the
 * thread count. */
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

int gemm_block_columns(int m, int k)
{
    double per_column = (double)(m > 0 ? m : 1) * (k > 0 ? k : 1);
    return (int)(SMALL_PRODUCT / per_column) / 16 * 16;   /* 0: too tall (1000-row batches) */
}

void gemm_serial_blocked(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                         int ldc, int block)
{
    if (block <= 0)
        block = n > 0 ? n : 1;
    for (int j = 0; j < n; j += block) {
        int width = n - j < block ? n - j : block;
        const float *bj = b + (trans_b ? (size_t)j * (size_t)ldb : (size_t)j);
        gemm_serial(trans_a, trans_b, m, width, k, alpha, a, lda, bj, ldb, beta, c + j, ldc);
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
    if (t->n >= t->m) {           /* a block of columns: B's columns (rows if B^T) */
        int block = gemm_block_columns(t->m, t->k);
        parallel_slice((size_t)t->n, part, parts, block ? (size_t)block : 16, &lo, &hi);
        const float *b = t->b + (t->trans_b ? lo * (size_t)t->ldb : lo);
        gemm_serial_blocked(t->trans_a, t->trans_b, t->m, (int)(hi - lo), t->k, t->alpha, t->a,
                            t->lda, b, t->ldb, t->beta, t->c + lo, t->ldc, block);
    } else {                      /* a block of rows: A's rows (columns if A^T) */
        parallel_slice((size_t)t->m, part, parts, 8, &lo, &hi);
        const float *a = t->a + (t->trans_a ? lo : lo * (size_t)t->lda);
        gemm_serial(t->trans_a, t->trans_b, (int)(hi - lo), t->n, t->k, t->alpha, a, t->lda,
                    t->b, t->ldb, t->beta, t->c + lo * (size_t)t->ldc, t->ldc);
    }
}

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
          const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    GemmTask t = { trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta, a, b, c };
    parallel_run(gemm_part, &t, (double)m * n * k >= GEMM_PARALLEL_MIN ? 1 : 0);
}

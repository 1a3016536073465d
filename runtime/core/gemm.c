/* Matrix products through OpenBLAS, with the thread count chosen per pass.
 *
 * OpenBLAS starts its threads for any product it thinks is large enough;
 * for the lesson's 64-row batches that costs more in wake-ups and cache
 * traffic than it gains (measured: two threads make the GEMMs of an epoch
 * slower), while a 1000-row evaluation batch runs twice as fast on two.
 * Switching the count is itself expensive (the sleeping threads must wake:
 * ~0.7 ms), so it is chosen once per forward or backward pass from the
 * number of rows in the batch (gemm_threads_for_rows), not per product.
 * openblas_set_num_threads is only called when the choice changes, since it
 * is a global setting. */
#include <stdbool.h>
#include <cblas.h>
#include "core/compute.h"

#define GEMM_PARALLEL_ROWS 256

static int max_threads = -1;  /* what OpenBLAS chose at start-up */
static int current_threads = -1;

void gemm_threads_for_rows(int rows)
{
    if (max_threads < 0) {
        max_threads = openblas_get_num_threads();
        current_threads = max_threads;
    }
    int want = rows < GEMM_PARALLEL_ROWS ? 1 : max_threads;
    if (want != current_threads) {
        openblas_set_num_threads(want);
        current_threads = want;
    }
}

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
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
    if (max_threads < 0)
        gemm_threads_for_rows(0);  /* a product outside a pass: one thread */
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
                beta, c, ldc);
}

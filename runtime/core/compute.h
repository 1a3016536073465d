/* The compute environment of the CPU backend: denormals flushed to zero
 * while runtime kernels run, and matrix products. */
#ifndef CNB_CORE_COMPUTE_H
#define CNB_CORE_COMPUTE_H

#include <stdbool.h>

/* Sets FTZ and DAZ in this thread's MXCSR and returns the previous state:
 * denormal activations (tiny gradients late in training) are 10-100x slower
 * on x86 and change nothing a float32 model can see.  The user's own code
 * keeps IEEE behaviour because every entry point restores the state. */
unsigned compute_enter(void);
void compute_leave(unsigned saved);

/* C = alpha * op(A) op(B) + beta * C, row-major, float32, via OpenBLAS,
 * split across the runtime's threads when it is large enough (gemm.c). */
void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
          const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
/* The same on the calling thread only (inside a parallel part). */
void gemm_serial(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* Columns per OpenBLAS call for an m x ? x k product, and gemm_serial in
 * calls of that many columns of C (a multiple of 16): products of up to
 * 2^18 multiply-adds take OpenBLAS's small-matrix kernels, which pack
 * nothing and were 13-28% faster at the lesson's sizes than one call for a
 * thread's whole block (an epoch 0.325 -> 0.30 s).  0 when even 16 columns
 * are more than that (tall evaluation batches, where one call is faster):
 * then one call.  Callers cut C at multiples of it, so the calls, and with
 * them the numbers, do not depend on the thread count. */
int gemm_block_columns(int m, int k);
void gemm_serial_blocked(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                         int ldc, int block);

/* Keeps OpenBLAS at one thread (the runtime splits products itself); the
 * batch size no longer matters. */
void gemm_threads_for_rows(int rows);

#endif

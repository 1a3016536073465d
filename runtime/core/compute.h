/* The compute environment of the CPU backend: denormals flushed to zero
 * while runtime kernels run, and OpenBLAS threads chosen per GEMM size. */
#ifndef CNB_CORE_COMPUTE_H
#define CNB_CORE_COMPUTE_H

/* Sets FTZ and DAZ in this thread's MXCSR and returns the previous state:
 * denormal activations (tiny gradients late in training) are 10-100x slower
 * on x86 and change nothing a float32 model can see.  The user's own code
 * keeps IEEE behaviour because every entry point restores the state. */
unsigned compute_enter(void);
void compute_leave(unsigned saved);

/* C = alpha * op(A) op(B) + beta * C, row-major, float32, via OpenBLAS. */
void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
          const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* Chooses OpenBLAS's threads for the products of a pass over a batch of
 * this many rows: one below 256 rows, all the cores OpenBLAS found above. */
void gemm_threads_for_rows(int rows);

#endif

// SPDX-License-Identifier: BSD-3-Clause
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

/* Columns per OpenBLAS call for an m x ? x k product (a multiple of 16):
 * products of up to 2^18 multiply-adds take OpenBLAS's small-matrix
 * kernels, which pack nothing and were 13-28% faster at the lesson's sizes
 * than one call for a thread's whole block (an epoch 0.325 -> 0.30 s).
 * 0 when even 16 columns are more than that (tall batches: a linear
 * layer then cuts rows, so that each call packs its rows of x once). */
int gemm_block_columns(int m, int k);
/* The tile size along dimension d of C (its columns or its rows) when the
 * other dimension is `other` and the sums are k long: gemm_block_columns,
 * at least 16 and at most 8 tiles.  It depends on the shape alone. */
int gemm_tile(int d, int other, int k);
/* The tiles of an m x n x k product whose rows the threads share out:
 * rows in tiles of at least 32 (calls of 16 rows were 5-12% slower), at
 * least 4 of them once m reaches 128, each cut into columns while the
 * calls stay small products (long sums: whole rows, packed once). */
void gemm_row_tiles(int m, int n, int k, int *tile_rows, int *tile_cols);
/* gemm_serial in calls of tile_rows x tile_cols of C, counted from c.
 * Callers start at a multiple of the tiles (gemm_tile) whatever the thread
 * count, so the calls, and with them the numbers, never depend on it: an
 * element's last bits depend on where it lies in its OpenBLAS call. */
void gemm_serial_tiles(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                       const float *a, int lda, const float *b, int ldb, float beta, float *c,
                       int ldc, int tile_rows, int tile_cols);

/* Keeps OpenBLAS at one thread (the runtime splits products itself); the
 * batch size no longer matters. */
void gemm_threads_for_rows(int rows);

#endif

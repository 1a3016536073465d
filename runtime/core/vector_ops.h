// SPDX-License-Identifier: BSD-3-Clause
/* The elementwise loops that run once per parameter or activation per
 * batch: after the GEMMs, they are what an epoch spends its time on.
 * Built separately (core/sources.am) with -O3 -fno-math-errno so that GCC
 * vectorizes them, and in AVX-512 / AVX2 / baseline versions chosen when
 * the library loads (target_clones). */
#ifndef CNB_CORE_VECTOR_OPS_H
#define CNB_CORE_VECTOR_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "cuda/adam_math.cuh"
#include "cuda/sgd_math.cuh"

/* Adam over n parameters (one step's scalars: cuda/adam_math.cuh). */
void vec_adam(float *p, const float *grad, float *m, float *v, size_t n, const CnbAdamScalars *s);

/* SGD over n parameters, buf NULL without momentum (cuda/sgd_math.cuh). */
void vec_sgd(float *p, const float *grad, float *buf, size_t n, const CnbSgdScalars *s);

/* out[i] = in[i]: image bytes to floats (the dataloader's first step). */
void vec_bytes_to_floats(const unsigned char *in, float *out, size_t n);
/* x[i] = (x[i] - shift) / scale (cuda/normalize_math.cuh). */
void vec_shift_divide(float *x, size_t n, float shift, float scale);

/* y[r][j] += b[j] for each row (rows ld apart), then max(y, 0) when relu. */
void vec_bias_rows(float *y, int ld, const float *b, int rows, int cols, bool relu);
/* g *= (y > 0) */
void vec_relu_backward(const float *y, float *g, size_t n);
void vec_relu(const float *in, float *out, size_t n);
/* out[j] (+)= sum over rows of g[r][j] (rows ld apart) */
void vec_column_sums(const float *g, int ld, int rows, int cols, float *out, bool accumulate);

/* dst [cols, rows] = (or +=) the transpose of src [rows, cols] (transpose.c);
 * the strided form works on blocks of larger matrices (lds, ldd: row pitch). */
void vec_transpose(const float *src, int rows, int cols, float *dst, bool accumulate);
void vec_transpose_strided(const float *src, size_t lds, int rows, int cols, float *dst,
                           size_t ldd, bool accumulate);

/* Writes the positions and values of the nonzeros of x[0..n) and returns
 * how many, or SIZE_MAX when there are more than room (nonzeros.c).
 * index and value must have room + 16 entries. */
size_t vec_nonzeros(const float *x, int n, int *index, float *value, size_t room);
/* How many of x[0..n) are nonzero; may stop counting once past stop. */
size_t vec_count_nonzeros(const float *x, size_t n, size_t stop);

/* Sparse rows (CSR, row r's entries at [row_start[r], row_end[r])) times
 * W^T, from W [n, cols] itself (rows ldw apart; w and y point at a block's
 * first output): y[r][j] = sum over the nonzeros x[r][k] of x[r][k] *
 * w[j][k], summed in ascending k, W^T made a few columns at a time in a
 * small tile. */
void vec_sparse_times_weight(const int *row_start, const int *row_end, const int *index,
                             const float *value, int rows, int cols, const float *w, int ldw,
                             int n, float *y, int ldy);
/* The same, by columns (CSC): out[j][k] (+)= sum over the nonzeros x[r][k]
 * of x[r][k] * g[r][j], g is [rows, n] (rows ldg apart), out is [n, cols]
 * (rows ldo apart: dW, or a block of its rows). */
void vec_sparse_columns_times_dense_t(const int *col_start, const int *col_end, const int *index,
                                      const float *value, int cols, const float *g, int ldg,
                                      int n, float *out, int ldo, bool accumulate);
#endif

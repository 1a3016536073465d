// SPDX-License-Identifier: BSD-3-Clause
/* The plugin's device operations, one file each (blas.cu, activation.cu,
 * dropout.cu, softmax_ce.cu, adam.cu, sgd.cu, predictions.cu, batch.cu),
 * gathered into plugin_api.h's table by plugin.cu.  Pointers are device memory, matrices row-major
 * float32 as libcnb keeps them; each returns 0, or -1 with the failing
 * call in plugin_last_error().  Launches go to the default stream, in
 * order; a fault inside a kernel shows at the next copy back. */
#ifndef CNB_CUDA_OPS_CUH
#define CNB_CUDA_OPS_CUH

#include "cuda/adam_math.cuh"
#include "cuda/batch_math.cuh"
#include "cuda/conv_math.cuh"
#include "cuda/sgd_math.cuh"

#include <cstddef>

int blas_set_tf32(int allowed);
int blas_linear_forward(const float *x, const float *w, const float *b, float *y, int rows,
                        int in, int out, int relu);
int blas_linear_backward(const float *x, const float *w, const float *g, float *dw, float *db,
                         float *dx, int rows, int in, int out, int accumulate);
void blas_release(void);

int activation_forward(int act, const float *x, float *y, size_t n);
int activation_backward(int act, const float *y, float *g, size_t n);
int relu_backward(const float *y, float *g, size_t n);
int dropout_forward(const float *x, float *mask, float *y, size_t n, float p);
int dropout_backward(const float *mask, float *g, size_t n);
int softmax_ce_forward(const float *x, const float *target, float *p, float *loss, int rows,
                       int classes);
int softmax_ce_backward(float *p, const float *target, int rows, int classes);
int adam_update(float *p, const float *g, float *m, float *v, size_t n,
                const CnbAdamScalars *s);
int sgd_update(float *p, const float *g, float *buf, size_t n, const CnbSgdScalars *s);
int predictions_argmax(const float *x, int *predicted, int rows, int classes);
int predictions_correct(const float *x, const float *target, int *count, int rows, int classes);
int predictions_confusion(const float *x, const float *target, int *counts, int rows,
                          int classes);

/* The CNN layers' element passes (cnn_layers.cu, not yet in the table). */
int conv_im2col(const float *image, float *columns, const CnbConvGeometry *g);
int conv_col2im(const float *columns, float *image, const CnbConvGeometry *g);
int pool_forward(const float *x, float *y, int *argmax, long planes, const CnbConvGeometry *g,
                 int max);
int pool_backward(const float *dy, const int *argmax, float *dx, long planes,
                  const CnbConvGeometry *g, int max);
int batch_norm_train_forward(const float *x, float *y, const float *gamma, const float *beta,
                             float *mean, float *inv_std, float *running_mean,
                             float *running_var, int batch, int channels, long plane, float eps,
                             float momentum);
int batch_norm_eval_forward(const float *x, float *y, const float *gamma, const float *beta,
                            const float *running_mean, const float *running_var, int batch,
                            int channels, long plane, float eps);
int batch_norm_train_backward(const float *x, const float *dy, float *dx, const float *gamma,
                              const float *mean, const float *inv_std, float *dgamma,
                              float *dbeta, float *sums, int batch, int channels, long plane,
                              int accumulate);
int dropout2d_forward(const float *x, const float *uniforms, float *y, long n, long plane,
                      float p);

int batch_prepare(const uint8_t *items, const uint8_t *labels, const CnbBatchSteps *steps,
                  const int32_t *index, const CnbRotation *plans, int count, float *out,
                  float *target);

/* Host data sent up without waiting (staging.cu): the parts, each at a
 * 256-byte boundary, in a device buffer that stays valid for the kernels
 * launched next; NULL with the failing call recorded. */
void *staging_upload(const void *const *parts, const size_t *sizes, int count);
static inline size_t staging_aligned(size_t bytes)
{
    return (bytes + 255) / 256 * 256;
}

/* Blocks of 256 threads covering n elements (grid-stride loops do the rest). */
static inline int blocks_for(size_t n)
{
    size_t blocks = (n + 255) / 256;
    return (int)(blocks < 1 ? 1 : blocks > 65535 ? 65535 : blocks);
}

#endif

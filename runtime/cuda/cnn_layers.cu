// SPDX-License-Identifier: BSD-3-Clause
/* The CNN layers' element kernels (issue 19): im2col and col2im for
 * conv2d (whose GEMMs are cuBLAS's, still to be called), max and average
 * pooling, batch norm's per-channel statistics and element passes, and
 * dropout2d.  Each thread computes one element with the math the host
 * tests check (conv_math.cuh, pool_math.cuh, batch_norm_math.cuh,
 * dropout2d_math.cuh); the backward passes gather, so none needs atomics
 * and every run sums in the same order.  Not yet in plugin_api.h's table:
 * nothing calls these until libcnb's dispatch is written. */
#include "cuda/ops.cuh"
#include "cuda/check.cuh"
#include "cuda/batch_norm_math.cuh"
#include "cuda/conv_math.cuh"
#include "cuda/dropout2d_math.cuh"
#include "cuda/pool_math.cuh"

#define GRID_STRIDE(i, n) \
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < (long)(n); \
         i += (long)gridDim.x * blockDim.x)

__global__ static void im2col_kernel(const float *image, float *columns, CnbConvGeometry g)
{
    GRID_STRIDE(i, cnb_im2col_size(&g))
        columns[i] = cnb_im2col_element(image, &g, i);
}

__global__ static void col2im_kernel(const float *columns, float *image, CnbConvGeometry g)
{
    GRID_STRIDE(i, (long)g.channels * g.height * g.width)
        image[i] = cnb_col2im_element(columns, &g, i);
}

int conv_im2col(const float *image, float *columns, const CnbConvGeometry *g)
{
    im2col_kernel<<<blocks_for((size_t)cnb_im2col_size(g)), 256>>>(image, columns, *g);
    return CUDA_CHECK_LAUNCH("im2col_kernel");
}

int conv_col2im(const float *columns, float *image, const CnbConvGeometry *g)
{
    col2im_kernel<<<blocks_for((size_t)g->channels * g->height * g->width), 256>>>(columns,
                                                                                    image, *g);
    return CUDA_CHECK_LAUNCH("col2im_kernel");
}

/* planes: batch * channels; g has channels = 1. */
__global__ static void pool_forward_kernel(const float *x, float *y, int *argmax, long planes,
                                           CnbConvGeometry g, int max)
{
    long outs = (long)g.out_h * g.out_w, plane = (long)g.height * g.width;
    GRID_STRIDE(i, planes * outs) {
        const float *in = x + i / outs * plane;
        int oy = (int)(i % outs / g.out_w), ox = (int)(i % g.out_w);
        y[i] = max ? cnb_max_pool_element(in, &g, oy, ox, &argmax[i])
                   : cnb_avg_pool_element(in, &g, oy, ox);
    }
}

__global__ static void pool_backward_kernel(const float *dy, const int *argmax, float *dx,
                                            long planes, CnbConvGeometry g, int max)
{
    long outs = (long)g.out_h * g.out_w, plane = (long)g.height * g.width;
    GRID_STRIDE(i, planes * plane) {
        long at = i / plane * outs;
        int y = (int)(i % plane / g.width), x = (int)(i % g.width);
        dx[i] = max ? cnb_max_pool_grad_element(dy + at, argmax + at, &g, y, x)
                    : cnb_avg_pool_grad_element(dy + at, &g, y, x);
    }
}

int pool_forward(const float *x, float *y, int *argmax, long planes, const CnbConvGeometry *g,
                 int max)
{
    pool_forward_kernel<<<blocks_for((size_t)(planes * g->out_h * g->out_w)), 256>>>(
        x, y, argmax, planes, *g, max);
    return CUDA_CHECK_LAUNCH("pool_forward_kernel");
}

int pool_backward(const float *dy, const int *argmax, float *dx, long planes,
                  const CnbConvGeometry *g, int max)
{
    pool_backward_kernel<<<blocks_for((size_t)(planes * g->height * g->width)), 256>>>(
        dy, argmax, dx, planes, *g, max);
    return CUDA_CHECK_LAUNCH("pool_backward_kernel");
}

/* A block's two double sums, tree-reduced in shared memory (256 threads)
 * in a fixed order. */
__device__ static void block_sums(double *a, double *b)
{
    __shared__ double sa[256], sb[256];
    sa[threadIdx.x] = *a, sb[threadIdx.x] = *b;
    __syncthreads();
    for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half)
            sa[threadIdx.x] += sa[threadIdx.x + half], sb[threadIdx.x] += sb[threadIdx.x + half];
        __syncthreads();
    }
    *a = sa[0], *b = sb[0];
}

/* One block per channel: the statistics, and the running ones moved. */
__global__ static void bn_stats_kernel(const float *x, int channels, long plane, long count,
                                       float eps, float momentum, float *mean, float *inv_std,
                                       float *running_mean, float *running_var)
{
    int c = blockIdx.x;
    float shift = x[cnb_bn_index(0, c, channels, plane)];
    double s, q;
    cnb_bn_partial_sums(x, c, channels, plane, count, threadIdx.x, blockDim.x, shift, &s, &q);
    block_sums(&s, &q);
    if (threadIdx.x == 0) {
        CnbBnStats st = cnb_bn_stats(s, q, count, shift, eps);
        mean[c] = st.mean, inv_std[c] = st.inv_std;
        running_mean[c] = cnb_bn_running(running_mean[c], st.mean, momentum);
        running_var[c] = cnb_bn_running(running_var[c], st.var_unbiased, momentum);
    }
}

__global__ static void bn_forward_kernel(const float *x, float *y, const float *mean,
                                         const float *inv_std, const float *gamma,
                                         const float *beta, int channels, long plane, long n)
{
    GRID_STRIDE(i, n) {
        int c = (int)(i / plane % channels);
        y[i] = cnb_bn_forward_element(x[i], mean[c], inv_std[c], gamma[c], beta[c]);
    }
}

/* Training mode: batch statistics into mean/inv_std (per channel), the
 * running statistics updated, y normalised. */
int batch_norm_train_forward(const float *x, float *y, const float *gamma, const float *beta,
                             float *mean, float *inv_std, float *running_mean,
                             float *running_var, int batch, int channels, long plane, float eps,
                             float momentum)
{
    bn_stats_kernel<<<channels, 256>>>(x, channels, plane, batch * plane, eps, momentum, mean,
                                       inv_std, running_mean, running_var);
    if (CUDA_CHECK_LAUNCH("bn_stats_kernel") < 0)
        return -1;
    long n = (long)batch * channels * plane;
    bn_forward_kernel<<<blocks_for((size_t)n), 256>>>(x, y, mean, inv_std, gamma, beta, channels,
                                                      plane, n);
    return CUDA_CHECK_LAUNCH("bn_forward_kernel");
}

__global__ static void bn_eval_kernel(const float *x, float *y, const float *running_mean,
                                      const float *running_var, const float *gamma,
                                      const float *beta, int channels, long plane, long n,
                                      float eps)
{
    GRID_STRIDE(i, n) {
        int c = (int)(i / plane % channels);
        y[i] = cnb_bn_forward_element(x[i], running_mean[c], cnb_bn_inv_std(running_var[c], eps),
                                      gamma[c], beta[c]);
    }
}

/* Evaluation mode: the running statistics. */
int batch_norm_eval_forward(const float *x, float *y, const float *gamma, const float *beta,
                            const float *running_mean, const float *running_var, int batch,
                            int channels, long plane, float eps)
{
    long n = (long)batch * channels * plane;
    bn_eval_kernel<<<blocks_for((size_t)n), 256>>>(x, y, running_mean, running_var, gamma, beta,
                                                   channels, plane, n, eps);
    return CUDA_CHECK_LAUNCH("bn_eval_kernel");
}

/* One block per channel: dbeta = sum dy, dgamma = sum dy xhat (set or
 * accumulated), kept in the float sums for dx. */
__global__ static void bn_grad_sums_kernel(const float *x, const float *dy, const float *mean,
                                           const float *inv_std, int channels, long plane,
                                           long count, float *dgamma, float *dbeta,
                                           float *sum_dy, float *sum_dy_xhat, int accumulate)
{
    int c = blockIdx.x;
    double s = 0.0, q = 0.0;
    for (long k = threadIdx.x; k < count; k += blockDim.x) {
        long e = cnb_bn_index(k, c, channels, plane);
        s += dy[e], q += (double)dy[e] * ((x[e] - mean[c]) * inv_std[c]);
    }
    block_sums(&s, &q);
    if (threadIdx.x == 0) {
        sum_dy[c] = (float)s, sum_dy_xhat[c] = (float)q;
        dbeta[c] = (accumulate ? dbeta[c] : 0.0f) + (float)s;
        dgamma[c] = (accumulate ? dgamma[c] : 0.0f) + (float)q;
    }
}

__global__ static void bn_dx_kernel(const float *x, const float *dy, float *dx,
                                    const float *mean, const float *inv_std, const float *gamma,
                                    const float *sum_dy, const float *sum_dy_xhat, int channels,
                                    long plane, long count, long n)
{
    GRID_STRIDE(i, n) {
        int c = (int)(i / plane % channels);
        dx[i] = cnb_bn_backward_element(dy[i], x[i], mean[c], inv_std[c], gamma[c], sum_dy[c],
                                        sum_dy_xhat[c], count);
    }
}

/* Training mode's backward; sums: 2 * channels floats of workspace; dx
 * may be NULL (first layer). */
int batch_norm_train_backward(const float *x, const float *dy, float *dx, const float *gamma,
                              const float *mean, const float *inv_std, float *dgamma,
                              float *dbeta, float *sums, int batch, int channels, long plane,
                              int accumulate)
{
    long count = batch * plane, n = count * channels;
    bn_grad_sums_kernel<<<channels, 256>>>(x, dy, mean, inv_std, channels, plane, count, dgamma,
                                           dbeta, sums, sums + channels, accumulate);
    if (CUDA_CHECK_LAUNCH("bn_grad_sums_kernel") < 0)
        return -1;
    if (!dx)
        return 0;
    bn_dx_kernel<<<blocks_for((size_t)n), 256>>>(x, dy, dx, mean, inv_std, gamma, sums,
                                                 sums + channels, channels, plane, count, n);
    return CUDA_CHECK_LAUNCH("bn_dx_kernel");
}

/* uniforms: one per (sample, channel) from the host's generator, kept
 * for the backward, which is this same pass over the gradient (in place
 * is fine: each element reads only itself). */
__global__ static void dropout2d_kernel(const float *x, const float *uniforms, float *y, long n,
                                        long plane, float p, float scale)
{
    GRID_STRIDE(i, n)
        y[i] = cnb_dropout2d_element(x[i], uniforms, i, plane, p, scale);
}

int dropout2d_forward(const float *x, const float *uniforms, float *y, long n, long plane,
                      float p)
{
    dropout2d_kernel<<<blocks_for((size_t)n), 256>>>(x, uniforms, y, n, plane, p,
                                                     cnb_dropout_scale(p));
    return CUDA_CHECK_LAUNCH("dropout2d_kernel");
}

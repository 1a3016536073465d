// SPDX-License-Identifier: BSD-3-Clause
/* The CNN kernels' per-element math (runtime/cuda/conv_math.cuh,
 * pool_math.cuh, batch_norm_math.cuh, dropout2d_math.cuh) run on the host
 * one element at a time, as the kernels will, and compared with direct
 * loops written here from the definitions (direct convolution and its
 * scatter backward, pooling windows, batch norm in double) on small random
 * shapes: odd sizes, stride 2, padding, batch 1.  Comparing with the CPU
 * layers of runtime/nn is left for when both branches meet. */
#include "tap.h"

#include "cuda/batch_norm_math.cuh"
#include "cuda/conv_math.cuh"
#include "cuda/dropout2d_math.cuh"
#include "cuda/pool_math.cuh"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double rel_diff(double got, double want)
{
    return fabs(got - want) / fmax(fabs(want), 1e-3);
}

static float *random_floats(long n)
{
    float *p = malloc((size_t)n * sizeof *p);
    for (long i = 0; i < n; i++)
        p[i] = 2.0f * (float)rand() / (float)RAND_MAX - 1.0f;
    return p;
}

static CnbConvGeometry geometry(int c, int h, int w, int k, int s, int pad)
{
    CnbConvGeometry g = { c, h, w, k, k, s, s, pad, pad,
                          cnb_conv_out_size(h, k, s, pad), cnb_conv_out_size(w, k, s, pad) };
    return g;
}

/* The input element under kernel tap (i, j) of window (oy, ox), or NULL
 * on the padding. */
static const float *tap_at(const float *img, const CnbConvGeometry *g, int c, int oy, int ox,
                           int i, int j)
{
    int y = oy * g->stride_h - g->pad_h + i, x = ox * g->stride_w - g->pad_w + j;
    if (y < 0 || y >= g->height || x < 0 || x >= g->width)
        return NULL;
    return &img[((long)c * g->height + y) * g->width + x];
}

/* im2col by element then weight x columns, against a direct convolution;
 * col2im by element of (weight^T x dy), against the direct scatter. */
static void test_conv(int c_in, int c_out, int h, int w, int k, int s, int pad)
{
    CnbConvGeometry g = geometry(c_in, h, w, k, s, pad);
    long kk = (long)c_in * k * k, cols = (long)g.out_h * g.out_w, img = (long)c_in * h * w;
    float *x = random_floats(img), *wt = random_floats(c_out * kk);
    float *dy = random_floats(c_out * cols), *col = malloc(kk * cols * sizeof *col);
    for (long e = 0; e < cnb_im2col_size(&g); e++)
        col[e] = cnb_im2col_element(x, &g, e);
    double worst = 0, worst_dx = 0;
    for (int o = 0; o < c_out; o++)
        for (long p = 0; p < cols; p++) {
            double gemm = 0, direct = 0;
            for (long r = 0; r < kk; r++)
                gemm += (double)wt[o * kk + r] * col[r * cols + p];
            for (int c = 0; c < c_in; c++)
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++) {
                        const float *v = tap_at(x, &g, c, (int)(p / g.out_w),
                                                (int)(p % g.out_w), i, j);
                        direct += v ? (double)wt[((o * c_in + c) * k + i) * k + j] * *v : 0.0;
                    }
            worst = fmax(worst, rel_diff(gemm, direct));
        }
    /* The columns' gradient W^T dy, then col2im; the reference scatters. */
    for (long r = 0; r < kk; r++)
        for (long p = 0; p < cols; p++) {
            double sum = 0;
            for (int o = 0; o < c_out; o++)
                sum += (double)wt[o * kk + r] * dy[o * cols + p];
            col[r * cols + p] = (float)sum;
        }
    double *dx = calloc((size_t)img, sizeof *dx);
    for (int c = 0; c < c_in; c++)
        for (long p = 0; p < cols; p++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++) {
                    const float *v = tap_at(x, &g, c, (int)(p / g.out_w), (int)(p % g.out_w),
                                            i, j);
                    if (v)
                        dx[v - x] += col[((c * k + i) * k + j) * cols + p];
                }
    for (long e = 0; e < img; e++)
        worst_dx = fmax(worst_dx, rel_diff(cnb_col2im_element(col, &g, e), dx[e]));
    ok(worst <= 1e-5 && worst_dx <= 1e-5, "conv %dx%dx%d -> %d, k%d s%d p%d: im2col x W as the "
       "direct convolution (worst %.2g), col2im as the scatter (worst %.2g)", c_in, h, w, c_out,
       k, s, pad, worst, worst_dx);
    free(x), free(wt), free(dy), free(col), free(dx);
}

/* Max and average pooling of one plane against window loops: the forward
 * value and argmax, and the gathered backward against a scatter. */
static void test_pool(int h, int w, int k, int s, int pad, int ties)
{
    CnbConvGeometry g = geometry(1, h, w, k, s, pad);
    long n = (long)h * w, outs = (long)g.out_h * g.out_w;
    float *x = random_floats(n), *dy = random_floats(outs);
    if (ties)   /* few values, so windows hold equal maxima */
        for (long i = 0; i < n; i++)
            x[i] = roundf(x[i] * 2.0f);
    int *arg = malloc((size_t)outs * sizeof *arg);
    double *dmax = calloc((size_t)n, sizeof *dmax), *davg = calloc((size_t)n, sizeof *davg);
    int max_ok = 1;
    double worst_avg = 0, worst_grad = 0;
    for (int oy = 0; oy < g.out_h; oy++)
        for (int ox = 0; ox < g.out_w; ox++) {
            long o = (long)oy * g.out_w + ox;
            float best = 0;
            const float *at = NULL;
            double sum = 0;
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++) {
                    const float *v = tap_at(x, &g, 0, oy, ox, i, j);
                    if (v && (!at || *v > best))
                        best = *v, at = v;
                    sum += v ? *v : 0.0;
                }
            float got = cnb_max_pool_element(x, &g, oy, ox, &arg[o]);
            max_ok &= got == best && arg[o] == at - x;
            dmax[at - x] += dy[o];
            worst_avg = fmax(worst_avg, rel_diff(cnb_avg_pool_element(x, &g, oy, ox),
                                                 sum / (k * k)));
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++) {
                    const float *v = tap_at(x, &g, 0, oy, ox, i, j);
                    if (v)
                        davg[v - x] += dy[o] / (k * k);
                }
        }
    for (int y = 0; y < h; y++)
        for (int xx = 0; xx < w; xx++) {
            long e = (long)y * w + xx;
            worst_grad = fmax(worst_grad, rel_diff(cnb_max_pool_grad_element(dy, arg, &g, y, xx),
                                                   dmax[e]));
            worst_grad = fmax(worst_grad, rel_diff(cnb_avg_pool_grad_element(dy, &g, y, xx),
                                                   davg[e]));
        }
    ok(max_ok && worst_avg <= 1e-5 && worst_grad <= 1e-5, "pool %dx%d k%d s%d p%d%s: max value "
       "and first argmax exact, average (worst %.2g), both backwards (worst %.2g)", h, w, k, s,
       pad, ties ? " with ties" : "", worst_avg, worst_grad);
    free(x), free(dy), free(arg), free(dmax), free(davg);
}

/* Batch norm of [n, c, plane] with an offset mean: training forward, the
 * running update, backward (dx, dgamma, dbeta) against double loops. */
static void test_batch_norm(int n, int channels, int plane)
{
    long total = (long)n * channels * plane, count = (long)n * plane;
    float *x = random_floats(total), *dy = random_floats(total);
    for (long i = 0; i < total; i++)
        x[i] = 3.0f * x[i] + 50.0f;
    float eps = 1e-5f, momentum = 0.1f;
    double worst = 0;
    for (int c = 0; c < channels; c++) {
        double mean = 0, var = 0, sdy = 0, sdyx = 0;
        for (long k = 0; k < count; k++)
            mean += x[cnb_bn_index(k, c, channels, plane)];
        mean /= count;
        for (long k = 0; k < count; k++)
            var += pow(x[cnb_bn_index(k, c, channels, plane)] - mean, 2);
        double inv = 1.0 / sqrt(var / count + eps), gamma = 0.5 + c, beta = -0.25 * c;
        for (long k = 0; k < count; k++) {
            long e = cnb_bn_index(k, c, channels, plane);
            sdy += dy[e], sdyx += dy[e] * (x[e] - mean) * inv;
        }
        /* Two strided halves, as two threads of a kernel's block. */
        float shift = x[cnb_bn_index(0, c, channels, plane)];
        double s0, q0, s1, q1;
        cnb_bn_partial_sums(x, c, channels, plane, count, 0, 2, shift, &s0, &q0);
        cnb_bn_partial_sums(x, c, channels, plane, count, 1, 2, shift, &s1, &q1);
        CnbBnStats st = cnb_bn_stats(s0 + s1, q0 + q1, count, shift, eps);
        worst = fmax(worst, rel_diff(st.mean, mean));
        worst = fmax(worst, rel_diff(st.inv_std, inv));
        worst = fmax(worst, rel_diff(cnb_bn_running(1.0f, st.var_unbiased, momentum),
                                     0.9 + 0.1 * var / (count > 1 ? count - 1 : 1)));
        worst = fmax(worst, rel_diff(cnb_bn_running(0.0f, st.mean, momentum), 0.1 * mean));
        for (long k = 0; k < count; k++) {
            long e = cnb_bn_index(k, c, channels, plane);
            double xhat = (x[e] - mean) * inv;
            worst = fmax(worst, rel_diff(cnb_bn_forward_element(x[e], st.mean, st.inv_std,
                                                                (float)gamma, (float)beta),
                                         xhat * gamma + beta));
            double dx = gamma * inv * (dy[e] - sdy / count - xhat * sdyx / count);
            worst = fmax(worst, rel_diff(cnb_bn_backward_element(dy[e], x[e], st.mean,
                                                                 st.inv_std, (float)gamma,
                                                                 (float)sdy, (float)sdyx, count),
                                         dx));
        }
    }
    ok(worst <= 2e-4, "batch norm [%d, %d, %d], mean 50: statistics, running update, forward "
       "and dx per element as double loops (worst %.2g)", n, channels, plane, worst);
    free(x), free(dy);
}

static void test_dropout2d(void)
{
    enum { N = 3, C = 5, PLANE = 7 };
    float u[N * C], p = 0.4f, scale = cnb_dropout_scale(p);
    float *x = random_floats(N * C * PLANE);
    for (int i = 0; i < N * C; i++)
        u[i] = (float)rand() / ((float)RAND_MAX + 1.0f);
    int same = 0, dropped = 0;
    for (int s = 0; s < N; s++)
        for (int c = 0; c < C; c++) {
            int kept = u[s * C + c] >= p;
            dropped += !kept;
            for (int q = 0; q < PLANE; q++) {
                long e = ((long)s * C + c) * PLANE + q;
                float want = x[e] * (kept ? scale : 0.0f);
                float got = cnb_dropout2d_element(x[e], u, e, PLANE, p, scale);
                same += memcmp(&got, &want, sizeof got) == 0;
            }
        }
    ok(same == N * C * PLANE, "dropout2d p=0.4: whole channels kept and scaled or zeroed, "
       "bit for bit (%d of %d channels dropped)", dropped, N * C);
    free(x);
}

int main(void)
{
    srand(19);
    test_conv(1, 8, 28, 28, 3, 1, 1);
    test_conv(3, 4, 7, 9, 3, 2, 1);
    test_conv(2, 3, 5, 6, 5, 1, 2);
    test_conv(4, 2, 8, 8, 1, 1, 0);
    test_conv(2, 5, 11, 10, 4, 3, 0);
    test_pool(28, 28, 2, 2, 0, 0);
    test_pool(7, 9, 3, 2, 1, 0);
    test_pool(9, 7, 3, 1, 1, 1);
    test_pool(6, 5, 2, 1, 0, 1);
    test_batch_norm(1, 3, 25);
    test_batch_norm(4, 2, 9);
    test_batch_norm(5, 16, 1);
    test_dropout2d();
    return tap_done();
}

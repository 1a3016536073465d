// SPDX-License-Identifier: BSD-3-Clause
/* The CNN kernels' per-element math (runtime/cuda/conv_math.cuh,
 * pool_math.cuh, batch_norm_math.cuh, dropout2d_math.cuh) run on the host
 * one element at a time, as the kernels will, against the CPU layers of
 * runtime/nn on the same inputs: conv2d forward and backward (input and
 * weight gradients, via im2col/col2im and a plain GEMM), max and average
 * pooling both ways, batch norm in training (output, running statistics,
 * input gradient) and dropout2d's mask, on odd sizes, stride 2, padding
 * and batch 1. */
#include "cnb.h"
#include "tap.h"

#include "cuda/batch_norm_math.cuh"
#include "cuda/conv_math.cuh"
#include "cuda/dropout2d_math.cuh"
#include "cuda/pool_math.cuh"
#include "nn/layer.h"

#include <stdlib.h>

static double rel_diff(double got, double want)
{
    return fabs(got - want) / fmax(fabs(want), 1e-3);
}

static Tensor *random_tensor(const int *shape, int ndim)
{
    Tensor *t = tensor_new(shape, ndim);
    float *p = tensor_data(t);
    for (size_t i = 0; i < tensor_numel(t); i++)
        p[i] = 2.0f * (float)rand() / (float)RAND_MAX - 1.0f;
    return t;
}

static double worst_of(const float *got, const float *want, size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++)
        w = fmax(w, rel_diff(got[i], want[i]));
    return w;
}

static CnbConvGeometry geometry(int c, int h, int w, int k, int s, int pad)
{
    CnbConvGeometry g = { c, h, w, k, k, s, s, pad, pad,
                          cnb_conv_out_size(h, k, s, pad), cnb_conv_out_size(w, k, s, pad) };
    return g;
}

/* Per sample: columns by im2col, y = W col + b; dW += dy col^T; the
 * columns' gradient W^T dy, then col2im. */
static void test_conv(int n, int c_in, int c_out, int h, int w, int k, int s, int pad)
{
    manual_seed(5);
    Layer *conv = conv2d(c_in, c_out, k, .stride = s, .padding = pad);
    CnbConvGeometry g = geometry(c_in, h, w, k, s, pad);
    long kk = (long)c_in * k * k, cols = (long)g.out_h * g.out_w, img = (long)c_in * h * w;
    Tensor *x = random_tensor((int[]){ n, c_in, h, w }, 4);
    Tensor *y = tensor_new((int[]){ n, c_out, g.out_h, g.out_w }, 4);
    Tensor *dy = random_tensor((int[]){ n, c_out, g.out_h, g.out_w }, 4);
    Tensor *dx = tensor_new((int[]){ n, c_in, h, w }, 4);
    conv2d_forward(conv, x, y);
    conv2d_backward(conv, x, dy, dx, true);
    const float *wt = tensor_cdata(conv->weight), *b = tensor_cdata(conv->bias);
    float *col = malloc(kk * cols * sizeof *col), *my_y = malloc(n * c_out * cols * sizeof *my_y);
    float *my_dx = malloc(n * img * sizeof *my_dx);
    double *dw = calloc(c_out * kk, sizeof *dw);
    for (int i = 0; i < n; i++) {
        const float *xi = tensor_cdata(x) + i * img, *dyi = tensor_cdata(dy) + i * c_out * cols;
        for (long e = 0; e < cnb_im2col_size(&g); e++)
            col[e] = cnb_im2col_element(xi, &g, e);
        for (int o = 0; o < c_out; o++)
            for (long p = 0; p < cols; p++) {
                double sum = b[o];
                for (long r = 0; r < kk; r++) {
                    sum += (double)wt[o * kk + r] * col[r * cols + p];
                    dw[o * kk + r] += (double)dyi[o * cols + p] * col[r * cols + p];
                }
                my_y[(i * c_out + o) * cols + p] = (float)sum;
            }
        for (long r = 0; r < kk; r++)
            for (long p = 0; p < cols; p++) {
                double sum = 0;
                for (int o = 0; o < c_out; o++)
                    sum += (double)wt[o * kk + r] * dyi[o * cols + p];
                col[r * cols + p] = (float)sum;
            }
        for (long e = 0; e < img; e++)
            my_dx[i * img + e] = cnb_col2im_element(col, &g, e);
    }
    double wdw = 0;
    for (long r = 0; r < c_out * kk; r++)
        wdw = fmax(wdw, rel_diff(dw[r], tensor_cdata(conv->grad_weight)[r]));
    double wy = worst_of(my_y, tensor_cdata(y), tensor_numel(y));
    double wdx = worst_of(my_dx, tensor_cdata(dx), tensor_numel(dx));
    ok(wy <= 1e-4 && wdx <= 1e-4 && wdw <= 1e-4, "conv2d [%d, %d, %d, %d] -> %d, k%d s%d p%d "
       "as the CPU layer: output (worst %.2g), dx (worst %.2g), dW (worst %.2g)", n, c_in, h, w,
       c_out, k, s, pad, wy, wdx, wdw);
    free(col), free(my_y), free(my_dx), free(dw);
    tensor_free(x), tensor_free(y), tensor_free(dy), tensor_free(dx);
    layer_free(conv);
}

static void test_pool(bool max, int n, int c, int h, int w, int k, int s, int pad)
{
    Layer *pool = max ? max_pool2d(k, .stride = s, .padding = pad)
                      : avg_pool2d(k, .stride = s, .padding = pad);
    CnbConvGeometry g = geometry(1, h, w, k, s, pad);
    long plane = (long)h * w, outs = (long)g.out_h * g.out_w;
    Tensor *x = random_tensor((int[]){ n, c, h, w }, 4);
    Tensor *y = tensor_new((int[]){ n, c, g.out_h, g.out_w }, 4);
    Tensor *dy = random_tensor((int[]){ n, c, g.out_h, g.out_w }, 4);
    Tensor *dx = tensor_new((int[]){ n, c, h, w }, 4);
    pool2d_forward(pool, x, y, true);
    pool2d_backward(pool, x, y, dy, dx);
    float *my_y = malloc(n * c * outs * sizeof *my_y), *my_dx = malloc(n * c * plane * sizeof *my_dx);
    int *arg = malloc(outs * sizeof *arg);
    for (int q = 0; q < n * c; q++) {
        const float *xq = tensor_cdata(x) + q * plane, *dyq = tensor_cdata(dy) + q * outs;
        for (int oy = 0; oy < g.out_h; oy++)
            for (int ox = 0; ox < g.out_w; ox++)
                my_y[q * outs + oy * g.out_w + ox] =
                    max ? cnb_max_pool_element(xq, &g, oy, ox, &arg[oy * g.out_w + ox])
                        : cnb_avg_pool_element(xq, &g, oy, ox);
        for (int yy = 0; yy < h; yy++)
            for (int xx = 0; xx < w; xx++)
                my_dx[q * plane + yy * w + xx] =
                    max ? cnb_max_pool_grad_element(dyq, arg, &g, yy, xx)
                        : cnb_avg_pool_grad_element(dyq, &g, yy, xx);
    }
    double wy = worst_of(my_y, tensor_cdata(y), tensor_numel(y));
    double wdx = worst_of(my_dx, tensor_cdata(dx), tensor_numel(dx));
    ok(wy <= 1e-6 && wdx <= 1e-5, "%s_pool2d [%d, %d, %d, %d] k%d s%d p%d as the CPU layer: "
       "output (worst %.2g), dx (worst %.2g)", max ? "max" : "avg", n, c, h, w, k, s, pad, wy, wdx);
    free(my_y), free(my_dx), free(arg);
    tensor_free(x), tensor_free(y), tensor_free(dy), tensor_free(dx);
    layer_free(pool);
}

/* One training forward and backward of batch_norm2d with non-trivial
 * weight and bias. */
static void test_batch_norm(int n, int c, int h, int w)
{
    Layer *bn = batch_norm2d(c, .momentum = 0.2);
    long plane = (long)h * w, count = n * plane;
    for (int j = 0; j < c; j++)
        tensor_data(bn->weight)[j] = 0.5f + (float)j, tensor_data(bn->bias)[j] = -0.3f * (float)j;
    Tensor *x = random_tensor((int[]){ n, c, h, w }, 4);
    for (size_t i = 0; i < tensor_numel(x); i++)
        tensor_data(x)[i] = 2.0f * tensor_data(x)[i] + 3.0f;
    Tensor *y = tensor_new((int[]){ n, c, h, w }, 4), *dx = tensor_new((int[]){ n, c, h, w }, 4);
    Tensor *dy = random_tensor((int[]){ n, c, h, w }, 4);
    batch_norm_forward(bn, x, y, true);
    batch_norm_backward(bn, x, dy, dx, true);
    const float *xs = tensor_cdata(x), *dys = tensor_cdata(dy);
    float *my_y = malloc(tensor_numel(x) * sizeof *my_y), *my_dx = malloc(tensor_numel(x) * sizeof *my_dx);
    double wstat = 0, wdg = 0;
    for (int j = 0; j < c; j++) {
        double s, q;
        float shift = xs[cnb_bn_index(0, j, c, plane)];
        cnb_bn_partial_sums(xs, j, c, plane, count, 0, 1, shift, &s, &q);
        CnbBnStats st = cnb_bn_stats(s, q, count, shift, 1e-5f);
        float gamma = tensor_cdata(bn->weight)[j], beta = tensor_cdata(bn->bias)[j];
        double sdy = 0, sdyx = 0;
        for (long k = 0; k < count; k++) {
            long e = cnb_bn_index(k, j, c, plane);
            my_y[e] = cnb_bn_forward_element(xs[e], st.mean, st.inv_std, gamma, beta);
            sdy += dys[e], sdyx += dys[e] * (xs[e] - st.mean) * st.inv_std;
        }
        for (long k = 0; k < count; k++) {
            long e = cnb_bn_index(k, j, c, plane);
            my_dx[e] = cnb_bn_backward_element(dys[e], xs[e], st.mean, st.inv_std, gamma,
                                               (float)sdy, (float)sdyx, count);
        }
        wstat = fmax(wstat, rel_diff(cnb_bn_running(0.0f, st.mean, 0.2f),
                                     tensor_cdata(bn->running_mean)[j]));
        wstat = fmax(wstat, rel_diff(cnb_bn_running(1.0f, st.var_unbiased, 0.2f),
                                     tensor_cdata(bn->running_var)[j]));
        wdg = fmax(wdg, rel_diff(sdy, tensor_cdata(bn->grad_bias)[j]));
        wdg = fmax(wdg, rel_diff(sdyx, tensor_cdata(bn->grad_weight)[j]));
    }
    double wy = worst_of(my_y, tensor_cdata(y), tensor_numel(y));
    double wdx = worst_of(my_dx, tensor_cdata(dx), tensor_numel(dx));
    ok(wy <= 1e-5 && wdx <= 1e-4 && wstat <= 1e-5 && wdg <= 1e-5 && bn->num_batches_tracked == 1,
       "batch_norm2d [%d, %d, %d, %d] training as the CPU layer: output (worst %.2g), running "
       "stats (worst %.2g), dgamma/dbeta (worst %.2g), dx (worst %.2g)", n, c, h, w, wy, wstat,
       wdg, wdx);
    free(my_y), free(my_dx);
    tensor_free(x), tensor_free(y), tensor_free(dy), tensor_free(dx);
    layer_free(bn);
}

static void test_dropout2d(void)
{
    enum { N = 4, C = 6, H = 3, W = 5 };
    Layer *d = dropout2d(0.5f);
    Tensor *x = random_tensor((int[]){ N, C, H, W }, 4), *y = tensor_new((int[]){ N, C, H, W }, 4);
    manual_seed(11);
    dropout2d_forward(d, x, y, true);
    float u[N * C], scale = cnb_dropout_scale(0.5f);
    manual_seed(11);
    generator_fill_uniform(NULL, u, N * C, 0.0f, 1.0f);
    size_t same = 0;
    for (long e = 0; e < N * C * H * W; e++) {
        float got = cnb_dropout2d_element(tensor_cdata(x)[e], u, e, H * W, 0.5f, scale);
        same += memcmp(&got, &tensor_cdata(y)[e], sizeof got) == 0;
    }
    ok(same == tensor_numel(y), "dropout2d p=0.5 as the CPU layer, bit for bit (%zu of %zu)",
       same, tensor_numel(y));
    tensor_free(x), tensor_free(y);
    layer_free(d);
}

int main(void)
{
    srand(23);
    test_conv(2, 1, 8, 28, 28, 3, 1, 1);
    test_conv(1, 3, 4, 7, 9, 3, 2, 1);
    test_conv(3, 2, 5, 11, 10, 5, 2, 2);
    test_pool(true, 2, 3, 28, 28, 2, 2, 0);
    test_pool(true, 1, 2, 7, 9, 3, 2, 1);
    test_pool(false, 2, 3, 9, 7, 3, 2, 1);
    test_pool(false, 1, 1, 6, 5, 2, 1, 0);
    test_batch_norm(2, 3, 5, 7);
    test_batch_norm(1, 4, 3, 3);
    test_dropout2d();
    return tap_done();
}

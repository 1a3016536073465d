// SPDX-License-Identifier: BSD-3-Clause
/* Convolution's index math for im2col + GEMM, one output element per
 * thread, for the plugin's kernels and the host tests: the column matrix
 * is [channels * kh * kw, out_h * out_w] per sample, row c * kh * kw +
 * i * kw + j, column oy * out_w + ox (the layout of PyTorch's unfold and
 * of the CPU's conv2d), so that weight [out, in * kh * kw] times it is the
 * output [out, out_h * out_w].  col2im is written as a gather (each image
 * element sums the column entries that read it), so the backward needs no
 * atomics and gives the same sums in the same order on every run. */
#ifndef CNB_CUDA_CONV_MATH_CUH
#define CNB_CUDA_CONV_MATH_CUH

#include "cuda/host_device.h"

typedef struct {
    int channels, height, width;   /* one input sample */
    int kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
    int out_h, out_w;
} CnbConvGeometry;

/* PyTorch's output size (floor mode, dilation 1); < 1 means no output. */
static inline CNB_HOST_DEVICE int cnb_conv_out_size(int in, int kernel, int stride, int pad)
{
    return (in + 2 * pad - kernel) / stride + 1;
}

static inline CNB_HOST_DEVICE long cnb_im2col_size(const CnbConvGeometry *g)
{
    return (long)g->channels * g->kernel_h * g->kernel_w * g->out_h * g->out_w;
}

/* Column entry `index` of one sample's image (zero where the window lies
 * on the padding). */
static inline CNB_HOST_DEVICE float cnb_im2col_element(const float *image,
                                                       const CnbConvGeometry *g, long index)
{
    long cols = (long)g->out_h * g->out_w;
    int row = (int)(index / cols), col = (int)(index % cols);
    int j = row % g->kernel_w, i = (row / g->kernel_w) % g->kernel_h;
    int c = row / (g->kernel_w * g->kernel_h);
    int y = (col / g->out_w) * g->stride_h - g->pad_h + i;
    int x = (col % g->out_w) * g->stride_w - g->pad_w + j;
    if (y < 0 || y >= g->height || x < 0 || x >= g->width)
        return 0.0f;
    return image[((long)c * g->height + y) * g->width + x];
}

/* First output position o with o * stride - pad + k_last >= p, i.e. the
 * first window that can still reach p (clamped to 0). */
static inline CNB_HOST_DEVICE int cnb_conv_first_window(int p, int kernel, int stride, int pad)
{
    int reach = p + pad - kernel + 1;
    return reach <= 0 ? 0 : (reach + stride - 1) / stride;
}

/* Image element `index` (c, y, x) of one sample's gradient: the sum of
 * the column entries that im2col took from it, in window order. */
static inline CNB_HOST_DEVICE float cnb_col2im_element(const float *columns,
                                                       const CnbConvGeometry *g, long index)
{
    int x = (int)(index % g->width), y = (int)((index / g->width) % g->height);
    int c = (int)(index / ((long)g->width * g->height));
    long cols = (long)g->out_h * g->out_w;
    float sum = 0.0f;
    int oy_end = (y + g->pad_h) / g->stride_h + 1, ox_end = (x + g->pad_w) / g->stride_w + 1;
    if (oy_end > g->out_h) oy_end = g->out_h;
    if (ox_end > g->out_w) ox_end = g->out_w;
    for (int oy = cnb_conv_first_window(y, g->kernel_h, g->stride_h, g->pad_h); oy < oy_end; oy++) {
        int i = y + g->pad_h - oy * g->stride_h;
        for (int ox = cnb_conv_first_window(x, g->kernel_w, g->stride_w, g->pad_w);
             ox < ox_end; ox++) {
            int j = x + g->pad_w - ox * g->stride_w;
            long row = ((long)c * g->kernel_h + i) * g->kernel_w + j;
            sum += columns[row * cols + (long)oy * g->out_w + ox];
        }
    }
    return sum;
}

#endif

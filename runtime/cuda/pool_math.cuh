// SPDX-License-Identifier: BSD-3-Clause
/* Pooling per output element (forward) and per input element (backward),
 * for the plugin's kernels and the host tests.  One plane (one sample's
 * channel) at a time; the geometry is conv_math.cuh's with channels = 1.
 * Max pooling treats padding as -inf and keeps the first maximum of a
 * window (PyTorch's choice; a NaN wins), saving its index in the plane;
 * its backward gathers, for each input element, the gradients of the
 * windows whose saved index is that element: no atomics, deterministic.
 * Average pooling divides by kh * kw, padding included (PyTorch's default
 * count_include_pad=True; in floor mode no window reaches past the
 * padding, so the divisor is the same for every window). */
#ifndef CNB_CUDA_POOL_MATH_CUH
#define CNB_CUDA_POOL_MATH_CUH

#include "cuda/conv_math.cuh"

/* Output (oy, ox) of max pooling; *argmax gets y * width + x of the
 * chosen element. */
static inline CNB_HOST_DEVICE float cnb_max_pool_element(const float *plane,
                                                         const CnbConvGeometry *g,
                                                         int oy, int ox, int *argmax)
{
    /* Windows always hold a real element (padding <= kernel / 2). */
    float best = 0.0f;
    int at = -1;
    for (int i = 0; i < g->kernel_h; i++) {
        int y = oy * g->stride_h - g->pad_h + i;
        if (y < 0 || y >= g->height)
            continue;
        for (int j = 0; j < g->kernel_w; j++) {
            int x = ox * g->stride_w - g->pad_w + j;
            if (x < 0 || x >= g->width)
                continue;
            float v = plane[y * g->width + x];
            if (at < 0 || v > best || v != v) {
                best = v, at = y * g->width + x;
                if (v != v)
                    break;
            }
        }
        if (best != best)
            break;
    }
    *argmax = at;
    return best;
}

/* Input element (y, x)'s gradient: the output gradients of the windows
 * that chose it. */
static inline CNB_HOST_DEVICE float cnb_max_pool_grad_element(const float *grad_out,
                                                              const int *argmax,
                                                              const CnbConvGeometry *g,
                                                              int y, int x)
{
    int self = y * g->width + x;
    int oy_end = (y + g->pad_h) / g->stride_h + 1, ox_end = (x + g->pad_w) / g->stride_w + 1;
    if (oy_end > g->out_h) oy_end = g->out_h;
    if (ox_end > g->out_w) ox_end = g->out_w;
    float sum = 0.0f;
    for (int oy = cnb_conv_first_window(y, g->kernel_h, g->stride_h, g->pad_h); oy < oy_end; oy++)
        for (int ox = cnb_conv_first_window(x, g->kernel_w, g->stride_w, g->pad_w);
             ox < ox_end; ox++)
            if (argmax[oy * g->out_w + ox] == self)
                sum += grad_out[oy * g->out_w + ox];
    return sum;
}

static inline CNB_HOST_DEVICE float cnb_avg_pool_element(const float *plane,
                                                         const CnbConvGeometry *g,
                                                         int oy, int ox)
{
    float sum = 0.0f;
    for (int i = 0; i < g->kernel_h; i++) {
        int y = oy * g->stride_h - g->pad_h + i;
        if (y < 0 || y >= g->height)
            continue;
        for (int j = 0; j < g->kernel_w; j++) {
            int x = ox * g->stride_w - g->pad_w + j;
            if (x >= 0 && x < g->width)
                sum += plane[y * g->width + x];
        }
    }
    return sum / (float)(g->kernel_h * g->kernel_w);
}

static inline CNB_HOST_DEVICE float cnb_avg_pool_grad_element(const float *grad_out,
                                                              const CnbConvGeometry *g,
                                                              int y, int x)
{
    int oy_end = (y + g->pad_h) / g->stride_h + 1, ox_end = (x + g->pad_w) / g->stride_w + 1;
    if (oy_end > g->out_h) oy_end = g->out_h;
    if (ox_end > g->out_w) ox_end = g->out_w;
    float sum = 0.0f;
    for (int oy = cnb_conv_first_window(y, g->kernel_h, g->stride_h, g->pad_h); oy < oy_end; oy++)
        for (int ox = cnb_conv_first_window(x, g->kernel_w, g->stride_w, g->pad_w);
             ox < ox_end; ox++)
            sum += grad_out[oy * g->out_w + ox];
    return sum / (float)(g->kernel_h * g->kernel_w);
}

#endif

// SPDX-License-Identifier: BSD-3-Clause
/* MaxPool2d and AvgPool2d over [N, C, H, W], as PyTorch's defaults have
 * them: dilation 1, ceil_mode=False, and for the average
 * count_include_pad=True (padded zeros count, so the divisor is always
 * k*k).  The max keeps, in training, the index of each window's first
 * maximum (a NaN wins, as in PyTorch) for backward, which adds each
 * gradient to that one input; 2x2 windows at stride 2 find it again. */
/* O3: the loops over feature maps vectorize (as in core/vector_ops.c) */
#pragma GCC optimize("O3")
#include "nn/layer.h"
#include "host/error_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static Layer *pool_new(const char *function, LayerKind kind, int kernel_size,
                       Pool2dOptions options)
{
    int stride = options.stride ? options.stride : kernel_size;
    if (kernel_size <= 0 || stride <= 0 || options.padding < 0)
        return cnb_error(function, "kernel_size (%d) and stride (%d) must be positive and "
                         "padding (%d) at least 0", kernel_size, stride, options.padding), NULL;
    if (options.padding > kernel_size / 2)
        return cnb_error(function, "padding (%d) must be at most half the kernel size (%d)",
                         options.padding, kernel_size), NULL;
    Layer *layer = layer_alloc(function, kind);
    if (layer) {
        layer->kernel = kernel_size;
        layer->stride = stride;
        layer->padding = options.padding;
    }
    return layer;
}

Layer *max_pool2d_new(int kernel_size, Pool2dOptions options)
{
    return pool_new("max_pool2d", LAYER_MAX_POOL2D, kernel_size, options);
}

Layer *avg_pool2d_new(int kernel_size, Pool2dOptions options)
{
    return pool_new("avg_pool2d", LAYER_AVG_POOL2D, kernel_size, options);
}

int pool2d_output_shape(const Layer *layer, int index, const Tensor *in, int *shape, int *ndim)
{
    char text[64];
    layer_shape_text(in, text, sizeof text);
    int k = layer->kernel, p = layer->padding;
    if (in->ndim != 4 || in->shape[2] + 2 * p < k || in->shape[3] + 2 * p < k)
        return cnb_error_of(CNB_SHAPE_ERROR, "model_forward", "layer %d (%s(kernel_size=%d)) got "
                            "input of shape %s; it needs [N, C, H, W] with H and W at least %d",
                            index, layer_type_name(layer), k, text, k - 2 * p);
    shape[0] = in->shape[0];
    shape[1] = in->shape[1];
    shape[2] = (in->shape[2] + 2 * p - k) / layer->stride + 1;
    shape[3] = (in->shape[3] + 2 * p - k) / layer->stride + 1;
    *ndim = 4;
    return 0;
}

typedef struct PoolGeometry {
    int planes, h, w, oh, ow, k, s, p;
} PoolGeometry;

static PoolGeometry geometry(const Layer *layer, const Tensor *in, const Tensor *out)
{
    return (PoolGeometry){ .planes = in->shape[0] * in->shape[1], .h = in->shape[2],
                           .w = in->shape[3], .oh = out->shape[2], .ow = out->shape[3],
                           .k = layer->kernel, .s = layer->stride, .p = layer->padding };
}

/* The first maximum of one window in PyTorch's order, a NaN winning. */
static float window_max(const float *x, int w, int y0, int y1, int x0, int x1, int32_t *where)
{
    float best = -INFINITY;
    *where = y0 * w + x0;
    for (int iy = y0; iy < y1; iy++)
        for (int ix = x0; ix < x1; ix++) {
            float v = x[iy * w + ix];
            if (v > best || isnan(v)) {
                best = v;
                *where = iy * w + ix;
                if (isnan(v))
                    return best;
            }
        }
    return best;
}

/* The common case, 2x2 windows at stride 2 without padding, keeps no
 * argmax: its backward finds each window's maximum again in the input
 * (the layer before's output, which the model keeps).  The maximum is a
 * chain of selects that vectorizes; a window whose sum is NaN (rare)
 * takes the general path, for PyTorch's NaN-wins rule. */
static bool is_2x2(const PoolGeometry *g)
{
    return g->k == 2 && g->s == 2 && g->p == 0;
}

LAYER_VECTOR_CLONES static void max_plane_2x2(const PoolGeometry *g, const float *x, float *y)
{
    for (int oy = 0; oy < g->oh; oy++) {
        const float *r0 = x + (size_t)(2 * oy) * g->w, *r1 = r0 + g->w;
        float *out = y + (size_t)oy * g->ow;
        bool nan = false;
        for (int ox = 0; ox < g->ow; ox++) {
            float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
            float ab = b > a ? b : a, cd = d > c ? d : c;
            out[ox] = cd > ab ? cd : ab;
            nan |= isnan(a + b + c + d);
        }
        for (int ox = 0; nan && ox < g->ow; ox++) {
            int32_t where;
            out[ox] = window_max(x, g->w, 2 * oy, 2 * oy + 2, 2 * ox, 2 * ox + 2, &where);
        }
    }
}

/* dx of one plane: each window's gradient goes to its first maximum (the
 * first value equal to the output; a NaN window's to its first NaN), the
 * rest of the window is 0, and so is a last odd row or column, which no window covers. */
LAYER_VECTOR_CLONES static void max_plane_2x2_backward(const PoolGeometry *g, const float *x,
                                                       const float *y, const float *dy,
                                                       float *dx)
{
    for (int oy = 0; oy < g->oh; oy++) {
        size_t r = (size_t)(2 * oy) * g->w;
        const float *r0 = x + r, *r1 = r0 + g->w;
        float *d0 = dx + r, *d1 = d0 + g->w;
        const float *yo = y + (size_t)oy * g->ow, *go = dy + (size_t)oy * g->ow;
        bool nan = false;
        for (int ox = 0; ox < g->ow; ox++) {
            int i = 2 * ox;
            float m = yo[ox], v = go[ox];
            int ta = r0[i] == m, tb = !ta & (r0[i + 1] == m);
            int tc = !(ta | tb) & (r1[i] == m), td = !(ta | tb | tc);
            d0[i] = ta ? v : 0.0f;
            d0[i + 1] = tb ? v : 0.0f;
            d1[i] = tc ? v : 0.0f;
            d1[i + 1] = td ? v : 0.0f;
            nan |= isnan(m);
        }
        for (int ox = 0; nan && ox < g->ow; ox++) {
            if (!isnan(yo[ox]))
                continue;
            int32_t where;       /* the first NaN of the window gets it all */
            window_max(x, g->w, 2 * oy, 2 * oy + 2, 2 * ox, 2 * ox + 2, &where);
            d0[2 * ox] = d0[2 * ox + 1] = d1[2 * ox] = d1[2 * ox + 1] = 0.0f;
            dx[where] = go[ox];
        }
        if (g->w % 2) {
            d0[g->w - 1] = 0.0f;
            d1[g->w - 1] = 0.0f;
        }
    }
    if (g->h % 2)
        memset(dx + (size_t)(g->h - 1) * g->w, 0, (size_t)g->w * sizeof *dx);
}

static void max_plane(const PoolGeometry *g, const float *x, float *y, int32_t *arg)
{
    if (is_2x2(g)) {
        max_plane_2x2(g, x, y);
        return;
    }
    for (int oy = 0; oy < g->oh; oy++) {
        int y0 = oy * g->s - g->p, y1 = y0 + g->k;
        if (y0 < 0)
            y0 = 0;
        if (y1 > g->h)
            y1 = g->h;
        for (int ox = 0; ox < g->ow; ox++) {
            int x0 = ox * g->s - g->p, x1 = x0 + g->k;
            if (x0 < 0)
                x0 = 0;
            if (x1 > g->w)
                x1 = g->w;
            int32_t where;
            float best = window_max(x, g->w, y0, y1, x0, x1, &where);
            y[oy * g->ow + ox] = best;
            if (arg)
                arg[oy * g->ow + ox] = where;
        }
    }
}

LAYER_VECTOR_CLONES static void avg_plane(const PoolGeometry *g, const float *x, float *y)
{
    float scale = 1.0f / (float)(g->k * g->k);
    for (int oy = 0; oy < g->oh; oy++) {
        int y0 = oy * g->s - g->p, y1 = y0 + g->k;
        if (y0 < 0)
            y0 = 0;
        if (y1 > g->h)
            y1 = g->h;
        for (int ox = 0; ox < g->ow; ox++) {
            int x0 = ox * g->s - g->p, x1 = x0 + g->k;
            if (x0 < 0)
                x0 = 0;
            if (x1 > g->w)
                x1 = g->w;
            float sum = 0.0f;
            for (int iy = y0; iy < y1; iy++)
                for (int ix = x0; ix < x1; ix++)
                    sum += x[iy * g->w + ix];
            y[oy * g->ow + ox] = sum * scale;
        }
    }
}

int pool2d_forward(Layer *layer, const Tensor *in, Tensor *out, bool training)
{
    PoolGeometry g = geometry(layer, in, out);
    size_t in_plane = (size_t)g.h * g.w, out_plane = (size_t)g.oh * g.ow;
    int32_t *arg = NULL;
    if (layer->kind == LAYER_MAX_POOL2D && training && !is_2x2(&g)) {
        size_t need = (size_t)g.planes * out_plane;
        if (layer->argmax_size < need) {
            int32_t *grown = realloc(layer->argmax, need * sizeof *grown);
            if (!grown)
                return cnb_error("model_forward", "max_pool2d: out of memory");
            layer->argmax = grown;
            layer->argmax_size = need;
        }
        arg = layer->argmax;
    }
    for (int p = 0; p < g.planes; p++) {
        const float *x = in->data + (size_t)p * in_plane;
        float *y = out->data + (size_t)p * out_plane;
        if (layer->kind == LAYER_MAX_POOL2D)
            max_plane(&g, x, y, arg ? arg + (size_t)p * out_plane : NULL);
        else
            avg_plane(&g, x, y);
    }
    return 0;
}

void pool2d_backward(const Layer *layer, const Tensor *in, const Tensor *out,
                     const Tensor *grad_out, Tensor *grad_in)
{
    PoolGeometry g = geometry(layer, grad_in, grad_out);
    size_t in_plane = (size_t)g.h * g.w, out_plane = (size_t)g.oh * g.ow;
    if (layer->kind == LAYER_MAX_POOL2D && is_2x2(&g)) {
        for (int p = 0; p < g.planes; p++)
            max_plane_2x2_backward(&g, in->data + (size_t)p * in_plane,
                                   out->data + (size_t)p * out_plane,
                                   grad_out->data + (size_t)p * out_plane,
                                   grad_in->data + (size_t)p * in_plane);
        return;
    }
    memset(grad_in->data, 0, grad_in->numel * sizeof(float));
    float scale = 1.0f / (float)(g.k * g.k);
    for (int p = 0; p < g.planes; p++) {
        const float *dy = grad_out->data + (size_t)p * out_plane;
        float *dx = grad_in->data + (size_t)p * in_plane;
        if (layer->kind == LAYER_MAX_POOL2D) {
            const int32_t *arg = layer->argmax + (size_t)p * out_plane;
            for (size_t o = 0; o < out_plane; o++)
                dx[arg[o]] += dy[o];
            continue;
        }
        for (int oy = 0; oy < g.oh; oy++) {
            int y0 = oy * g.s - g.p, y1 = y0 + g.k;
            for (int ox = 0; ox < g.ow; ox++) {
                int x0 = ox * g.s - g.p, x1 = x0 + g.k;
                float v = dy[oy * g.ow + ox] * scale;
                for (int iy = y0 < 0 ? 0 : y0; iy < y1 && iy < g.h; iy++)
                    for (int ix = x0 < 0 ? 0 : x0; ix < x1 && ix < g.w; ix++)
                        dx[iy * g.w + ix] += v;
            }
        }
    }
}

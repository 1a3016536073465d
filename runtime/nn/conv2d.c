// SPDX-License-Identifier: BSD-3-Clause
/* Conv2d: y[n] = W * im2col(x[n]) + b, W [out, in*k*k], as nn.Conv2d.
 *
 * Initial values follow nn.Conv2d.reset_parameters: kaiming_uniform_(W,
 * a=sqrt(5)) with fan_in = in_channels * k * k, then the bias uniform in
 * +-1/sqrt(fan_in), from the default generator (bounds in double, as
 * Python computes them).
 *
 * Each sample is one im2col (its patches as the columns of a [in*k*k,
 * OH*OW] block) and one GEMM; the threads share out the batch, each with its
 * own block, so memory is a few blocks whatever the batch.  Backward
 * rebuilds a sample's block instead of keeping the batch's: dW += dY col^T
 * (per thread, summed in part order: the same numbers every run for a given
 * thread count), db += row sums of dY, dX = col2im(W^T dY). */
/* O3: the loops over feature maps vectorize (as in core/vector_ops.c) */
#pragma GCC optimize("O3")
#include "nn/layer.h"
#include "host/error_internal.h"
#include "core/compute.h"
#include "core/parallel.h"
#include "cnb/error.h"
#include "cnb/random.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void init_parameters(Layer *layer)
{
    double fan_in = (double)layer->in_channels * layer->kernel * layer->kernel;
    double a = sqrt(5.0);
    double gain = sqrt(2.0 / (1.0 + a * a));
    double bound = sqrt(3.0) * gain / sqrt(fan_in);
    generator_fill_uniform(NULL, layer->weight->data, layer->weight->numel, (float)-bound,
                           (float)bound);
    if (layer->bias) {
        double bias_bound = 1.0 / sqrt(fan_in);
        generator_fill_uniform(NULL, layer->bias->data, layer->bias->numel,
                               (float)-bias_bound, (float)bias_bound);
    }
}

Layer *conv2d_new(int in_channels, int out_channels, int kernel_size, Conv2dOptions options)
{
    int stride = options.stride ? options.stride : 1;
    bool same = options.padding == PADDING_SAME;
    if (in_channels <= 0 || out_channels <= 0 || kernel_size <= 0)
        return cnb_error("conv2d", "in_channels (%d), out_channels (%d) and kernel_size (%d) "
                         "must be positive", in_channels, out_channels, kernel_size), NULL;
    if (stride < 0 || (options.padding < 0 && !same))
        return cnb_error("conv2d", "stride (%d) must be positive and padding (%d) at least 0 "
                         "(or PADDING_SAME)", stride, options.padding), NULL;
    if (same && (stride != 1 || kernel_size % 2 == 0))
        return cnb_error("conv2d", "padding=PADDING_SAME needs stride 1 and an odd kernel "
                         "(got stride %d, kernel_size %d)", stride, kernel_size), NULL;
    Layer *layer = layer_alloc("conv2d", LAYER_CONV2D);
    if (!layer)
        return NULL;
    layer->in_channels = in_channels;
    layer->out_channels = out_channels;
    layer->kernel = kernel_size;
    layer->stride = stride;
    layer->same_padding = same;
    layer->padding = same ? (kernel_size - 1) / 2 : options.padding;
    int wshape[4] = { out_channels, in_channels, kernel_size, kernel_size };
    layer->weight = tensor_new(wshape, 4);
    layer->grad_weight = tensor_new(wshape, 4);
    bool ok = layer->weight && layer->grad_weight;
    if (options.bias) {
        layer->bias = tensor_new((int[]){out_channels}, 1);
        layer->grad_bias = tensor_new((int[]){out_channels}, 1);
        ok = ok && layer->bias && layer->grad_bias;
    }
    if (!ok) {
        layer_free(layer);
        return NULL;
    }
    init_parameters(layer);
    return layer;
}

int conv2d_output_shape(const Layer *layer, int index, const Tensor *in, int *shape, int *ndim)
{
    char text[64];
    layer_shape_text(in, text, sizeof text);
    if (in->ndim != 4 || in->shape[1] != layer->in_channels)
        return cnb_error_of(CNB_SHAPE_ERROR, "model_forward", "layer %d (Conv2d(%d, %d, "
                            "kernel_size=%d)) got input of shape %s; it needs [N, %d, H, W]%s",
                            index, layer->in_channels, layer->out_channels, layer->kernel, text,
                            layer->in_channels, in->ndim == 3 ? " (a batch of one is [1, C, H, "
                            "W])" : "");
    int k = layer->kernel, s = layer->stride, p = layer->padding;
    int oh = (in->shape[2] + 2 * p - k) / s + 1, ow = (in->shape[3] + 2 * p - k) / s + 1;
    if (in->shape[2] + 2 * p < k || in->shape[3] + 2 * p < k)
        return cnb_error_of(CNB_SHAPE_ERROR, "model_forward", "layer %d (Conv2d(%d, %d, "
                            "kernel_size=%d)) got input of shape %s: smaller than the kernel "
                            "(with padding %d)", index, layer->in_channels, layer->out_channels,
                            k, text, p);
    shape[0] = in->shape[0];
    shape[1] = layer->out_channels;
    shape[2] = oh;
    shape[3] = ow;
    *ndim = 4;
    return 0;
}

typedef struct ConvGeometry {
    int c, h, w;                  /* input channels and size */
    int k, s, p;
    int oh, ow;
    int rows, cols;               /* of the im2col block: c*k*k, oh*ow */
} ConvGeometry;

static ConvGeometry geometry(const Layer *layer, const Tensor *in)
{
    ConvGeometry g = { .c = in->shape[1], .h = in->shape[2], .w = in->shape[3],
                       .k = layer->kernel, .s = layer->stride, .p = layer->padding };
    g.oh = (g.h + 2 * g.p - g.k) / g.s + 1;
    g.ow = (g.w + 2 * g.p - g.k) / g.s + 1;
    g.rows = g.c * g.k * g.k;
    g.cols = g.oh * g.ow;
    return g;
}

/* At stride 1, ix = ox - p + kj: the outputs [lo, hi) read inside the row,
 * those before and after read padding. */
static void stride1_run(const ConvGeometry *g, int kj, int *lo, int *hi)
{
    *lo = g->p - kj > 0 ? g->p - kj : 0;
    *hi = g->w + g->p - kj < g->ow ? g->w + g->p - kj : g->ow;
    if (*lo > g->ow)
        *lo = g->ow;
    if (*hi < *lo)
        *hi = *lo;
}

/* The patches of x [c, h, w] as columns: row (ci, ki, kj), column (oh, ow). */
LAYER_VECTOR_CLONES static void im2col(const ConvGeometry *g, const float *x, float *col)
{
    for (int ci = 0; ci < g->c; ci++)
        for (int ki = 0; ki < g->k; ki++)
            for (int kj = 0; kj < g->k; kj++) {
                float *row = col + ((size_t)(ci * g->k + ki) * g->k + kj) * g->cols;
                const float *plane = x + (size_t)ci * g->h * g->w;
                for (int oy = 0; oy < g->oh; oy++) {
                    int iy = oy * g->s - g->p + ki;
                    float *dst = row + (size_t)oy * g->ow;
                    if (iy < 0 || iy >= g->h) {
                        memset(dst, 0, (size_t)g->ow * sizeof *dst);
                        continue;
                    }
                    const float *src = plane + (size_t)iy * g->w;
                    if (g->s == 1) {
                        int lo, hi;
                        stride1_run(g, kj, &lo, &hi);
                        memset(dst, 0, (size_t)lo * sizeof *dst);
                        if (hi > lo)
                            memcpy(dst + lo, src + lo - g->p + kj, (size_t)(hi - lo) * sizeof *dst);
                        memset(dst + hi, 0, (size_t)(g->ow - hi) * sizeof *dst);
                        continue;
                    }
                    for (int ox = 0; ox < g->ow; ox++) {
                        int ix = ox * g->s - g->p + kj;
                        dst[ox] = ix >= 0 && ix < g->w ? src[ix] : 0.0f;
                    }
                }
            }
}

/* dx [c, h, w] += the columns' values at the pixels they came from. */
LAYER_VECTOR_CLONES static void col2im(const ConvGeometry *g, const float *col, float *dx)
{
    memset(dx, 0, (size_t)g->c * g->h * g->w * sizeof *dx);
    for (int ci = 0; ci < g->c; ci++)
        for (int ki = 0; ki < g->k; ki++)
            for (int kj = 0; kj < g->k; kj++) {
                const float *row = col + ((size_t)(ci * g->k + ki) * g->k + kj) * g->cols;
                float *plane = dx + (size_t)ci * g->h * g->w;
                for (int oy = 0; oy < g->oh; oy++) {
                    int iy = oy * g->s - g->p + ki;
                    if (iy < 0 || iy >= g->h)
                        continue;
                    const float *src = row + (size_t)oy * g->ow;
                    float *dst = plane + (size_t)iy * g->w;
                    if (g->s == 1) {
                        int lo, hi;
                        stride1_run(g, kj, &lo, &hi);
                        float *d = dst + lo - g->p + kj;
                        for (int ox = lo; ox < hi; ox++)
                            d[ox - lo] += src[ox];
                        continue;
                    }
                    for (int ox = 0; ox < g->ow; ox++) {
                        int ix = ox * g->s - g->p + kj;
                        if (ix >= 0 && ix < g->w)
                            dst[ix] += src[ox];
                    }
                }
            }
}

typedef struct ConvPass {
    Layer *layer;
    ConvGeometry g;
    const float *x;               /* [n, c, h, w] */
    float *y;                     /* forward: output; backward: dY */
    float *dx;                    /* backward: dX or NULL */
    int batch;
    size_t part_floats;           /* workspace per part */
} ConvPass;

/* Workspace per part: forward a block; backward a block, its gradient,
 * and partial dW and db. */
static size_t part_floats(const Layer *layer, const ConvGeometry *g, bool backward)
{
    size_t block = (size_t)g->rows * g->cols;
    if (!backward)
        return block;
    return 2 * block + (size_t)layer->out_channels * g->rows + (size_t)layer->out_channels;
}

static int reserve_work(Layer *layer, size_t floats)
{
    if (layer->work_size >= floats)
        return 0;
    float *work = realloc(layer->work, floats * sizeof *work);
    if (!work)
        return cnb_error("model_forward", "conv2d: out of memory for %zu floats", floats);
    layer->work = work;
    layer->work_size = floats;
    return 0;
}

static int parts_for(const Layer *layer, const ConvGeometry *g, int batch)
{
    double work = (double)batch * layer->out_channels * g->rows * g->cols;
    return work >= 131072.0 && batch > 1 ? 1 : 0;
}

/* y [out, cols] += bias per row, then the fused activation. */
LAYER_VECTOR_CLONES static void bias_activation(const Layer *layer, float *y, int cols)
{
    for (int o = 0; o < layer->out_channels; o++) {
        float b = layer->bias ? layer->bias->data[o] : 0.0f;
        float *row = y + (size_t)o * cols;
        if (layer->fused == ACT_RELU) {
            for (int i = 0; i < cols; i++)
                row[i] = row[i] + b > 0.0f ? row[i] + b : 0.0f;
            continue;
        }
        for (int i = 0; i < cols; i++)
            row[i] += b;
        activation_forward(layer->fused, row, row, (size_t)cols);
    }
}

static void forward_part(void *context, int part, int parts)
{
    const ConvPass *c = context;
    const ConvGeometry *g = &c->g;
    const Layer *layer = c->layer;
    size_t lo, hi;
    parallel_slice((size_t)c->batch, part, parts, 1, &lo, &hi);
    float *col = layer->work + (size_t)part * c->part_floats;
    size_t in_size = (size_t)g->c * g->h * g->w, out_size = (size_t)layer->out_channels * g->cols;
    for (size_t n = lo; n < hi; n++) {
        float *y = c->y + n * out_size;
        im2col(g, c->x + n * in_size, col);
        gemm_serial(false, false, layer->out_channels, g->cols, g->rows, 1.0f,
                    layer->weight->data, g->rows, col, g->cols, 0.0f, y, g->cols);
        bias_activation(layer, y, g->cols);
    }
}

static int threads_parts(int ppt)
{
    int threads = get_num_threads();
    return ppt <= 0 || threads < 1 ? 1 : threads > 64 ? 64 : threads;
}

int conv2d_forward(Layer *layer, const Tensor *in, Tensor *out)
{
    ConvPass c = { .layer = layer, .g = geometry(layer, in), .x = in->data, .y = out->data,
                   .batch = in->shape[0] };
    int ppt = parts_for(layer, &c.g, c.batch);
    c.part_floats = part_floats(layer, &c.g, false);
    if (reserve_work(layer, c.part_floats * (size_t)threads_parts(ppt)) < 0)
        return -1;
    parallel_run(forward_part, &c, ppt);
    return 0;
}

/* sums[r] += the sum of row r of m [rows, cols], in a fixed order. */
LAYER_VECTOR_CLONES static void add_row_sums(const float *m, int rows, int cols, float *sums)
{
    for (int r = 0; r < rows; r++) {
        const float *row = m + (size_t)r * cols;
        float lanes[16] = { 0 };
        int i = 0;
        for (; i + 16 <= cols; i += 16)
            for (int l = 0; l < 16; l++)
                lanes[l] += row[i + l];
        float sum = 0.0f;
        for (int l = 0; l < 16; l++)
            sum += lanes[l];
        for (; i < cols; i++)
            sum += row[i];
        sums[r] += sum;
    }
}

static void backward_part(void *context, int part, int parts)
{
    const ConvPass *c = context;
    const ConvGeometry *g = &c->g;
    const Layer *layer = c->layer;
    int oc = layer->out_channels;
    size_t lo, hi;
    parallel_slice((size_t)c->batch, part, parts, 1, &lo, &hi);
    size_t block = (size_t)g->rows * g->cols;
    float *col = layer->work + (size_t)part * c->part_floats;
    float *dcol = col + block, *dw = dcol + block, *db = dw + (size_t)oc * g->rows;
    memset(dw, 0, ((size_t)oc * g->rows + (size_t)oc) * sizeof *dw);
    size_t in_size = (size_t)g->c * g->h * g->w, out_size = (size_t)oc * g->cols;
    for (size_t n = lo; n < hi; n++) {
        const float *dy = c->y + n * out_size;
        im2col(g, c->x + n * in_size, col);
        gemm_serial(false, true, oc, g->rows, g->cols, 1.0f, dy, g->cols, col, g->cols, 1.0f,
                    dw, g->rows);
        add_row_sums(dy, oc, g->cols, db);
        if (c->dx) {
            gemm_serial(true, false, g->rows, g->cols, oc, 1.0f, layer->weight->data, g->rows,
                        dy, g->cols, 0.0f, dcol, g->cols);
            col2im(g, dcol, c->dx + n * in_size);
        }
    }
}

int conv2d_backward(Layer *layer, const Tensor *in, const Tensor *grad_out, Tensor *grad_in,
                    bool first_accumulation)
{
    ConvPass c = { .layer = layer, .g = geometry(layer, in), .x = in->data,
                   .y = grad_out->data, .dx = grad_in ? grad_in->data : NULL,
                   .batch = in->shape[0] };
    int ppt = parts_for(layer, &c.g, c.batch);
    int parts = threads_parts(ppt);
    c.part_floats = part_floats(layer, &c.g, true);
    if (reserve_work(layer, c.part_floats * (size_t)parts) < 0)
        return -1;
    parallel_run(backward_part, &c, ppt);
    /* the parts' sums, in part order */
    size_t nw = layer->weight->numel, block = (size_t)c.g.rows * c.g.cols;
    float *gw = layer->grad_weight->data, *gb = layer->bias ? layer->grad_bias->data : NULL;
    if (first_accumulation) {
        memset(gw, 0, nw * sizeof *gw);
        if (gb)
            memset(gb, 0, (size_t)layer->out_channels * sizeof *gb);
    }
    for (int p = 0; p < parts; p++) {
        const float *dw = layer->work + (size_t)p * c.part_floats + 2 * block;
        for (size_t i = 0; i < nw; i++)
            gw[i] += dw[i];
        for (int o = 0; gb && o < layer->out_channels; o++)
            gb[o] += dw[nw + (size_t)o];
    }
    return 0;
}

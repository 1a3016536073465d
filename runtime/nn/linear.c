// SPDX-License-Identifier: BSD-3-Clause
/* Linear layer: y = act(x W^T + b) with W [out, in], as nn.Linear.
 *
 * Initial values follow nn.Linear.reset_parameters exactly, drawn from the
 * default generator: kaiming_uniform_(W, a=sqrt(5)), which is uniform in
 * +-gain*sqrt(3/fan_in) with gain = sqrt(2/(1+a^2)), then b uniform in
 * +-1/sqrt(fan_in).  The bounds are computed in double, as Python does,
 * and handed to uniform_ as floats. */
#include "nn/layer.h"
#include "core/compute.h"
#include "core/parallel.h"
#include "core/vector_ops.h"
#include "host/error_internal.h"
#include "cnb/random.h"

#include <math.h>

static void init_parameters(Layer *layer)
{
    double fan_in = layer->in_features;
    double a = sqrt(5.0);
    double gain = sqrt(2.0 / (1.0 + a * a));
    double std = gain / sqrt(fan_in);
    double bound = sqrt(3.0) * std;
    generator_fill_uniform(NULL, layer->weight->data, layer->weight->numel,
                           (float)-bound, (float)bound);
    double bias_bound = fan_in > 0 ? 1.0 / sqrt(fan_in) : 0.0;
    generator_fill_uniform(NULL, layer->bias->data, layer->bias->numel,
                           (float)-bias_bound, (float)bias_bound);
}

Layer *linear(int in_features, int out_features)
{
    if (in_features <= 0 || out_features <= 0) {
        cnb_error("linear", "in_features (%d) and out_features (%d) must be positive",
                  in_features, out_features);
        return NULL;
    }
    Layer *layer = layer_alloc("linear", LAYER_LINEAR);
    if (!layer)
        return NULL;
    layer->in_features = in_features;
    layer->out_features = out_features;
    layer->weight = tensor_new((int[]){out_features, in_features}, 2);
    layer->bias = tensor_new((int[]){out_features}, 1);
    layer->grad_weight = tensor_new((int[]){out_features, in_features}, 2);
    layer->grad_bias = tensor_new((int[]){out_features}, 1);
    if (!layer->weight || !layer->bias || !layer->grad_weight || !layer->grad_bias) {
        layer_free(layer);
        return NULL;
    }
    init_parameters(layer);
    return layer;
}

/* Parallel work is worth handing out above this many multiply-adds. */
#define PARALLEL_MIN_WORK 131072.0


typedef struct LinearPass {
    Layer *layer;
    const float *x;               /* the input [rows, in] */
    const float *y;               /* the output [rows, out] (backward) */
    float *out;                   /* forward: the output; backward: G, rewritten in place */
    int rows;
    bool sparse, first_accumulation;
} LinearPass;

/* A block of the output: columns (wide layers) or rows (narrow ones, and
 * tall batches, where a call per block of columns would pack all of x
 * again), the product, then bias and activation while the block is in
 * cache.  Blocks are whole tiles of gemm_tile, whatever the thread count. */
static void forward_part(void *context, int part, int parts)
{
    const LinearPass *p = context;
    int n_in = p->layer->in_features, n_out = p->layer->out_features;
    size_t lo, hi;
    if (n_out >= 32 && gemm_block_columns(p->rows, n_in) > 0) {
        int tile = gemm_tile(n_out, p->rows, n_in);
        parallel_slice((size_t)n_out, part, parts, (size_t)tile, &lo, &hi);
        gemm_serial_tiles(false, true, p->rows, (int)(hi - lo), n_in, 1.0f, p->x, n_in,
                          p->layer->weight->data + lo * (size_t)n_in, n_in, 0.0f, p->out + lo,
                          n_out, p->rows, tile);
        linear_epilogue(p->layer, p->out, n_out, p->rows, (int)lo, (int)hi);
    } else {
        int tile = gemm_tile(p->rows, n_out, n_in);
        parallel_slice((size_t)p->rows, part, parts, (size_t)tile, &lo, &hi);
        float *y = p->out + lo * (size_t)n_out;
        gemm_serial_tiles(false, true, (int)(hi - lo), n_out, n_in, 1.0f,
                          p->x + lo * (size_t)n_in, n_in, p->layer->weight->data, n_in, 0.0f, y,
                          n_out, tile, n_out);
        linear_epilogue(p->layer, y, n_out, (int)(hi - lo), 0, n_out);
    }
}

void linear_forward(Layer *layer, const Tensor *in, Tensor *out, bool training)
{
    int n_in = layer->in_features, n_out = layer->out_features;
    int rows = (int)(in->numel / (size_t)n_in);
    if (linear_sparse_forward(layer, in, out, training))
        return;
    LinearPass p = { .layer = layer, .x = in->data, .out = out->data, .rows = rows };
    parallel_run(forward_part, &p, (double)rows * n_in * n_out >= PARALLEL_MIN_WORK ? 1 : 0);
}

/* Columns [lo, hi) of G: the activation's derivative, then the rows
 * [lo, hi) of dW and db that depend on those columns only. */
static void weight_grad_part(void *context, int part, int parts)
{
    const LinearPass *p = context;
    int n_in = p->layer->in_features, n_out = p->layer->out_features;
    int tile_rows, tile_cols;     /* of dW, shared out by rows */
    gemm_row_tiles(n_out, n_in, p->rows, &tile_rows, &tile_cols);
    size_t lo, hi;
    parallel_slice((size_t)n_out, part, parts, p->sparse ? 128 : (size_t)tile_rows, &lo, &hi);
    if (lo == hi)
        return;
    float *g = p->out;
    if (p->layer->fused != ACT_NONE)
        for (int r = 0; r < p->rows; r++)
            activation_backward(p->layer->fused, p->y + (size_t)r * (size_t)n_out + lo,
                                g + (size_t)r * (size_t)n_out + lo, hi - lo);
    vec_column_sums(g + lo, n_out, p->rows, (int)(hi - lo), p->layer->grad_bias->data + lo,
                    !p->first_accumulation);
    if (p->sparse)
        linear_sparse_weight_grad(p->layer, g, (int)lo, (int)hi, p->first_accumulation);
    else
        gemm_serial_tiles(true, false, (int)(hi - lo), n_in, p->rows, 1.0f, g + lo, n_out,
                          p->x, n_in, p->first_accumulation ? 0.0f : 1.0f,
                          p->layer->grad_weight->data + lo * (size_t)n_in, n_in, tile_rows,
                          tile_cols);
}

void linear_backward(Layer *layer, const Tensor *in, const Tensor *out, Tensor *grad_out,
                     Tensor *grad_in, bool first_accumulation)
{
    int n_in = layer->in_features, n_out = layer->out_features;
    int rows = (int)(in->numel / (size_t)n_in);
    /* dW (+)= G^T X, db (+)= column sums of G, then dX = G W */
    LinearPass p = { .layer = layer, .x = in->data, .y = out->data, .out = grad_out->data,
                     .rows = rows, .sparse = linear_sparse_backward_ready(layer, in),
                     .first_accumulation = first_accumulation };
    /* one part per thread: the sparse kernel works on 128-wide slices of
     * dW's rows, the thread's own rows of W (the pool's homes) */
    parallel_run(weight_grad_part, &p, (double)rows * n_in * n_out >= PARALLEL_MIN_WORK ? 1 : 0);
    if (grad_in)
        gemm(false, false, rows, n_in, n_out, 1.0f, grad_out->data, n_out, layer->weight->data,
             n_in, 0.0f, grad_in->data, n_in);
}

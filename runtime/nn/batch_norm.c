// SPDX-License-Identifier: BSD-3-Clause
/* BatchNorm1d and BatchNorm2d: per channel c of [N, C, ...],
 * y = (x - mean) / sqrt(var + eps) * weight + bias.
 *
 * In training the statistics are the batch's (the biased variance), and the
 * running ones move towards them as in PyTorch: running = (1 - momentum) *
 * running + momentum * batch, with the unbiased variance, and
 * num_batches_tracked counts the batches.  In evaluation the running ones
 * are used.  Sums are in double: a channel of a 64-image batch of 28x28
 * maps is 50176 values.  Backward, with xhat = (x - mean) * invstd:
 * dweight = sum(dy xhat), dbias = sum(dy), and in training
 * dx = weight invstd (dy - mean(dy) - xhat mean(dy xhat)). */
/* O3: the loops over feature maps vectorize (as in core/vector_ops.c) */
#pragma GCC optimize("O3")
#include "nn/layer.h"
#include "host/error_internal.h"

#include <math.h>
#include <stdlib.h>

static Layer *batch_norm_new(const char *function, int dims, int num_features,
                             BatchNormOptions options)
{
    if (num_features <= 0)
        return cnb_error(function, "num_features (%d) must be positive", num_features), NULL;
    double eps = options.eps ? options.eps : 1e-5;
    double momentum = options.momentum ? options.momentum : 0.1;
    if (!(eps > 0) || !(momentum > 0 && momentum <= 1))
        return cnb_error(function, "eps (%g) must be positive and momentum (%g) in (0, 1]",
                         eps, momentum), NULL;
    Layer *layer = layer_alloc(function, LAYER_BATCH_NORM);
    if (!layer)
        return NULL;
    layer->num_features = num_features;
    layer->norm_dims = dims;
    layer->eps = eps;
    layer->momentum = momentum;
    int shape[1] = { num_features };
    layer->weight = tensor_new(shape, 1);
    layer->bias = tensor_new(shape, 1);
    layer->grad_weight = tensor_new(shape, 1);
    layer->grad_bias = tensor_new(shape, 1);
    layer->running_mean = tensor_new(shape, 1);
    layer->running_var = tensor_new(shape, 1);
    layer->saved_mean = calloc((size_t)num_features, sizeof(float));
    layer->saved_invstd = calloc((size_t)num_features, sizeof(float));
    if (!layer->weight || !layer->bias || !layer->grad_weight || !layer->grad_bias ||
        !layer->running_mean || !layer->running_var || !layer->saved_mean ||
        !layer->saved_invstd) {
        layer_free(layer);
        return cnb_error(function, "out of memory"), NULL;
    }
    for (int c = 0; c < num_features; c++) {
        layer->weight->data[c] = 1.0f;
        layer->bias->data[c] = 0.0f;
        layer->running_mean->data[c] = 0.0f;
        layer->running_var->data[c] = 1.0f;
    }
    return layer;
}

Layer *batch_norm2d_new(int num_features, BatchNormOptions options)
{
    return batch_norm_new("batch_norm2d", 2, num_features, options);
}

Layer *batch_norm1d_new(int num_features, BatchNormOptions options)
{
    return batch_norm_new("batch_norm1d", 1, num_features, options);
}

int batch_norm_output_shape(const Layer *layer, int index, const Tensor *in, int *shape,
                            int *ndim)
{
    bool two = layer->norm_dims == 2;
    bool fits = two ? in->ndim == 4 : in->ndim == 2 || in->ndim == 3;
    if (!fits || in->shape[1] != layer->num_features) {
        char text[64];
        layer_shape_text(in, text, sizeof text);
        return cnb_error_of(CNB_SHAPE_ERROR, "model_forward", "layer %d (BatchNorm%dd(%d)) got "
                            "input of shape %s; it needs %s", index, layer->norm_dims,
                            layer->num_features, text, two ? "[N, C, H, W] with C = "
                            "num_features" : "[N, C] or [N, C, L] with C = num_features");
    }
    *ndim = in->ndim;
    for (int i = 0; i < in->ndim; i++)
        shape[i] = in->shape[i];
    return 0;
}

typedef struct NormGeometry {
    int n, c;
    size_t inner;                 /* values per channel per sample */
} NormGeometry;

static NormGeometry geometry(const Tensor *in)
{
    NormGeometry g = { .n = in->shape[0], .c = in->shape[1], .inner = 1 };
    for (int d = 2; d < in->ndim; d++)
        g.inner *= (size_t)in->shape[d];
    return g;
}

static void batch_statistics(Layer *layer, const NormGeometry *g, const float *x)
{
    double count = (double)g->n * (double)g->inner;
    for (int c = 0; c < g->c; c++) {
        double sum = 0.0;
        for (int n = 0; n < g->n; n++) {
            const float *v = x + ((size_t)n * g->c + c) * g->inner;
            for (size_t i = 0; i < g->inner; i++)
                sum += v[i];
        }
        double mean = sum / count, squares = 0.0;
        for (int n = 0; n < g->n; n++) {
            const float *v = x + ((size_t)n * g->c + c) * g->inner;
            for (size_t i = 0; i < g->inner; i++)
                squares += (v[i] - mean) * (v[i] - mean);
        }
        double var = squares / count;
        layer->saved_mean[c] = (float)mean;
        layer->saved_invstd[c] = (float)(1.0 / sqrt(var + layer->eps));
        float *rm = layer->running_mean->data, *rv = layer->running_var->data;
        double m = layer->momentum;
        double unbiased = count > 1 ? squares / (count - 1) : var;
        rm[c] = (float)((1.0 - m) * rm[c] + m * mean);
        rv[c] = (float)((1.0 - m) * rv[c] + m * unbiased);
    }
    layer->num_batches_tracked++;
}

int batch_norm_forward(Layer *layer, const Tensor *in, Tensor *out, bool training)
{
    NormGeometry g = geometry(in);
    if (training && (double)g.n * (double)g.inner <= 1)
        return cnb_error_of(CNB_SHAPE_ERROR, "model_forward", "BatchNorm%dd needs more than one "
                            "value per channel in training (got input with %d sample%s of %zu "
                            "value%s per channel)", layer->norm_dims, g.n, g.n == 1 ? "" : "s",
                            g.inner, g.inner == 1 ? "" : "s");
    layer->batch_stats = training;
    if (training) {
        batch_statistics(layer, &g, in->data);
    } else {
        for (int c = 0; c < g.c; c++) {
            layer->saved_mean[c] = layer->running_mean->data[c];
            layer->saved_invstd[c] =
                (float)(1.0 / sqrt((double)layer->running_var->data[c] + layer->eps));
        }
    }
    for (int c = 0; c < g.c; c++) {
        float mean = layer->saved_mean[c];
        float scale = layer->saved_invstd[c] * layer->weight->data[c];
        float shift = layer->bias->data[c];
        for (int n = 0; n < g.n; n++) {
            size_t at = ((size_t)n * g.c + c) * g.inner;
            const float *x = in->data + at;
            float *y = out->data + at;
            for (size_t i = 0; i < g.inner; i++)
                y[i] = (x[i] - mean) * scale + shift;
            activation_forward(layer->fused, y, y, g.inner);
        }
    }
    return 0;
}

void batch_norm_backward(const Layer *layer, const Tensor *in, const Tensor *grad_out,
                         Tensor *grad_in, bool first_accumulation)
{
    bool training = layer->batch_stats;
    NormGeometry g = geometry(in);
    double count = (double)g.n * (double)g.inner;
    for (int c = 0; c < g.c; c++) {
        float mean = layer->saved_mean[c], invstd = layer->saved_invstd[c];
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (int n = 0; n < g.n; n++) {
            size_t at = ((size_t)n * g.c + c) * g.inner;
            const float *x = in->data + at, *dy = grad_out->data + at;
            for (size_t i = 0; i < g.inner; i++) {
                sum_dy += dy[i];
                sum_dy_xhat += (double)dy[i] * ((x[i] - mean) * invstd);
            }
        }
        float *gw = layer->grad_weight->data, *gb = layer->grad_bias->data;
        gw[c] = (float)((first_accumulation ? 0.0 : gw[c]) + sum_dy_xhat);
        gb[c] = (float)((first_accumulation ? 0.0 : gb[c]) + sum_dy);
        if (!grad_in)
            continue;
        float scale = invstd * layer->weight->data[c];
        float mean_dy = training ? (float)(sum_dy / count) : 0.0f;
        float mean_dy_xhat = training ? (float)(sum_dy_xhat / count) : 0.0f;
        for (int n = 0; n < g.n; n++) {
            size_t at = ((size_t)n * g.c + c) * g.inner;
            const float *x = in->data + at, *dy = grad_out->data + at;
            float *dx = grad_in->data + at;
            for (size_t i = 0; i < g.inner; i++) {
                float xhat = (x[i] - mean) * invstd;
                dx[i] = scale * (dy[i] - mean_dy - xhat * mean_dy_xhat);
            }
        }
    }
}

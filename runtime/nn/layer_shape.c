// SPDX-License-Identifier: BSD-3-Clause
/* The output shape of a layer for an input shape, kind by kind, or a
 * ShapeError that names the layer, what it expected and what it got. */
#include "nn/layer.h"
#include "host/error_internal.h"

static int flatten_shape(int index, const Tensor *in, int *shape, int *ndim)
{
    if (in->ndim < 1)
        return cnb_error_of(CNB_SHAPE_ERROR, "model_forward", "layer %d (Flatten) needs a batch dimension; "
                         "got a 0-dimensional tensor", index);
    shape[0] = in->shape[0];
    shape[1] = 1;
    for (int i = 1; i < in->ndim; i++)
        shape[1] *= in->shape[i];
    *ndim = 2;
    return 0;
}

static int linear_shape(const Layer *layer, int index, const Tensor *in, int *shape, int *ndim)
{
    if (in->ndim < 1 || in->shape[in->ndim - 1] != layer->in_features) {
        char text[64];
        layer_shape_text(in, text, sizeof text);
        return cnb_error_of(CNB_SHAPE_ERROR, "model_forward", "layer %d (Linear(in_features=%d, out_features=%d)) "
                         "got input of shape %s; its last dimension must be %d%s",
                         index, layer->in_features, layer->out_features, text,
                         layer->in_features, in->ndim > 2 ? " (forgot flatten()?)" : "");
    }
    *ndim = in->ndim;
    for (int i = 0; i < in->ndim; i++)
        shape[i] = in->shape[i];
    shape[in->ndim - 1] = layer->out_features;
    return 0;
}

int layer_output_shape(const Layer *layer, int index, const Tensor *in,
                       int shape[CNB_MAX_DIMS], int *ndim)
{
    switch (layer->kind) {
    case LAYER_FLATTEN:
        return flatten_shape(index, in, shape, ndim);
    case LAYER_LINEAR:
        return linear_shape(layer, index, in, shape, ndim);
    case LAYER_CONV2D:
        return conv2d_output_shape(layer, index, in, shape, ndim);
    case LAYER_MAX_POOL2D:
    case LAYER_AVG_POOL2D:
        return pool2d_output_shape(layer, index, in, shape, ndim);
    case LAYER_BATCH_NORM:
        return batch_norm_output_shape(layer, index, in, shape, ndim);
    case LAYER_DROPOUT2D:
        return dropout2d_output_shape(layer, index, in, shape, ndim);
    default:
        *ndim = in->ndim;
        for (int i = 0; i < in->ndim; i++)
            shape[i] = in->shape[i];
        return 0;
    }
}

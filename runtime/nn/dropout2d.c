// SPDX-License-Identifier: BSD-3-Clause
/* Dropout2d: zeroes whole channels of [N, C, H, W], as nn.Dropout2d.  One
 * uniform per (sample, channel) from the default generator, kept where it
 * is >= p and then scaled by 1/(1-p), as dropout.c draws its mask (and so,
 * like it, reproducible under manual_seed but not torch's own stream). */
#include "nn/layer.h"
#include "host/error_internal.h"
#include "cnb/random.h"
#include "cuda/dropout_math.cuh"

#include <string.h>

Layer *dropout2d(float p)
{
    if (!(p >= 0.0f && p <= 1.0f)) {
        cnb_error("dropout2d", "probability %g is not between 0 and 1", (double)p);
        return NULL;
    }
    Layer *layer = layer_alloc("dropout2d", LAYER_DROPOUT2D);
    if (layer)
        layer->p = p;
    return layer;
}

int dropout2d_output_shape(const Layer *layer, int index, const Tensor *in, int *shape,
                           int *ndim)
{
    (void)layer;
    if (in->ndim != 4) {
        char text[64];
        layer_shape_text(in, text, sizeof text);
        return cnb_error_of(CNB_SHAPE_ERROR, "model_forward", "layer %d (Dropout2d) got input of "
                            "shape %s; it needs [N, C, H, W]", index, text);
    }
    *ndim = 4;
    memcpy(shape, in->shape, 4 * sizeof *shape);
    return 0;
}

int dropout2d_forward(Layer *layer, const Tensor *in, Tensor *out, bool training)
{
    size_t n = in->numel;
    layer->mask_active = training && layer->p > 0.0f;
    if (!layer->mask_active) {
        if (out->data != in->data)
            memcpy(out->data, in->data, n * sizeof(float));
        return 0;
    }
    int planes = in->shape[0] * in->shape[1];
    if (!layer->mask && !(layer->mask = tensor_empty()))
        return -1;
    if (tensor_resize(layer->mask, (int[]){planes}, 1) < 0)
        return -1;
    float *mask = layer->mask->data;
    float keep = cnb_dropout_scale(layer->p);
    generator_fill_uniform(NULL, mask, (size_t)planes, 0.0f, 1.0f);
    size_t plane = (size_t)in->shape[2] * in->shape[3];
    for (int p = 0; p < planes; p++) {
        mask[p] = cnb_dropout_factor(mask[p], layer->p, keep);
        for (size_t i = 0; i < plane; i++)
            out->data[p * plane + i] = in->data[p * plane + i] * mask[p];
    }
    return 0;
}

void dropout2d_backward(Layer *layer, Tensor *grad)
{
    if (!layer->mask_active)
        return;
    size_t plane = (size_t)grad->shape[2] * grad->shape[3];
    size_t planes = grad->numel / (plane ? plane : 1);
    for (size_t p = 0; p < planes; p++)
        for (size_t i = 0; i < plane; i++)
            grad->data[p * plane + i] *= layer->mask->data[p];
}

// SPDX-License-Identifier: BSD-3-Clause
/* Dropout.  The mask is drawn from the default generator (uniform_ >= p),
 * so a seeded run is reproducible; it does not reproduce torch's own
 * dropout stream, which comes from MKL's Bernoulli generator. */
#include "nn/layer.h"
#include "host/error_internal.h"
#include "cnb/random.h"
#include "cuda/dropout_math.cuh"

#include <string.h>

Layer *dropout(float p)
{
    if (!(p >= 0.0f && p <= 1.0f)) {
        cnb_error("dropout", "probability %g is not between 0 and 1", (double)p);
        return NULL;
    }
    Layer *layer = layer_alloc("dropout", LAYER_DROPOUT);
    if (layer)
        layer->p = p;
    return layer;
}

int dropout_forward(Layer *layer, const Tensor *in, Tensor *out, bool training)
{
    size_t n = in->numel;
    layer->mask_active = training && layer->p > 0.0f;
    if (!layer->mask_active) {
        if (out->data != in->data)
            memcpy(out->data, in->data, n * sizeof(float));
        return 0;
    }
    if (!layer->mask && !(layer->mask = tensor_empty()))
        return -1;
    if (tensor_resize(layer->mask, in->shape, in->ndim) < 0)
        return -1;
    float *mask = layer->mask->data;
    float keep = cnb_dropout_scale(layer->p);
    generator_fill_uniform(NULL, mask, n, 0.0f, 1.0f);
    for (size_t i = 0; i < n; i++) {
        mask[i] = cnb_dropout_factor(mask[i], layer->p, keep);
        out->data[i] = in->data[i] * mask[i];
    }
    return 0;
}

void dropout_backward(Layer *layer, Tensor *grad)
{
    if (!layer->mask_active)
        return;
    for (size_t i = 0; i < grad->numel; i++)
        grad->data[i] *= layer->mask->data[i];
}

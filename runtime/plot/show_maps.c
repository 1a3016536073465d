// SPDX-License-Identifier: BSD-3-Clause
/* What a CNN has learned, as pictures: the filters of a convolution and the
 * feature maps one image gives after each convolution.  Both are rows of
 * small grayscale images drawn by show_images (each scaled from its own
 * minimum to its maximum, as imshow does).  Convolutions are found through
 * the public API: the layers whose weight is 4-dimensional. */
#include "cnb/plot.h"
#include "cnb/nn.h"
#include "host/error_internal.h"
#include "host/object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_MAPS = 32, TITLE_LENGTH = 96 };

/* The weight [out, in, k, k] of layer layer_index, or NULL if that layer is
 * no convolution. */
static Tensor *conv_weight(Model *model, int layer_index)
{
    char wanted[32];
    snprintf(wanted, sizeof wanted, "layers.%d.weight", layer_index);
    int tensors = model_parameter_tensors(model);
    for (int i = 0; i < tensors; i++) {
        const char *name = NULL;
        Tensor *p = model_parameter(model, i, &name);
        if (p && name && strcmp(name, wanted) == 0 && tensor_ndim(p) == 4)
            return p;
    }
    return NULL;
}

static int shown_count(int available, int wanted)
{
    int count = wanted > 0 && wanted < available ? wanted : available;
    return count > MAX_MAPS ? MAX_MAPS : count;
}

int show_filters_with(Model *model, int layer_index, ShowMapsOptions options)
{
    if (object_dead(model, OBJECT_MODEL, "show_filters"))
        return -1;
    if (!model)
        return cnb_error_of(CNB_VALUE_ERROR, "show_filters", "model is NULL");
    Tensor *weight = conv_weight(model, layer_index);
    if (!weight)
        return cnb_error_of(CNB_VALUE_ERROR, "show_filters", "layer %d is no Conv2d "
                            "(its weight would be named layers.%d.weight, [out, in, k, k])",
                            layer_index, layer_index);
    int out = tensor_dim(weight, 0), in = tensor_dim(weight, 1);
    int kh = tensor_dim(weight, 2), kw = tensor_dim(weight, 3);
    int count = shown_count(out, options.count);
    /* One picture per filter: its mean over the input channels (for the
     * first layer of a grayscale model, the filter itself). */
    Tensor *filters = tensor(count, 1, kh, kw);
    if (!filters)
        return -1;
    const float *w = tensor_cdata(weight);
    float *f = tensor_data(filters);
    size_t plane = (size_t)kh * (size_t)kw;
    for (int o = 0; o < count; o++)
        for (size_t p = 0; p < plane; p++) {
            double sum = 0.0;
            for (int c = 0; c < in; c++)
                sum += w[((size_t)o * (size_t)in + (size_t)c) * plane + p];
            f[(size_t)o * plane + p] = (float)(sum / in);
        }
    char title[TITLE_LENGTH];
    snprintf(title, sizeof title, "%s", options.title ? options.title : "");
    if (!options.title)
        snprintf(title, sizeof title, "layers.%d: %d Filter %dx%d", layer_index, out, kh, kw);
    int status = show_images_with(filters, (ShowImagesOptions){
        .count = count, .columns = options.columns, .title = title});
    tensor_free(filters);
    return status;
}

/* The first image's maps after layer i: [1, C, H, W] shown as C images. */
static int show_layer_maps(Model *model, const Tensor *input, int i, ShowMapsOptions options)
{
    Tensor *maps = model_predict_until(model, input, i);
    if (!maps)
        return -1;
    if (tensor_ndim(maps) != 4)
        return cnb_error_of(CNB_SHAPE_ERROR, "show_feature_maps", "layer %d gives %d "
                            "dimensions, not feature maps [N, C, H, W]", i, tensor_ndim(maps));
    int channels = tensor_dim(maps, 1), height = tensor_dim(maps, 2), width = tensor_dim(maps, 3);
    int count = shown_count(channels, options.count);
    Tensor *first = tensor(count, 1, height, width);
    if (!first)
        return -1;
    memcpy(tensor_data(first), tensor_cdata(maps),
           (size_t)count * (size_t)height * (size_t)width * sizeof(float));
    char title[TITLE_LENGTH];
    snprintf(title, sizeof title, "layers.%d (Conv2d): %d Feature Maps %dx%d", i, channels,
             height, width);
    int status = show_images_with(first, (ShowImagesOptions){
        .count = count, .columns = options.columns, .title = title});
    tensor_free(first);
    return status;
}

int show_feature_maps_with(Model *model, const Tensor *image, ShowMapsOptions options)
{
    if (object_dead(model, OBJECT_MODEL, "show_feature_maps") ||
        object_dead(image, OBJECT_TENSOR, "show_feature_maps"))
        return -1;
    if (!model || !image)
        return cnb_error_of(CNB_VALUE_ERROR, "show_feature_maps", "model or image is NULL");
    /* One image [C, H, W] becomes a batch of one; a batch shows its first. */
    int ndim = tensor_ndim(image);
    if (ndim != 3 && ndim != 4)
        return cnb_error_of(CNB_SHAPE_ERROR, "show_feature_maps", "expected an image "
                            "[C, H, W] or a batch [N, C, H, W], got %d dimensions", ndim);
    Tensor *batch = ndim == 3 ? tensor(1, tensor_dim(image, 0), tensor_dim(image, 1),
                                       tensor_dim(image, 2))
                              : tensor_narrow((Tensor *)image, 0, 1);
    if (!batch)
        return -1;
    if (ndim == 3)
        memcpy(tensor_data(batch), tensor_cdata(image), tensor_numel(image) * sizeof(float));
    int status = 0, shown = 0;
    int tensors = model_parameter_tensors(model);
    for (int p = 0; p < tensors && status == 0; p++) {
        const char *name = NULL;
        Tensor *weight = model_parameter(model, p, &name);
        int layer = -1, end = 0;
        if (!weight || !name || tensor_ndim(weight) != 4 ||
            sscanf(name, "layers.%d.weight%n", &layer, &end) != 1 || name[end] != '\0')
            continue;
        status = show_layer_maps(model, batch, layer, options);
        shown++;
    }
    tensor_free(batch);
    if (status == 0 && shown == 0)
        return cnb_error_of(CNB_VALUE_ERROR, "show_feature_maps", "the model has no Conv2d");
    return status;
}

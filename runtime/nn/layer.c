// SPDX-License-Identifier: BSD-3-Clause
/* What every layer shares: allocation, names, printing (the output shapes
 * of every kind are layer_shape.c); the layers without parameters:
 * flatten, relu, sigmoid, tanh. */
#include "nn/layer.h"
#include "host/error_internal.h"

#include <stdlib.h>

Layer *layer_alloc(const char *function, LayerKind kind)
{
    Layer *layer = calloc(1, sizeof *layer);
    if (!layer) {
        cnb_error(function, "out of memory");
        return NULL;
    }
    object_init(layer, OBJECT_LAYER);
    layer->kind = kind;
    return layer;
}

void layer_free(Layer *layer)
{
    if (!layer)
        return;
    tensor_destroy(layer->weight);     /* the model's (tensor_free refuses them) */
    tensor_destroy(layer->bias);
    tensor_destroy(layer->grad_weight);
    tensor_destroy(layer->grad_bias);
    tensor_destroy(layer->mask);
    tensor_destroy(layer->running_mean);
    tensor_destroy(layer->running_var);
    free(layer->work);
    free(layer->argmax);
    free(layer->saved_mean);
    free(layer->saved_invstd);
    sparse_input_free(layer->sparse_train);
    sparse_input_free(layer->sparse_predict);
    object_retire(layer, sizeof *layer, OBJECT_LAYER);
}

const char *layer_type_name(const Layer *layer)
{
    switch (layer->kind) {
    case LAYER_FLATTEN: return "Flatten";
    case LAYER_LINEAR: return "Linear";
    case LAYER_RELU: return "ReLU";
    case LAYER_SIGMOID: return "Sigmoid";
    case LAYER_TANH: return "Tanh";
    case LAYER_DROPOUT: return "Dropout";
    case LAYER_CONV2D: return "Conv2d";
    case LAYER_MAX_POOL2D: return "MaxPool2d";
    case LAYER_AVG_POOL2D: return "AvgPool2d";
    case LAYER_BATCH_NORM: return layer->norm_dims == 2 ? "BatchNorm2d" : "BatchNorm1d";
    case LAYER_DROPOUT2D: return "Dropout2d";
    }
    return "Layer";
}

/* nn.Conv2d's repr shows only the options that are not the defaults. */
static void describe_conv2d(const Layer *layer, FILE *out)
{
    int k = layer->kernel, s = layer->stride, p = layer->padding;
    fprintf(out, "Conv2d(%d, %d, kernel_size=(%d, %d), stride=(%d, %d)", layer->in_channels,
            layer->out_channels, k, k, s, s);
    if (layer->same_padding)
        fputs(", padding=same", out);
    else if (p)
        fprintf(out, ", padding=(%d, %d)", p, p);
    if (!layer->bias)
        fputs(", bias=False", out);
    fputc(')', out);
}

/* The same text as PyTorch's repr of the module. */
void layer_describe(const Layer *layer, FILE *out)
{
    switch (layer->kind) {
    case LAYER_FLATTEN:
        fputs("Flatten(start_dim=1, end_dim=-1)", out);
        break;
    case LAYER_LINEAR:
        fprintf(out, "Linear(in_features=%d, out_features=%d, bias=True)",
                layer->in_features, layer->out_features);
        break;
    case LAYER_DROPOUT:
    case LAYER_DROPOUT2D:
        fprintf(out, "%s(p=%g, inplace=False)", layer_type_name(layer), (double)layer->p);
        break;
    case LAYER_CONV2D:
        describe_conv2d(layer, out);
        break;
    case LAYER_MAX_POOL2D:
        fprintf(out, "MaxPool2d(kernel_size=%d, stride=%d, padding=%d, dilation=1, "
                "ceil_mode=False)", layer->kernel, layer->stride, layer->padding);
        break;
    case LAYER_AVG_POOL2D:
        fprintf(out, "AvgPool2d(kernel_size=%d, stride=%d, padding=%d)", layer->kernel,
                layer->stride, layer->padding);
        break;
    case LAYER_BATCH_NORM:
        fprintf(out, "%s(%d, eps=%g, momentum=%g, affine=True, track_running_stats=True)",
                layer_type_name(layer), layer->num_features, layer->eps, layer->momentum);
        break;
    default:
        fprintf(out, "%s()", layer_type_name(layer));
    }
}

bool layer_is_elementwise(const Layer *layer)
{
    return layer->kind == LAYER_RELU || layer->kind == LAYER_SIGMOID ||
           layer->kind == LAYER_TANH || layer->kind == LAYER_DROPOUT ||
           layer->kind == LAYER_DROPOUT2D;
}

Activation layer_activation(const Layer *layer)
{
    switch (layer->kind) {
    case LAYER_RELU: return ACT_RELU;
    case LAYER_SIGMOID: return ACT_SIGMOID;
    case LAYER_TANH: return ACT_TANH;
    default: return ACT_NONE;
    }
}

void layer_shape_text(const Tensor *t, char *text, size_t size)
{
    size_t used = (size_t)snprintf(text, size, "[");
    for (int i = 0; i < t->ndim && used < size; i++)
        used += (size_t)snprintf(text + used, size - used, i ? ", %d" : "%d", t->shape[i]);
    if (used < size)
        snprintf(text + used, size - used, "]");
}

Layer *flatten(void)
{
    return layer_alloc("flatten", LAYER_FLATTEN);
}

Layer *relu(void)
{
    return layer_alloc("relu", LAYER_RELU);
}

Layer *sigmoid(void)
{
    return layer_alloc("sigmoid", LAYER_SIGMOID);
}

Layer *tanh_layer(void)
{
    return layer_alloc("tanh_layer", LAYER_TANH);
}

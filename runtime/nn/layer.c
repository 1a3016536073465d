/* What every layer shares: allocation, names, printing, output shapes. */
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
    layer->kind = kind;
    return layer;
}

void layer_free(Layer *layer)
{
    if (!layer)
        return;
    tensor_free(layer->weight);
    tensor_free(layer->bias);
    tensor_free(layer->grad_weight);
    tensor_free(layer->grad_bias);
    tensor_free(layer->mask);
    sparse_input_free(layer->sparse_train);
    sparse_input_free(layer->sparse_predict);
    free(layer);
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
    }
    return "Layer";
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
        fprintf(out, "Dropout(p=%g, inplace=False)", (double)layer->p);
        break;
    default:
        fprintf(out, "%s()", layer_type_name(layer));
    }
}

bool layer_is_elementwise(const Layer *layer)
{
    return layer->kind == LAYER_RELU || layer->kind == LAYER_SIGMOID ||
           layer->kind == LAYER_TANH || layer->kind == LAYER_DROPOUT;
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

static void shape_text(const Tensor *t, char *text, size_t size)
{
    size_t used = (size_t)snprintf(text, size, "[");
    for (int i = 0; i < t->ndim && used < size; i++)
        used += (size_t)snprintf(text + used, size - used, i ? ", %d" : "%d", t->shape[i]);
    if (used < size)
        snprintf(text + used, size - used, "]");
}

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
        shape_text(in, text, sizeof text);
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
    default:
        *ndim = in->ndim;
        for (int i = 0; i < in->ndim; i++)
            shape[i] = in->shape[i];
        return 0;
    }
}

Layer *flatten(void)
{
    return layer_alloc("flatten", LAYER_FLATTEN);
}

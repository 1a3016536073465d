// SPDX-License-Identifier: BSD-3-Clause
/* Forward and backward passes of a Sequential model.
 *
 * Training forward (model_forward) keeps what backward needs: one tensor per
 * layer, an own block for linear layers (and for an elementwise layer whose
 * input must survive), a view for flatten and for activations that the
 * preceding linear layer already applied (fusion, see model.c).
 * No-grad forward (model_predict) keeps nothing: it alternates between two
 * scratch blocks and leaves the training tensors (and so a pending
 * backward) alone, like torch.no_grad(). */
#include "nn/model_impl.h"
#include "core/compute.h"
#include "host/error_internal.h"
#include "cnb/host.h"

#include <string.h>

static int check_input(const char *function, Model *model, const Tensor *input)
{
    if (model_dead(model, function) || tensor_dead(input, function))
        return -1;
    if (!model)
        return cnb_error(function, "model is NULL");
    if (!input)
        return cnb_error(function, "input is NULL");
    if (input->device != model->device)
        return cnb_error(function, "input is on the %s but the model is on the %s; "
                         "move one with tensor_to or model_to",
                         device_name(input->device), device_name(model->device));
    return 0;
}

/* May an elementwise layer overwrite its input?  Only if the input is a
 * model block that no backward will read: the output of a linear layer
 * without a fused activation (its backward needs its input, not output). */
static bool may_overwrite(const Model *model, int i)
{
    if (i == 0)
        return false;
    const Layer *prev = model->layers[i - 1];
    return prev->kind == LAYER_LINEAR && prev->fused == ACT_NONE;
}

/* The CNN layers' forward on the CPU; 1 if layer is none of them. */
static int cnn_forward(Layer *layer, const Tensor *in, Tensor *out, bool training,
                       bool keep_for_backward)
{
    switch (layer->kind) {
    case LAYER_CONV2D:
        return conv2d_forward(layer, in, out);
    case LAYER_MAX_POOL2D:
    case LAYER_AVG_POOL2D:
        return pool2d_forward(layer, in, out, keep_for_backward);
    case LAYER_BATCH_NORM:
        return batch_norm_forward(layer, in, out, training);
    case LAYER_DROPOUT2D:
        return dropout2d_forward(layer, in, out, training);
    default:
        return 1;
    }
}

static int forward_layer(Model *model, int i, const Tensor *in, Tensor *out)
{
    Layer *layer = model->layers[i];
    int shape[CNB_MAX_DIMS], ndim;
    if (layer_output_shape(layer, i, in, shape, &ndim) < 0)
        return -1;
    bool view = layer->kind == LAYER_FLATTEN || layer->fused_away ||
                (layer_is_elementwise(layer) && may_overwrite(model, i));
    if (view)
        tensor_view_of(out, in, shape, ndim);
    else if (tensor_resize(out, shape, ndim) < 0)
        return -1;
    if (model->device == CUDA)    /* flatten and fused activations are views there too */
        return model_cuda_layer_forward(layer, in, out, model->training);
    int cnn = cnn_forward(layer, in, out, model->training, true);
    if (cnn <= 0)
        return cnn;
    switch (layer->kind) {
    case LAYER_LINEAR:
        linear_forward(layer, in, out, true);
        break;
    case LAYER_DROPOUT:
        return dropout_forward(layer, in, out, model->training);
    case LAYER_FLATTEN:
        break;
    default:
        if (!layer->fused_away)
            activation_forward(layer_activation(layer), in->data, out->data, in->numel);
    }
    return 0;
}

Tensor *model_forward(Model *model, const Tensor *input)
{
    /* Every training step passes here with the model whole: a loop of its
     * own (preloaded tensors, no dataloader) stops here when the user
     * interrupts, instead of being unwound later from wherever it is
     * (possibly in the middle of a task the compute threads still run). */
    cnb_check_interrupt();
    if (check_input("model_forward", model, input) < 0)
        return NULL;
    unsigned csr = compute_enter();
    gemm_threads_for_rows(input->ndim ? input->shape[0] : 1);
    const Tensor *x = input;
    model->graph_ready = false;
    for (int i = 0; i < model->count; i++) {
        if (forward_layer(model, i, x, model->outputs[i]) < 0) {
            compute_leave(csr);
            return NULL;
        }
        x = model->outputs[i];
    }
    compute_leave(csr);
    model->input = input;
    model->generation++;
    model->graph_ready = true;
    Tensor *out = model->outputs[model->count - 1];
    out->origin_kind = TENSOR_ORIGIN_MODEL;
    out->origin = model;
    return out;
}

/* No-grad: each layer writes into the scratch block its input is not in;
 * elementwise layers work in place once the data is in a scratch block. */
static int predict_layer(Model *model, int i, const Tensor *in, int *in_block, Tensor **result)
{
    Layer *layer = model->layers[i];
    int shape[CNB_MAX_DIMS], ndim;
    if (layer_output_shape(layer, i, in, shape, &ndim) < 0)
        return -1;
    Tensor *view = model->scratch_views[i];
    bool in_place = layer->kind == LAYER_FLATTEN || layer->fused_away ||
                    (layer_is_elementwise(layer) && *in_block >= 0);
    if (in_place) {
        tensor_view_of(view, in, shape, ndim);
        *result = view;
    } else {
        int block = *in_block == 0 ? 1 : 0;
        if (tensor_resize(model->scratch[block], shape, ndim) < 0)
            return -1;
        *result = model->scratch[block];
        *in_block = block;
    }
    if (model->device == CUDA)
        return model_cuda_layer_forward(layer, in, *result, model->training);
    int cnn = cnn_forward(layer, in, *result, model->training, false);
    if (cnn <= 0)
        return cnn;
    switch (layer->kind) {
    case LAYER_LINEAR:
        linear_forward(layer, in, *result, false);
        return 0;
    case LAYER_DROPOUT:
        return dropout_forward(layer, in, *result, model->training);
    case LAYER_FLATTEN:
        return 0;
    default:
        if (!layer->fused_away)
            activation_forward(layer_activation(layer), in->data, (*result)->data, in->numel);
        return 0;
    }
}

/* Layers 0..last without gradients.  A layer that applies the following
 * activation itself (fusion) is asked not to when the walk stops at it, so
 * that the result is that layer's own output, as in PyTorch. */
static Tensor *predict_through(const char *function, Model *model, const Tensor *input, int last)
{
    if (check_input(function, model, input) < 0)
        return NULL;
    Layer *stop = model->layers[last];
    Activation fused = stop->fused;
    if (last + 1 < model->count)
        stop->fused = ACT_NONE;
    unsigned csr = compute_enter();
    gemm_threads_for_rows(input->ndim ? input->shape[0] : 1);
    const Tensor *x = input;
    Tensor *out = NULL;
    int block = -1;               /* the input is the caller's */
    int status = 0;
    for (int i = 0; i <= last && status == 0; i++) {
        status = predict_layer(model, i, x, &block, &out);
        x = out;
    }
    compute_leave(csr);
    stop->fused = fused;
    if (status < 0)
        return NULL;
    out->origin_kind = TENSOR_ORIGIN_NO_GRAD;
    out->origin = model;
    return out;
}

Tensor *model_predict(Model *model, const Tensor *input)
{
    if (model_dead(model, "model_predict"))
        return NULL;
    return predict_through("model_predict", model, input, model ? model->count - 1 : 0);
}

Tensor *model_predict_until(Model *model, const Tensor *input, int layer_index)
{
    if (model_dead(model, "model_predict_until"))
        return NULL;
    if (model && (layer_index < 0 || layer_index >= model->count)) {
        cnb_error_of(CNB_VALUE_ERROR, "model_predict_until", "layer_index %d is not a layer "
                     "of this model (0 to %d)", layer_index, model->count - 1);
        return NULL;
    }
    return predict_through("model_predict_until", model, input, layer_index);
}

/* The CNN layers' backward on the CPU (their CUDA paths are not there
 * yet: model_to refuses such a model).  Returns grad_in, or, when the
 * layer needs no input gradient (the first trainable one), grad. */
static Tensor *cnn_backward(Model *model, Layer *layer, const Tensor *in, const Tensor *out,
                            Tensor *grad, Tensor *grad_in)
{
    if (layer->fused != ACT_NONE)   /* the activation it applied itself */
        activation_backward(layer->fused, out->data, grad->data, grad->numel);
    if (grad_in && tensor_resize(grad_in, in->shape, in->ndim) < 0)
        return NULL;
    switch (layer->kind) {
    case LAYER_CONV2D:
        if (conv2d_backward(layer, in, grad, grad_in, model->grads_zero) < 0)
            return NULL;
        break;
    case LAYER_BATCH_NORM:
        batch_norm_backward(layer, in, grad, grad_in, model->grads_zero);
        break;
    default:                      /* pooling: no parameters, so grad_in is wanted */
        if (grad_in)
            pool2d_backward(layer, in, out, grad, grad_in);
        break;
    }
    return grad_in ? grad_in : grad;
}

/* One layer back: grad holds dL/d(output of layer i) and becomes dL/d(its
 * input), in place where the layer allows, in model->grads[i] otherwise. */
static Tensor *backward_layer(Model *model, int i, Tensor *grad, bool need_input_grad)
{
    Layer *layer = model->layers[i];
    const Tensor *in = i == 0 ? model->input : model->outputs[i - 1];
    Tensor *out = model->outputs[i];
    Tensor *grad_in = model->grads[i];
    switch (layer->kind) {
    case LAYER_LINEAR:
        if (need_input_grad && tensor_resize(grad_in, in->shape, in->ndim) < 0)
            return NULL;
        if (model->device == CUDA)
            return model_cuda_linear_backward(layer, in, out, grad, need_input_grad ? grad_in
                                              : NULL, model->grads_zero) < 0 ? NULL : grad_in;
        linear_backward(layer, in, out, grad, need_input_grad ? grad_in : NULL,
                        model->grads_zero);
        return grad_in;
    case LAYER_FLATTEN:
        tensor_view_of(grad_in, grad, in->shape, in->ndim);
        return grad_in;
    case LAYER_CONV2D:
    case LAYER_MAX_POOL2D:
    case LAYER_AVG_POOL2D:
    case LAYER_BATCH_NORM:
        return cnn_backward(model, layer, in, out, grad, need_input_grad ? grad_in : NULL);
    default:                      /* dropout and the activations, in place */
        if (model->device == CUDA)
            return model_cuda_elementwise_backward(layer, out, grad) < 0 ? NULL : grad;
        if (layer->kind == LAYER_DROPOUT)
            dropout_backward(layer, grad);
        else if (layer->kind == LAYER_DROPOUT2D)
            dropout2d_backward(layer, grad);
        else if (!layer->fused_away)
            activation_backward(layer_activation(layer), out->data, grad->data, grad->numel);
        return grad;
    }
}

int model_backward(Model *model, const Tensor *grad_output, unsigned long generation)
{
    if (!model->graph_ready || generation != model->generation)
        return cnb_error("loss_backward", "the model ran forward again since this loss was "
                         "computed; compute the loss of the newest output");
    Tensor *out = model->outputs[model->count - 1];
    if (!tensor_same_shape(out, grad_output))
        return cnb_error_of(CNB_SHAPE_ERROR, "loss_backward", "gradient shape does not match the model output");
    if (model->first_trainable < 0)
        return 0;                 /* nothing to learn */
    /* our own copy: layers rewrite gradients in place */
    if (tensor_resize(model->grad_top, grad_output->shape, grad_output->ndim) < 0)
        return -1;
    if (model->device == CUDA) {
        if (cuda_tensor_copy(model->grad_top, grad_output, "loss_backward") < 0)
            return -1;
    } else {
        memcpy(model->grad_top->data, grad_output->data, grad_output->numel * sizeof(float));
    }
    unsigned csr = compute_enter();
    gemm_threads_for_rows(grad_output->shape[0]);
    Tensor *grad = model->grad_top;
    for (int i = model->count - 1; i >= model->first_trainable && grad; i--)
        grad = backward_layer(model, i, grad, i > model->first_trainable);
    compute_leave(csr);
    if (!grad)
        return -1;
    model->grads_zero = false;
    return 0;
}

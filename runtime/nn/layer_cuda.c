// SPDX-License-Identifier: BSD-3-Clause
/* A layer's forward and the elementwise layers' backward on device
 * tensors, for model_forward.c: linear through model_cuda.c's cuBLAS(Lt)
 * path, relu / sigmoid / tanh and dropout through the plugin's elementwise
 * kernels, flatten and fused activations as the views model_forward.c
 * already made.
 *
 * Dropout draws its uniforms on the host from the default generator, the
 * same call as the CPU's dropout_forward, and uploads them: the GPU drops
 * the elements the CPU would, and the generator moves on as it would. */
#include "nn/model_impl.h"
#include "core/cuda_plugin.h"
#include "cnb/random.h"

static int dropout_forward_cuda(Layer *layer, const Tensor *in, Tensor *out, bool training)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    layer->mask_active = training && layer->p > 0.0f;
    if (!layer->mask_active)
        return out->device_data == in->device_data ? 0
             : cuda_tensor_copy(out, in, "model_forward");
    if (!layer->mask && !(layer->mask = tensor_empty()))
        return -1;
    if (layer->mask->device != CUDA)
        tensor_buffer_to(layer->mask, CUDA);
    if (tensor_resize(layer->mask, in->shape, in->ndim) < 0)
        return -1;
    generator_fill_uniform(NULL, layer->mask->data, in->numel, 0.0f, 1.0f);
    if (tensor_device_upload(layer->mask, "model_forward") < 0)
        return -1;
    if (cuda->dropout_forward(in->device_data, layer->mask->device_data, out->device_data,
                              in->numel, layer->p) < 0)
        return cuda_plugin_failed("model_forward");
    return 0;
}

int model_cuda_layer_forward(Layer *layer, const Tensor *in, Tensor *out, bool training)
{
    switch (layer->kind) {
    case LAYER_LINEAR:
        return model_cuda_linear_forward(layer, in, out);
    case LAYER_DROPOUT:
        return dropout_forward_cuda(layer, in, out, training);
    case LAYER_FLATTEN:
        return 0;
    default:
        if (layer->fused_away)    /* the linear layer before applied it */
            return 0;
        if (cuda_plugin()->activation_forward((int)layer_activation(layer), in->device_data,
                                              out->device_data, in->numel) < 0)
            return cuda_plugin_failed("model_forward");
        return 0;
    }
}

int model_cuda_elementwise_backward(Layer *layer, const Tensor *out, Tensor *grad)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (layer->kind == LAYER_DROPOUT) {
        if (layer->mask_active &&
            cuda->dropout_backward(layer->mask->device_data, grad->device_data, grad->numel) < 0)
            return cuda_plugin_failed("loss_backward");
        return 0;
    }
    if (!layer->fused_away &&
        cuda->activation_backward((int)layer_activation(layer), out->device_data,
                                  grad->device_data, grad->numel) < 0)
        return cuda_plugin_failed("loss_backward");
    return 0;
}

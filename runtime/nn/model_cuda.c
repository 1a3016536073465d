// SPDX-License-Identifier: BSD-3-Clause
/* A Sequential model on the GPU: its parameters in one flat device block
 * and its gradients in another (same offsets, each tensor's start rounded
 * to 256 bytes for cuBLASLt), so that Adam is one kernel over all of them;
 * its activation and gradient buffers as device blocks that grow like the
 * host ones; the linear layers through the plugin's cuBLAS(Lt) operations
 * (the elementwise layers: layer_cuda.c).
 *
 * Every kind of layer has a CUDA path: flatten, linear (a ReLU after it in
 * cuBLASLt's epilogue, a sigmoid or tanh after it as a kernel on its
 * output), relu, sigmoid, tanh and dropout on their own.  A kind added
 * later stays on the CPU until it has one, and model_to says which layer. */
#include "nn/model_impl.h"
#include "core/cuda_plugin.h"
#include "host/error_internal.h"

#define FLAT_ALIGN 64             /* floats: 256 bytes */

int model_cuda_check_layers(const Model *model)
{
    for (int i = 0; i < model->count; i++) {
        const Layer *l = model->layers[i];
        if (!layer_has_cuda_path(l))
            return cnb_error_of(CNB_DEVICE_ERROR, "model_to", "layer %d (%s) has no CUDA "
                                "path yet (CUDA runs flatten, linear, relu, sigmoid, tanh and "
                                "dropout); the model stays on the cpu", i, layer_type_name(l));
    }
    return 0;
}

/* A switch without default: a new LayerKind makes -Wswitch point here. */
bool layer_has_cuda_path(const Layer *layer)
{
    switch (layer->kind) {
    case LAYER_FLATTEN:
    case LAYER_LINEAR:
    case LAYER_RELU:
    case LAYER_SIGMOID:
    case LAYER_TANH:
    case LAYER_DROPOUT:
        return true;
    case LAYER_CONV2D:            /* the CNN layers run on the CPU only, for now */
    case LAYER_MAX_POOL2D:
    case LAYER_AVG_POOL2D:
    case LAYER_BATCH_NORM:
    case LAYER_DROPOUT2D:
        return false;
    }
    return false;
}

static size_t flat_offset(size_t at)
{
    return (at + FLAT_ALIGN - 1) / FLAT_ALIGN * FLAT_ALIGN;
}

size_t model_cuda_param_offset(const Model *model, int p)
{
    size_t at = 0;
    for (int k = 0; k < p; k++)
        at = flat_offset(at) + model->params[k]->numel;
    return flat_offset(at);
}

static void buffers_to(Model *model, Device device)
{
    for (int i = 0; i < model->count; i++) {
        tensor_buffer_to(model->outputs[i], device);
        tensor_buffer_to(model->grads[i], device);
        tensor_buffer_to(model->scratch_views[i], device);
        if (model->layers[i]->mask)   /* dropout's: uniforms, then factors */
            tensor_buffer_to(model->layers[i]->mask, device);
    }
    tensor_buffer_to(model->grad_top, device);
    tensor_buffer_to(model->scratch[0], device);
    tensor_buffer_to(model->scratch[1], device);
}

static int alloc_flat(const CnbCudaPlugin *cuda, Model *model)
{
    size_t n = 0;
    for (int p = 0; p < model->param_count; p++)
        n = flat_offset(n) + model->params[p]->numel;
    void *params = NULL, *grads = NULL;
    size_t bytes = (n ? n : 1) * sizeof(float);
    if (cuda->alloc(&params, bytes) < 0 || cuda->alloc(&grads, bytes) < 0 ||
        cuda->zero(params, bytes) < 0 || cuda->zero(grads, bytes) < 0) {
        cnb_error("model_to", "%s", cuda->last_error());
        cuda->release(params);
        cuda->release(grads);
        return -1;
    }
    model->device_params = params;
    model->device_grads = grads;
    model->device_count = n;
    return 0;
}

/* A parameter or gradient tensor placed at offset in a flat block. */
static int place(Tensor *t, float *block, size_t offset)
{
    t->device_data = block + offset;
    t->device_borrowed = true;
    t->device = CUDA;
    return tensor_device_upload(t, "model_to");
}

static void unplace(Tensor *t)
{
    t->device_data = NULL;
    t->device_borrowed = false;
    t->device = CPU;
}

int model_cuda_to_cuda(Model *model)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (model_cuda_check_layers(model) < 0 || alloc_flat(cuda, model) < 0)
        return -1;
    size_t at = 0;
    for (int p = 0; p < model->param_count; p++) {
        at = flat_offset(at);
        if (place(model->params[p], model->device_params, at) < 0 ||
            place(model->param_grads[p], model->device_grads, at) < 0) {
            for (int k = 0; k <= p; k++)
                unplace(model->params[k]), unplace(model->param_grads[k]);
            model_cuda_release(model);
            return -1;
        }
        at += model->params[p]->numel;
    }
    buffers_to(model, CUDA);
    return 0;
}

int model_cuda_to_cpu(Model *model)
{
    /* everything comes back before anything changes: a failed copy (a
     * device fault) leaves the model on the GPU as it was */
    for (int p = 0; p < model->param_count; p++)
        if (tensor_device_download(model->params[p], "model_to") < 0 ||
            tensor_device_download(model->param_grads[p], "model_to") < 0)
            return -1;
    for (int p = 0; p < model->param_count; p++)
        unplace(model->params[p]), unplace(model->param_grads[p]);
    buffers_to(model, CPU);
    model_cuda_release(model);
    return 0;
}

void model_cuda_release(Model *model)
{
    const CnbCudaPlugin *cuda = model->device_params ? cuda_plugin() : NULL;
    if (cuda) {
        cuda->release(model->device_params);
        cuda->release(model->device_grads);
    }
    model->device_params = model->device_grads = NULL;
    model->device_count = 0;
}

int cuda_plugin_failed(const char *function)
{
    return cnb_error(function, "%s", cuda_plugin()->last_error());
}

/* cuBLASLt's epilogues have ReLU but no sigmoid or tanh (GELU is the only
 * other one): those run as a kernel over the output, in place. */
int model_cuda_linear_forward(const Layer *layer, const Tensor *in, Tensor *out)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    int rows = in->numel ? (int)(in->numel / (size_t)layer->in_features) : 0;
    bool in_epilogue = layer->fused == ACT_RELU;
    if (cuda->linear_forward(in->device_data, layer->weight->device_data,
                             layer->bias->device_data, out->device_data, rows,
                             layer->in_features, layer->out_features, in_epilogue) < 0)
        return cuda_plugin_failed("model_forward");
    if (layer->fused != ACT_NONE && !in_epilogue &&
        cuda->activation_forward((int)layer->fused, out->device_data, out->device_data,
                                 out->numel) < 0)
        return cuda_plugin_failed("model_forward");
    return 0;
}

int model_cuda_linear_backward(const Layer *layer, const Tensor *in, const Tensor *out,
                               Tensor *grad_out, Tensor *grad_in, bool first_accumulation)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    int rows = grad_out->numel ? (int)(grad_out->numel / (size_t)layer->out_features) : 0;
    if (layer->fused != ACT_NONE &&
        cuda->activation_backward((int)layer->fused, out->device_data, grad_out->device_data,
                                  grad_out->numel) < 0)
        return cuda_plugin_failed("loss_backward");
    if (cuda->linear_backward(in->device_data, layer->weight->device_data,
                              grad_out->device_data, layer->grad_weight->device_data,
                              layer->grad_bias->device_data,
                              grad_in ? grad_in->device_data : NULL, rows, layer->in_features,
                              layer->out_features, !first_accumulation) < 0)
        return cuda_plugin_failed("loss_backward");
    return 0;
}

int model_cuda_zero_grads(Model *model)
{
    if (cuda_plugin()->zero(model->device_grads, model->device_count * sizeof(float)) < 0)
        return cuda_plugin_failed("optimizer_zero_grad");
    return 0;
}

int cuda_tensor_copy(Tensor *dst, const Tensor *src, const char *function)
{
    if (cuda_plugin()->copy(dst->device_data, src->device_data, src->numel * sizeof(float)) < 0)
        return cuda_plugin_failed(function);
    return 0;
}

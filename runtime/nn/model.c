// SPDX-License-Identifier: BSD-3-Clause
/* Sequential models: construction, modes, devices, parameters. */
#include "nn/model_impl.h"
#include "core/cuda_plugin.h"
#include "host/error_internal.h"

#include <stdlib.h>
#include <string.h>

/* After a failed sequential(): the model owned its layers, so they go,
 * except those of another model, and each one only once. */
static void free_layers(Layer *const *layers, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = layers[k] == layers[i];
        if (layers[i] && object_alive(layers[i], OBJECT_LAYER) && !layers[i]->in_model && !seen)
            layer_free(layers[i]);
    }
}

/* Refuses NULL (a constructor failed), shared and reused layers. */
static int check_layers(Layer *const *layers, size_t count)
{
    if (count == 0)
        return cnb_error("sequential", "no layers");
    for (size_t n = 0; n < count; n++) {
        if (!layers[n])
            return cnb_error("sequential", "layer %zu could not be made (see the message "
                             "above)", n);
        if (object_dead(layers[n], OBJECT_LAYER, "sequential"))
            return -1;
        if (layers[n]->in_model)
            return cnb_error("sequential", "layer %zu already belongs to another model; "
                             "make a new one (layers are not shared)", n);
        for (size_t k = 0; k < n; k++)
            if (layers[k] == layers[n])
                return cnb_error("sequential", "layer %zu is layer %zu again; make a new one",
                                 n, k);
    }
    return 0;
}

/* A linear, conv2d or batch-norm layer applies the activation that follows
 * it in its own pass (and its derivative before its own backward). */
static void plan_fusion(Model *model)
{
    for (int i = 0; i + 1 < model->count; i++) {
        Layer *l = model->layers[i], *next = model->layers[i + 1];
        bool can_fuse = l->kind == LAYER_LINEAR || l->kind == LAYER_CONV2D ||
                        l->kind == LAYER_BATCH_NORM;
        if (can_fuse && layer_activation(next) != ACT_NONE) {
            l->fused = layer_activation(next);
            next->fused_away = true;
        }
    }
}

/* Only a linear layer that sees the model's input may get sparse inputs
 * (images are mostly background); the ones after it see activations, half
 * of them nonzero: they take the dense path without looking (counting
 * their inputs' nonzeros on every step cost a few percent of a step). */
static void plan_sparse_inputs(Model *model)
{
    for (int i = 0; i < model->count; i++) {
        if (model->layers[i]->kind == LAYER_LINEAR) {
            model->layers[i]->takes_model_input = true;
            break;
        }
        if (model->layers[i]->kind != LAYER_FLATTEN)
            break;                /* it sees another layer's output */
    }
}

typedef struct LayerEntry {
    const char *suffix;
    Tensor *tensor, *grad;
    int64_t *count;
} LayerEntry;

/* A layer's entries in state_dict order: its parameters (with their
 * gradients), then its buffers (running statistics, num_batches_tracked).
 * Writes them when state is not NULL; returns how many. */
static int layer_state(Layer *l, int index, StateEntry *state)
{
    LayerEntry e[5];
    int n = 0;
    if (l->weight)
        e[n++] = (LayerEntry){ "weight", l->weight, l->grad_weight, NULL };
    if (l->bias)
        e[n++] = (LayerEntry){ "bias", l->bias, l->grad_bias, NULL };
    if (l->kind == LAYER_BATCH_NORM) {
        e[n++] = (LayerEntry){ "running_mean", l->running_mean, NULL, NULL };
        e[n++] = (LayerEntry){ "running_var", l->running_var, NULL, NULL };
        e[n++] = (LayerEntry){ "num_batches_tracked", NULL, NULL, &l->num_batches_tracked };
    }
    for (int k = 0; state && k < n; k++) {
        snprintf(state[k].name, PARAM_NAME_MAX, "layers.%d.%s", index, e[k].suffix);
        state[k].tensor = e[k].tensor;
        state[k].grad = e[k].grad;
        state[k].count = e[k].count;
    }
    return n;
}

static int collect_parameters(Model *model)
{
    int entries = 0;
    for (int i = 0; i < model->count; i++)
        entries += layer_state(model->layers[i], i, NULL);
    model->state = calloc((size_t)entries + 1, sizeof *model->state);
    if (!model->state)
        return cnb_error("sequential", "out of memory");
    for (int i = 0, at = 0; i < model->count; i++)
        at += layer_state(model->layers[i], i, model->state + at);
    model->state_count = entries;
    int n = 0;
    for (int e = 0; e < entries; e++)
        n += model->state[e].grad != NULL;
    model->params = calloc((size_t)n + 1, sizeof *model->params);
    model->param_grads = calloc((size_t)n + 1, sizeof *model->param_grads);
    model->param_names = calloc((size_t)n + 1, sizeof *model->param_names);
    if (!model->params || !model->param_grads || !model->param_names)
        return cnb_error("sequential", "out of memory");
    model->first_trainable = -1;
    for (int i = 0; i < model->count && model->first_trainable < 0; i++)
        if (model->layers[i]->weight)
            model->first_trainable = i;
    for (int e = 0, p = 0; e < entries; e++) {
        if (!model->state[e].grad)
            continue;
        model->params[p] = model->state[e].tensor;
        model->param_grads[p] = model->state[e].grad;
        snprintf(model->param_names[p++], PARAM_NAME_MAX, "%s", model->state[e].name);
    }
    model->param_count = n;
    return 0;
}

/* What the model hands out (outputs, views of its blocks) is the model's. */
static Tensor *model_tensor(void)
{
    return tensor_owned_by(tensor_empty(), TENSOR_OWNER_MODEL);
}

static int alloc_buffers(Model *model)
{
    size_t n = (size_t)model->count;
    model->outputs = calloc(n, sizeof *model->outputs);
    model->grads = calloc(n, sizeof *model->grads);
    model->scratch_views = calloc(n, sizeof *model->scratch_views);
    if (!model->outputs || !model->grads || !model->scratch_views)
        return cnb_error("sequential", "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!(model->outputs[i] = model_tensor()) || !(model->grads[i] = model_tensor()) ||
            !(model->scratch_views[i] = model_tensor()))
            return -1;
    if (!(model->grad_top = model_tensor()) || !(model->scratch[0] = model_tensor()) ||
        !(model->scratch[1] = model_tensor()))
        return -1;
    for (int e = 0; e < model->state_count; e++) {
        tensor_owned_by(model->state[e].tensor, TENSOR_OWNER_MODEL);
        tensor_owned_by(model->state[e].grad, TENSOR_OWNER_MODEL);
    }
    return 0;
}

Model *sequential_array(Layer *const *layers, size_t count)
{
    if (!layers)
        return cnb_error("sequential", "no layer list"), NULL;
    if (count > 100000)
        return cnb_error("sequential", "%zu layers is too many", count), NULL;
    if (check_layers(layers, count) < 0) {
        free_layers(layers, count);
        return NULL;
    }
    Model *model = calloc(1, sizeof *model);
    if (!model || !(model->layers = calloc(count, sizeof *model->layers))) {
        free(model);
        free_layers(layers, count);
        return cnb_error("sequential", "out of memory"), NULL;
    }
    object_init(model, OBJECT_MODEL);
    snprintf(model->name, sizeof model->name, "Model");
    model->count = (int)count;
    model->training = true;
    model->grads_zero = true;
    for (size_t i = 0; i < count; i++) {
        model->layers[i] = layers[i];
        layers[i]->in_model = true;
    }
    plan_fusion(model);
    plan_sparse_inputs(model);
    if (collect_parameters(model) < 0 || alloc_buffers(model) < 0) {
        model_free(model);
        return NULL;
    }
    return model;
}

Model *sequential_list(Layer *const *layers)
{
    size_t count = 0;
    while (layers && layers[count])
        count++;
    return sequential_array(layers, count);
}

static void free_tensor_array(Tensor **tensors, int n)
{
    for (int i = 0; tensors && i < n; i++)
        tensor_destroy(tensors[i]);
    free(tensors);
}

void model_free(Model *model)
{
    if (model_dead(model, "model_free"))
        return;
    if (!model)
        return;
    for (int i = 0; i < model->count; i++)
        layer_free(model->layers[i]);
    free(model->layers);
    model_cuda_release(model);
    free_tensor_array(model->outputs, model->count);
    free_tensor_array(model->grads, model->count);
    free_tensor_array(model->scratch_views, model->count);
    tensor_destroy(model->grad_top);
    tensor_destroy(model->scratch[0]);
    tensor_destroy(model->scratch[1]);
    free(model->params);
    free(model->param_grads);
    free(model->param_names);
    free(model->state);
    object_retire(model, sizeof *model, OBJECT_MODEL);
}

void model_set_name(Model *model, const char *name)
{
    if (model_dead(model, "model_set_name"))
        return;
    if (!model || !name) {
        cnb_error("model_set_name", "%s is NULL", model ? "name" : "model");
        return;
    }
    snprintf(model->name, sizeof model->name, "%s", name);
}

const char *model_name(const Model *model)
{
    if (model_dead(model, "model_name"))
        return "";
    return model ? model->name : "";
}

Model *model_to(Model *model, Device device)
{
    if (model_dead(model, "model_to"))
        return NULL;
    if (!model)
        return cnb_error("model_to", "model is NULL"), NULL;
    if (device == CUDA && !cuda_available())
        return cnb_error("model_to", "CUDA is not available: %s; the model stays on the cpu",
                         cuda_unavailable_reason()), NULL;
    if (device != CPU && device != CUDA)
        return cnb_error("model_to", "unknown device %d", (int)device), NULL;
    if (device == model->device)
        return model;
    if ((device == CUDA ? model_cuda_to_cuda(model) : model_cuda_to_cpu(model)) < 0)
        return NULL;
    model->device = device;
    return model;
}

Device model_device(const Model *model)
{
    if (model_dead(model, "model_device"))
        return CPU;
    return model ? model->device : CPU;
}

void model_train(Model *model)
{
    if (model_dead(model, "model_train"))
        return;
    if (model)
        model->training = true;
    else
        cnb_error("model_train", "model is NULL");
}

void model_eval(Model *model)
{
    if (model_dead(model, "model_eval"))
        return;
    if (model)
        model->training = false;
    else
        cnb_error("model_eval", "model is NULL");
}

bool model_is_training(const Model *model)
{
    if (model_dead(model, "model_is_training"))
        return false;
    return model && model->training;
}

size_t model_parameter_count(const Model *model)
{
    if (model_dead(model, "model_parameter_count"))
        return 0;
    size_t n = 0;
    for (int p = 0; model && p < model->param_count; p++)
        n += model->params[p]->numel;
    return n;
}

int model_parameter_tensors(const Model *model)
{
    if (model_dead(model, "model_parameter_tensors"))
        return -1;
    if (!model)
        return cnb_error("model_parameter_tensors", "model is NULL");
    return model->param_count;
}

Tensor *model_parameter(Model *model, int i, const char **name)
{
    if (model_dead(model, "model_parameter"))
        return NULL;
    if (!model)
        return cnb_error("model_parameter", "model is NULL"), NULL;
    if (i < 0 || i >= model->param_count)
        return cnb_error("model_parameter", "index %d out of range (the model has %d "
                         "parameter tensors)", i, model->param_count), NULL;
    if (name)
        *name = model->param_names[i];
    return model->params[i];
}

void model_materialize_grads(Model *model)
{
    if (!model->grads_zero)
        return;
    if (model->device == CUDA) {
        if (model_cuda_zero_grads(model) == 0)
            model->grads_zero = false;
        return;
    }
    for (int p = 0; p < model->param_count; p++)
        memset(model->param_grads[p]->data, 0, model->param_grads[p]->numel * sizeof(float));
    model->grads_zero = false;
}

Tensor *model_gradient(Model *model, int i)
{
    if (model_dead(model, "model_gradient"))
        return NULL;
    if (!model)
        return cnb_error("model_gradient", "model is NULL"), NULL;
    if (i < 0 || i >= model->param_count)
        return cnb_error("model_gradient", "index %d out of range (the model has %d "
                         "parameter tensors)", i, model->param_count), NULL;
    model_materialize_grads(model);
    return model->param_grads[i];
}

void model_zero_grad(Model *model)
{
    if (model_dead(model, "model_zero_grad"))
        return;
    if (!model) {
        cnb_error("model_zero_grad", "model is NULL");
        return;
    }
    /* lazily: the next backward overwrites instead of accumulating */
    model->grads_zero = true;
}

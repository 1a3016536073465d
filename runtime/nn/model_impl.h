// SPDX-License-Identifier: BSD-3-Clause
/* The struct behind Model (a Sequential), shared by the nn files. */
#ifndef CNB_NN_MODEL_IMPL_H
#define CNB_NN_MODEL_IMPL_H

#include "nn/layer.h"

#define MODEL_NAME_MAX 64
#define PARAM_NAME_MAX 48

/* An entry of the state_dict: a parameter (grad set), a running statistic
 * (a float tensor without a gradient) or an int64 counter (tensor NULL). */
typedef struct StateEntry {
    char name[PARAM_NAME_MAX];
    Tensor *tensor, *grad;
    int64_t *count;
} StateEntry;

struct Model {
    ObjectHeader header;          /* first: the check word (host/object.h) */
    char name[MODEL_NAME_MAX];    /* class name shown by model_summary */
    Layer **layers;
    int count;
    int first_trainable;          /* first layer with parameters, -1 if none */
    bool training;
    Device device;

    /* training forward: one tensor per layer, an own block or a view */
    Tensor **outputs;
    Tensor **grads;               /* gradient buffers, used where needed */
    Tensor *grad_top;             /* copy of dL/d(model output) */
    const Tensor *input;          /* input of the last training forward */
    unsigned long generation;     /* counts training forwards */
    bool graph_ready;             /* a training forward happened */
    bool grads_zero;              /* gradients are logically zero (lazy) */

    /* no-grad forward: two blocks used in turn, and per-layer views */
    Tensor *scratch[2];
    Tensor **scratch_views;

    /* parameters in state_dict order */
    int param_count;
    Tensor **params;
    Tensor **param_grads;
    char (*param_names)[PARAM_NAME_MAX];
    /* the whole state_dict (parameters and buffers), in its order */
    int state_count;
    StateEntry *state;

    /* on CUDA: every parameter in one flat device block, every gradient in
     * another (same offsets), so Adam is one kernel (model_cuda.c) */
    float *device_params, *device_grads;
    size_t device_count;          /* floats in each, with alignment padding */
};

/* True, with a ValueError naming function, for a model or a layer that
 * was freed (NULL passes, for the caller's own message). */
static inline bool model_dead(const Model *model, const char *function)
{
    return object_dead(model, OBJECT_MODEL, function);
}

/* Backpropagates dL/d(output of the forward numbered generation). */
int model_backward(Model *model, const Tensor *grad_output, unsigned long generation);
/* Makes lazily-zeroed gradients real zeros (before anyone reads them). */
void model_materialize_grads(Model *model);

/* The model on CUDA (model_cuda.c).  check_layers: whether every layer has
 * a CUDA path (-1 with a message naming the first that has not); to_cuda /
 * to_cpu move parameters, gradients and buffers (0, or -1 with a message,
 * the model whole where it was); release frees the flat blocks. */
int model_cuda_check_layers(const Model *model);
int model_cuda_to_cuda(Model *model);
int model_cuda_to_cpu(Model *model);
void model_cuda_release(Model *model);
/* A linear layer on device tensors: forward (bias and a fused ReLU in the
 * product's epilogue), and backward as linear_backward (grad_out rewritten
 * through the fused ReLU; grad_in may be NULL).  0 or -1 with a message. */
int model_cuda_linear_forward(const Layer *layer, const Tensor *in, Tensor *out);
int model_cuda_linear_backward(const Layer *layer, const Tensor *in, const Tensor *out,
                               Tensor *grad_out, Tensor *grad_in, bool first_accumulation);
int model_cuda_zero_grads(Model *model);
/* Whether a layer's kind has a CUDA path (model_cuda.c). */
bool layer_has_cuda_path(const Layer *layer);
/* A layer's forward on device tensors, out already shaped (a view where
 * model_forward.c made one), and an elementwise layer's backward (dropout,
 * an activation that is not fused away), grad rewritten in place
 * (layer_cuda.c).  0 or -1 with a message. */
int model_cuda_layer_forward(Layer *layer, const Tensor *in, Tensor *out, bool training);
int model_cuda_elementwise_backward(Layer *layer, const Tensor *out, Tensor *grad);
/* -1 with the plugin's last error as function's message. */
int cuda_plugin_failed(const char *function);
/* Where parameter p starts in the flat blocks (in floats). */
size_t model_cuda_param_offset(const Model *model, int p);
/* count_correct and confusion_matrix_add for output and target both on
 * CUDA (predictions_cuda.c): -1 with a message on failure. */
int cuda_count_correct(const Tensor *output, const Tensor *target);
int cuda_confusion_add(Tensor *matrix, const Tensor *output, const Tensor *target);
/* dst = src, both on CUDA with the same number of elements. */
int cuda_tensor_copy(Tensor *dst, const Tensor *src, const char *function);

#endif

// SPDX-License-Identifier: BSD-3-Clause
/* Cross-entropy loss over class scores (logits), mean over the batch, as
 * nn.CrossEntropyLoss(); the math of a row is cuda/softmax_ce_math.cuh's,
 * shared with the GPU's fused kernel.
 *
 * The forward pass already computes the softmax, so it keeps it: backward
 * is then (softmax - onehot) / B without touching the logits again, and the
 * loss stays correct even if the caller reuses the logits' memory. */
#include "nn/model_impl.h"
#include "core/compute.h"
#include "host/error_internal.h"
#include "core/cuda_plugin.h"
#include "cuda/softmax_ce_math.cuh"

#include <math.h>
#include <stdlib.h>

struct Loss {
    ObjectHeader header;          /* first: the check word (host/object.h) */
    Tensor *value;                /* the scalar handed out by loss_forward */
    Tensor *grad;                 /* softmax after forward, dL/dlogits after backward */
    Tensor *targets;              /* on CUDA: the targets, kept for backward */
    int *labels;
    size_t label_capacity;
    int rows;
    bool ready;                   /* a forward happened since the last backward */
    Model *model;                 /* model that made the logits, NULL if none */
    unsigned long generation;
};

static void loss_explain_nan(const void *origin);

Loss *cross_entropy_loss(void)
{
    Loss *loss = calloc(1, sizeof *loss);
    if (loss)
        object_init(loss, OBJECT_LOSS);
    if (!loss || !(loss->value = tensor_new(NULL, 0)) || !(loss->grad = tensor_empty()) ||
        !(loss->targets = tensor_empty())) {
        loss_free(loss);
        return cnb_error("cross_entropy_loss", "out of memory"), NULL;
    }
    tensor_owned_by(loss->value, TENSOR_OWNER_LOSS);
    tensor_owned_by(loss->grad, TENSOR_OWNER_LOSS);
    tensor_owned_by(loss->targets, TENSOR_OWNER_LOSS);
    loss->value->origin_kind = TENSOR_ORIGIN_LOSS;
    loss->value->origin = loss;
    loss->value->explain_nan = loss_explain_nan;
    return loss;
}

void loss_free(Loss *loss)
{
    if (object_dead(loss, OBJECT_LOSS, "loss_free"))
        return;
    if (!loss)
        return;
    tensor_destroy(loss->value);
    tensor_destroy(loss->grad);
    tensor_destroy(loss->targets);
    free(loss->labels);
    object_retire(loss, sizeof *loss, OBJECT_LOSS);
}

static int read_labels(Loss *loss, const Tensor *target, int rows, int classes)
{
    if ((size_t)rows > loss->label_capacity) {
        int *labels = realloc(loss->labels, (size_t)rows * sizeof *labels);
        if (!labels)
            return cnb_error("loss_forward", "out of memory");
        loss->labels = labels;
        loss->label_capacity = (size_t)rows;
    }
    const float *t = tensor_cdata(target);
    for (int r = 0; r < rows; r++) {
        float v = t[r];
        if (!cnb_is_class_index(v, classes))
            return cnb_error("loss_forward", "target %g (row %d) is not a class index "
                             "between 0 and %d", (double)v, r, classes - 1);
        loss->labels[r] = (int)v;
    }
    return 0;
}

static int check_shapes(const Tensor *output, const Tensor *target)
{
    if (!output || !target)
        return cnb_error("loss_forward", "%s is NULL", output ? "target" : "output");
    if (output->ndim != 2 || output->shape[1] < 1)
        return cnb_error_of(CNB_SHAPE_ERROR, "loss_forward", "output must be [batch, classes]; got %d dimensions",
                         output->ndim);
    if (target->numel != (size_t)output->shape[0])
        return cnb_error_of(CNB_SHAPE_ERROR, "loss_forward", "%zu targets for a batch of %d", target->numel,
                         output->shape[0]);
    if (output->device != target->device)
        return cnb_error("loss_forward", "output on the %s, target on the %s",
                         device_name(output->device), device_name(target->device));
    return 0;
}

/* The loss's tensors on the device of the logits it is given (one loss
 * may serve a model on either). */
static int loss_to(Loss *loss, Device device)
{
    if (loss->value->device != device && !tensor_to(loss->value, device))
        return -1;
    if (loss->grad->device != device) {
        tensor_buffer_to(loss->grad, device);
        tensor_buffer_to(loss->targets, device);
    }
    return 0;
}

/* On the GPU: the fused softmax-CE kernel, the mean left on the device (the
 * host reads it only through tensor_item).  A target that is not a class
 * index gives a NaN loss there; checking would cost a copy to the host
 * every step, so the targets are looked at only when a NaN is read
 * (loss_explain_nan). */
static int forward_cuda(Loss *loss, const Tensor *output, const Tensor *target, int rows,
                        int classes)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (tensor_resize(loss->grad, output->shape, 2) < 0 ||
        tensor_resize(loss->targets, (int[]){ rows }, 1) < 0 ||
        cuda_tensor_copy(loss->targets, target, "loss_forward") < 0)
        return -1;
    if (cuda->softmax_ce_forward(output->device_data, loss->targets->device_data,
                                 loss->grad->device_data, loss->value->device_data, rows,
                                 classes) < 0)
        return cnb_error("loss_forward", "%s", cuda->last_error());
    return 0;
}

/* The loss value's NaN explainer (tensor_item calls it for a NaN read
 * from the GPU): the GPU's loss does not check its targets (that would
 * copy them to the host every step), so this looks at them now and raises
 * the error the CPU would have given for a target that is not a class
 * index.  Nothing when the targets are fine (the NaN came from the model). */
static void loss_explain_nan(const void *origin)
{
    const Loss *loss = origin;
    if (!loss || loss->targets->device != CUDA || !loss->rows)
        return;
    const float *t = tensor_cdata(loss->targets);
    int classes = loss->grad->shape[1];
    for (int r = 0; r < loss->rows; r++)
        if (!cnb_is_class_index(t[r], classes)) {
            cnb_error("loss_forward", "target %g (row %d) is not a class "
                         "index between 0 and %d (found when the loss was read: the GPU "
                         "gave NaN)", (double)t[r], r, classes - 1);
            return;
        }
}

static int forward_cpu(Loss *loss, const Tensor *output, const Tensor *target, int rows,
                       int classes)
{
    if (read_labels(loss, target, rows, classes) < 0 ||
        tensor_resize(loss->grad, output->shape, 2) < 0)
        return -1;
    unsigned csr = compute_enter();
    double total = 0.0;
    const float *x = tensor_cdata(output);
    for (int r = 0; r < rows; r++) {
        size_t at = (size_t)r * (size_t)classes;
        total += cnb_softmax_ce_row(x + at, loss->grad->data + at, classes, loss->labels[r]);
    }
    compute_leave(csr);
    loss->value->data[0] = rows ? (float)(total / rows) : NAN;  /* torch: mean of none is nan */
    return 0;
}

Tensor *loss_forward(Loss *loss, Tensor *output, const Tensor *target)
{
    if (object_dead(loss, OBJECT_LOSS, "loss_forward") || tensor_dead(output, "loss_forward") ||
        tensor_dead(target, "loss_forward"))
        return NULL;
    if (!loss)
        return cnb_error("loss_forward", "loss is NULL"), NULL;
    loss->ready = false;
    if (check_shapes(output, target) < 0)
        return NULL;
    int rows = output->shape[0], classes = output->shape[1];
    if (loss_to(loss, output->device) < 0 ||
        (output->device == CUDA ? forward_cuda : forward_cpu)(loss, output, target, rows,
                                                              classes) < 0)
        return NULL;
    loss->rows = rows;
    loss->model = output->origin_kind == TENSOR_ORIGIN_MODEL ? output->origin : NULL;
    loss->generation = loss->model ? loss->model->generation : 0;
    loss->ready = output->origin_kind != TENSOR_ORIGIN_NO_GRAD;
    return loss->value;
}

/* dL/dlogits = (softmax - onehot) / B, in place of the softmax. */
static int backward_cuda(Loss *loss, int classes)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (cuda->softmax_ce_backward(loss->grad->device_data, loss->targets->device_data,
                                  loss->rows, classes) < 0)
        return cnb_error("loss_backward", "%s", cuda->last_error());
    return 0;
}

static int backward_cpu(Loss *loss, int classes)
{
    float *g = loss->grad->data;
    float scale = 1.0f / (float)loss->rows;
    for (int r = 0; r < loss->rows; r++)
        cnb_softmax_ce_backward_row(g + (size_t)r * (size_t)classes, classes, loss->labels[r],
                                    scale);
    return 0;
}

void loss_backward(Tensor *loss_value)
{
    if (tensor_dead(loss_value, "loss_backward"))
        return;
    if (!loss_value || loss_value->origin_kind != TENSOR_ORIGIN_LOSS) {
        cnb_error("loss_backward", "%s", loss_value ? "this tensor is not a loss value "
                  "(pass what loss_forward returned)" : "loss is NULL");
        return;
    }
    Loss *loss = loss_value->origin;
    if (loss->model && !object_alive(loss->model, OBJECT_MODEL)) {
        cnb_error_of(CNB_VALUE_ERROR, "loss_backward", "the Model that made this loss's "
                     "input was already freed");
        return;
    }
    if (!loss->ready) {
        cnb_error("loss_backward", "no gradient to compute: the loss was computed without "
                  "gradients (model_predict, evaluate) or already backpropagated");
        return;
    }
    loss->ready = false;
    int classes = loss->grad->shape[1];
    if ((loss->grad->device == CUDA ? backward_cuda : backward_cpu)(loss, classes) < 0)
        return;
    if (loss->model)
        model_backward(loss->model, loss->grad, loss->generation);
}

const Tensor *loss_input_grad(const Loss *loss)
{
    if (object_dead(loss, OBJECT_LOSS, "loss_input_grad"))
        return NULL;
    if (!loss)
        return cnb_error("loss_input_grad", "loss is NULL"), NULL;
    return loss->grad;
}

/* Cross-entropy loss over class scores (logits), mean over the batch, as
 * nn.CrossEntropyLoss(); the math of a row is cuda/softmax_ce_math.cuh's,
 * shared with the GPU's fused kernel.
 *
 * The forward pass already computes the softmax, so it keeps it: backward
 * is then (softmax - onehot) / B without touching the logits again, and the
 * loss stays correct even if the caller reuses the logits' memory. */
#include "nn/model_impl.h"
#include "core/compute.h"
#include "cnb/error.h"
#include "cuda/softmax_ce_math.cuh"

#include <math.h>
#include <stdlib.h>

struct Loss {
    Tensor *value;                /* the scalar handed out by loss_forward */
    Tensor *grad;                 /* softmax after forward, dL/dlogits after backward */
    int *labels;
    size_t label_capacity;
    int rows;
    bool ready;                   /* a forward happened since the last backward */
    Model *model;                 /* model that made the logits, NULL if none */
    unsigned long generation;
};

Loss *cross_entropy_loss(void)
{
    Loss *loss = calloc(1, sizeof *loss);
    if (!loss || !(loss->value = tensor_new(NULL, 0)) || !(loss->grad = tensor_empty())) {
        loss_free(loss);
        return cnb_error("cross_entropy_loss", "out of memory"), NULL;
    }
    loss->value->origin_kind = TENSOR_ORIGIN_LOSS;
    loss->value->origin = loss;
    return loss;
}

void loss_free(Loss *loss)
{
    if (!loss)
        return;
    tensor_free(loss->value);
    tensor_free(loss->grad);
    free(loss->labels);
    free(loss);
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
        return cnb_error("loss_forward", "output must be [batch, classes]; got %d dimensions",
                         output->ndim);
    if (target->numel != (size_t)output->shape[0])
        return cnb_error("loss_forward", "%zu targets for a batch of %d", target->numel,
                         output->shape[0]);
    if (output->device != target->device)
        return cnb_error("loss_forward", "output on the %s, target on the %s",
                         device_name(output->device), device_name(target->device));
    return 0;
}

Tensor *loss_forward(Loss *loss, Tensor *output, const Tensor *target)
{
    if (!loss)
        return cnb_error("loss_forward", "loss is NULL"), NULL;
    loss->ready = false;
    if (check_shapes(output, target) < 0)
        return NULL;
    int rows = output->shape[0], classes = output->shape[1];
    if (read_labels(loss, target, rows, classes) < 0 ||
        tensor_resize(loss->grad, output->shape, 2) < 0)
        return NULL;
    unsigned csr = compute_enter();
    double total = 0.0;
    const float *x = tensor_cdata(output);
    for (int r = 0; r < rows; r++) {
        size_t at = (size_t)r * (size_t)classes;
        total += cnb_softmax_ce_row(x + at, loss->grad->data + at, classes, loss->labels[r]);
    }
    compute_leave(csr);
    loss->value->data[0] = rows ? (float)(total / rows) : NAN;  /* torch: mean of none is nan */
    loss->rows = rows;
    loss->model = output->origin_kind == TENSOR_ORIGIN_MODEL ? output->origin : NULL;
    loss->generation = loss->model ? loss->model->generation : 0;
    loss->ready = output->origin_kind != TENSOR_ORIGIN_NO_GRAD;
    return loss->value;
}

void loss_backward(Tensor *loss_value)
{
    if (!loss_value || loss_value->origin_kind != TENSOR_ORIGIN_LOSS) {
        cnb_error("loss_backward", "%s", loss_value ? "this tensor is not a loss value "
                  "(pass what loss_forward returned)" : "loss is NULL");
        return;
    }
    Loss *loss = loss_value->origin;
    if (!loss->ready) {
        cnb_error("loss_backward", "no gradient to compute: the loss was computed without "
                  "gradients (model_predict, evaluate) or already backpropagated");
        return;
    }
    loss->ready = false;
    float *g = loss->grad->data;
    int classes = loss->grad->shape[1];
    float scale = 1.0f / (float)loss->rows;
    for (int r = 0; r < loss->rows; r++) {
        cnb_softmax_ce_backward_row(g + (size_t)r * (size_t)classes, classes, loss->labels[r],
                                    scale);
    }
    if (loss->model)
        model_backward(loss->model, loss->grad, loss->generation);
}

const Tensor *loss_input_grad(const Loss *loss)
{
    if (!loss)
        return cnb_error("loss_input_grad", "loss is NULL"), NULL;
    return loss->grad;
}

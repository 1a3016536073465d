// SPDX-License-Identifier: BSD-3-Clause
/* evaluate() and confusion_matrix(): whole passes over a loader without
 * gradients (model_predict), polling the kernel's interrupt between batches. */
#include "cnb/train.h"
#include "cnb/host.h"
#include "nn/model_impl.h"
#include "host/error_internal.h"
#include "cuda/argmax_math.cuh"

#include <math.h>

Evaluation evaluate(Model *model, DataLoader *loader, Loss *loss)
{
    if (model_dead(model, "evaluate") || object_dead(loader, OBJECT_DATALOADER, "evaluate") ||
        object_dead(loss, OBJECT_LOSS, "evaluate"))
        return (Evaluation){ .loss = NAN, .accuracy = NAN };
    Evaluation result = { .loss = NAN, .accuracy = NAN };
    if (!model || !loader) {
        cnb_error("evaluate", "%s is NULL", model ? "loader" : "model");
        return result;
    }
    /* kept for the thread's lifetime: an interrupt may leave this function
     * at any batch, and must not leak a loss each time */
    static _Thread_local Loss *default_loss;
    if (!loss && !default_loss)
        default_loss = cross_entropy_loss();
    Loss *criterion = loss ? loss : default_loss;
    if (!criterion)
        return result;
    model_eval(model);
    dataloader_reset(loader);
    double loss_total = 0.0;
    Batch batch;
    while (next_batch(loader, &batch)) {
        tensor_to(batch.data, model_device(model));        /* the loader's are on the cpu */
        tensor_to(batch.target, model_device(model));
        Tensor *output = model_predict(model, batch.data);
        Tensor *value = output ? loss_forward(criterion, output, batch.target) : NULL;
        int correct = value ? count_correct(output, batch.target) : -1;
        if (correct < 0) {
            dataloader_reset(loader);
            return result;
        }
        loss_total += (double)tensor_item(value) * batch.size;
        result.correct += correct;
        result.total += batch.size;
        cnb_check_interrupt();
    }
    if (result.total > 0) {
        result.loss = loss_total / result.total;
        result.accuracy = 100.0 * result.correct / result.total;
    }
    return result;
}

Tensor *confusion_matrix_new(int num_classes)
{
    if (num_classes < 1 || num_classes > 100000) {
        cnb_error("confusion_matrix_new", "%d classes", num_classes);
        return NULL;
    }
    return tensor_new((int[]){num_classes, num_classes}, 2);
}

void confusion_matrix_add(Tensor *matrix, const Tensor *output, const Tensor *target)
{
    const char *function = "confusion_matrix_add";
    if (tensor_dead(matrix, function) || tensor_dead(output, function) ||
        tensor_dead(target, function))
        return;
    if (!matrix || matrix->ndim != 2 || matrix->shape[0] != matrix->shape[1]) {
        cnb_error("confusion_matrix_add", "matrix must be a square tensor from "
                  "confusion_matrix_new");
        return;
    }
    if (!output || output->ndim != 2 || !target || target->numel != (size_t)output->shape[0]) {
        cnb_error("confusion_matrix_add", "need output [batch, classes] and one target per row");
        return;
    }
    int classes = matrix->shape[0], rows = output->shape[0], width = output->shape[1];
    if (output->device == CUDA && target->device == CUDA && width == classes) {
        cuda_confusion_add(matrix, output, target);
        return;
    }
    const float *x = tensor_cdata(output), *t = tensor_cdata(target);
    float *counts = tensor_data(matrix);
    for (int r = 0; r < rows; r++) {
        int truth = (int)t[r], best = cnb_argmax_row(x + (size_t)r * (size_t)width, width);
        if (truth < 0 || truth >= classes || best >= classes) {
            cnb_error("confusion_matrix_add", "class %d outside the %d x %d matrix",
                      truth < 0 || truth >= classes ? truth : best, classes, classes);
            return;
        }
        counts[(size_t)truth * (size_t)classes + (size_t)best] += 1.0f;
    }
}

Tensor *confusion_matrix(Model *model, DataLoader *loader, int num_classes)
{
    if (model_dead(model, "confusion_matrix") ||
        object_dead(loader, OBJECT_DATALOADER, "confusion_matrix"))
        return NULL;
    if (!model || !loader) {
        cnb_error("confusion_matrix", "%s is NULL", model ? "loader" : "model");
        return NULL;
    }
    Tensor *matrix = confusion_matrix_new(num_classes);
    if (!matrix)
        return NULL;
    model_eval(model);
    dataloader_reset(loader);
    Batch batch;
    while (next_batch(loader, &batch)) {
        tensor_to(batch.data, model_device(model));        /* counted on the model's device */
        tensor_to(batch.target, model_device(model));
        Tensor *output = model_predict(model, batch.data);
        if (!output) {
            dataloader_reset(loader);
            tensor_free(matrix);
            return NULL;
        }
        confusion_matrix_add(matrix, output, batch.target);
        cnb_check_interrupt();
    }
    return matrix;
}

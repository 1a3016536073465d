// SPDX-License-Identifier: BSD-3-Clause
/* From class scores to predictions: argmax per row, correct count (on the
 * GPU for outputs there: predictions_cuda.c). */
#include "cnb/train.h"
#include "nn/model_impl.h"
#include "host/error_internal.h"
#include "cuda/argmax_math.cuh"

static int check_output(const char *function, const Tensor *output)
{
    if (!output)
        return cnb_error(function, "output is NULL");
    if (output->ndim != 2 || output->shape[1] < 1)
        return cnb_error_of(CNB_SHAPE_ERROR, function, "output must be [batch, classes]; got %d dimensions",
                         output->ndim);
    return 0;
}

int argmax_rows(const Tensor *output, int *predicted)
{
    if (tensor_dead(output, "argmax_rows"))
        return -1;
    if (check_output("argmax_rows", output) < 0)
        return -1;
    if (!predicted)
        return cnb_error("argmax_rows", "predicted is NULL");
    const float *x = tensor_cdata(output);
    int rows = output->shape[0], classes = output->shape[1];
    for (int r = 0; r < rows; r++)
        predicted[r] = cnb_argmax_row(x + (size_t)r * (size_t)classes, classes);
    return rows;
}

int count_correct(const Tensor *output, const Tensor *target)
{
    if (tensor_dead(output, "count_correct") || tensor_dead(target, "count_correct"))
        return -1;
    if (check_output("count_correct", output) < 0)
        return -1;
    if (!target || target->numel != (size_t)output->shape[0])
        return cnb_error("count_correct", "need one target per row (%d rows, %zu targets)",
                         output->shape[0], target ? target->numel : 0);
    if (output->device == CUDA && target->device == CUDA)
        return cuda_count_correct(output, target);
    const float *x = tensor_cdata(output), *t = tensor_cdata(target);
    int rows = output->shape[0], classes = output->shape[1], correct = 0;
    for (int r = 0; r < rows; r++)
        correct += cnb_argmax_row(x + (size_t)r * (size_t)classes, classes) == (int)t[r];
    return correct;
}

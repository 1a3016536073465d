// SPDX-License-Identifier: BSD-3-Clause
/* Correct counts and confusion counts of outputs on the GPU, counted there
 * (the plugin's argmax kernels): only the counts come back, not the
 * logits.  The counts live in a device block made per call: an evaluation
 * makes one per batch of 1000, nothing a training step pays for. */
#include "nn/model_impl.h"
#include "core/cuda_plugin.h"
#include "host/error_internal.h"

#include <stdlib.h>

/* n device ints set to 0, or NULL with a message. */
static int *device_counts(const CnbCudaPlugin *cuda, const char *function, size_t n)
{
    void *block = NULL;
    if (cuda->alloc(&block, n * sizeof(int)) < 0 || cuda->zero(block, n * sizeof(int)) < 0) {
        cnb_error(function, "%s", cuda->last_error());
        cuda->release(block);
        return NULL;
    }
    return block;
}

int cuda_count_correct(const Tensor *output, const Tensor *target)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    int *count = device_counts(cuda, "count_correct", 1), host = -1;
    if (!count)
        return -1;
    if (cuda->count_correct(output->device_data, target->device_data, count, output->shape[0],
                            output->shape[1]) < 0 ||
        cuda->to_host(&host, count, sizeof host) < 0)
        host = cnb_error("count_correct", "%s", cuda->last_error());
    cuda->release(count);
    return host;
}

int cuda_confusion_add(Tensor *matrix, const Tensor *output, const Tensor *target)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    int classes = output->shape[1];
    size_t cells = (size_t)classes * (size_t)classes;
    int *counts = device_counts(cuda, "confusion_matrix_add", cells + 1);
    int *host = malloc((cells + 1) * sizeof *host);
    int status = counts && host ? 0 : -1;
    if (status == 0 && (cuda->confusion(output->device_data, target->device_data, counts,
                                        output->shape[0], classes) < 0 ||
                        cuda->to_host(host, counts, (cells + 1) * sizeof *host) < 0))
        status = cnb_error("confusion_matrix_add", "%s", cuda->last_error());
    if (status == 0 && host[cells] > 0)   /* as the CPU's check, but nothing is added */
        status = cnb_error("confusion_matrix_add", "%d targets are not classes of the %d x %d "
                           "matrix; nothing was added", host[cells], classes, classes);
    if (status == 0) {
        float *m = tensor_data(matrix);
        for (size_t i = 0; i < cells; i++)
            m[i] += (float)host[i];
        if (matrix->device == CUDA)
            status = tensor_device_upload(matrix, "confusion_matrix_add");
    }
    if (counts)
        cuda->release(counts);
    free(host);
    return status;
}

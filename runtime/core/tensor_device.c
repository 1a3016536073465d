// SPDX-License-Identifier: BSD-3-Clause
/* The two copies of a tensor on the GPU: its device block (device_data,
 * owned by the tensor unless it is a view) and its host block (data), which
 * holds what was last copied back.  tensor_data()/tensor_cdata() copy the
 * device block back before they hand out the host pointer, and runtime code
 * that writes a CUDA tensor's host block sends it up again, so the API
 * reads the same on both devices. */
#include "core/tensor_impl.h"
#include "core/cuda_plugin.h"
#include "host/error_internal.h"

int tensor_device_alloc(Tensor *t, const char *function)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (!cuda)
        return cnb_error(function, "CUDA is not available: %s", cuda_unavailable_reason());
    void *block;
    if (cuda->alloc(&block, t->capacity * sizeof(float)) < 0)
        return cnb_error(function, "%s", cuda->last_error());
    t->device_data = block;
    return 0;
}

void tensor_device_release(Tensor *t)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (t->capacity && t->device_data && !t->device_borrowed && cuda &&
        cuda->release(t->device_data) < 0)
        cnb_error("tensor_free", "%s", cuda->last_error());
    t->device_data = NULL;
    t->device_borrowed = false;
}

int tensor_device_upload(Tensor *t, const char *function)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (!cuda || !t->device_data)
        return cnb_error(function, "the tensor has no device memory");
    if (cuda->to_device(t->device_data, t->data, t->numel * sizeof(float)) < 0)
        return cnb_error(function, "%s", cuda->last_error());
    return 0;
}

int tensor_device_download(const Tensor *t, const char *function)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (!cuda || !t->device_data)
        return cnb_error(function, "the tensor has no device memory");
    if (cuda->to_host(t->data, t->device_data, t->numel * sizeof(float)) < 0)
        return cnb_error(function, "%s", cuda->last_error());
    return 0;
}

void tensor_buffer_to(Tensor *t, Device device)
{
    if (t->capacity)
        tensor_device_release(t);
    t->device_data = NULL;
    t->device_borrowed = false;
    t->device = device;
}

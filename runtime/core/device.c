// SPDX-License-Identifier: BSD-3-Clause
/* Devices: where a tensor's data lives.  CUDA is the backend plugin
 * (runtime/cuda) that cuda_plugin.c loads on first use; without it, or
 * without a driver or a GPU, cuda_available() is false and moving a tensor
 * to CUDA fails with the reason. */
#include "core/tensor_impl.h"
#include "core/cuda_plugin.h"
#include "host/error_internal.h"

#include <stdio.h>

bool cuda_available(void)
{
    return cuda_plugin() != NULL;
}

const char *cuda_get_device_name(void)
{
    static char name[256];
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (!cuda)
        return cnb_error("cuda_get_device_name", "CUDA is not available: %s",
                         cuda_unavailable_reason()), NULL;
    if (!name[0] && cuda->device_info(name, sizeof name, NULL, NULL) < 0)
        return cnb_error("cuda_get_device_name", "%s", cuda->last_error()), NULL;
    return name;
}

const char *device_name(Device device)
{
    switch (device) {
    case CPU: return "cpu";
    case CUDA: return "cuda";
    }
    return "unknown";
}

/* "139.8 GiB": decimal places as nvidia-smi's users read them */
static double gib(size_t bytes)
{
    return (double)bytes / (1024.0 * 1024.0 * 1024.0);
}

static void describe_cuda(char *text, size_t size)
{
    const CnbCudaPlugin *cuda = cuda_plugin();
    char name[256];
    size_t total = 0, free_bytes = 0;
    if (!cuda)
        snprintf(text, size, "cuda (not available: %s)", cuda_unavailable_reason());
    else if (cuda->device_info(name, sizeof name, &total, &free_bytes) < 0)
        snprintf(text, size, "cuda (%s)", cuda->last_error());
    else
        snprintf(text, size, "cuda (%s, %.1f GiB, %.1f GiB free)", name, gib(total),
                 gib(free_bytes));
}

const char *device_describe(Device device)
{
    static _Thread_local char text[1024];
    switch (device) {
    case CPU:
        snprintf(text, sizeof text, "cpu (%d thread%s)", get_num_threads(),
                 get_num_threads() == 1 ? "" : "s");
        break;
    case CUDA:
        describe_cuda(text, sizeof text);
        break;
    default:
        snprintf(text, sizeof text, "unknown device %d", (int)device);
    }
    return text;
}

void device_print(Device device)
{
    printf("%s\n", device_describe(device));
}

Device tensor_device(const Tensor *t)
{
    if (tensor_dead(t, "tensor_device"))
        return CPU;
    return t ? t->device : CPU;
}

/* Host to device: a device block of the tensor's capacity, the data sent
 * up; the host block stays as the place tensor_data() copies back into. */
static Tensor *to_cuda(Tensor *t)
{
    /* a block kept by tensor_forget_device is reused */
    if (!t->device_data && tensor_device_alloc(t, "tensor_to") < 0)
        return NULL;
    t->device = CUDA;
    if (tensor_device_upload(t, "tensor_to") < 0) {
        tensor_device_release(t);
        t->device = CPU;
        return NULL;
    }
    return t;
}

static Tensor *to_cpu(Tensor *t)
{
    if (tensor_device_download(t, "tensor_to") < 0)
        return NULL;              /* the tensor stays on the GPU, whole */
    tensor_device_release(t);
    t->device = CPU;
    return t;
}

Tensor *tensor_to(Tensor *t, Device device)
{
    if (tensor_dead(t, "tensor_to"))
        return NULL;
    if (!t) {
        cnb_error("tensor_to", "tensor is NULL");
        return NULL;
    }
    if (device != CPU && device != CUDA) {
        cnb_error("tensor_to", "unknown device %d", (int)device);
        return NULL;
    }
    if (device == t->device)
        return t;
    if (device == CUDA && !cuda_available()) {
        cnb_error("tensor_to", "CUDA is not available: %s; the tensor stays on the cpu",
                  cuda_unavailable_reason());
        return NULL;
    }
    if (t->device_borrowed) {
        cnb_error("tensor_to", "this tensor is a model's parameter or gradient: move the "
                  "model with model_to");
        return NULL;
    }
    if (!t->capacity && t->data) {
        cnb_error("tensor_to", "this tensor is a view of another (flatten, narrow, a layer's "
                  "output): move the tensor it views");
        return NULL;
    }
    return device == CUDA ? to_cuda(t) : to_cpu(t);
}

void tensor_forget_device(Tensor *t)
{
    if (t->device != CUDA)
        return;
    if (!t->capacity || t->device_borrowed) {   /* not its own block to keep */
        tensor_to(t, CPU);
        return;
    }
    t->device = CPU;
}

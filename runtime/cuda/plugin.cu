// SPDX-License-Identifier: BSD-3-Clause
/* The plugin's entry point: the table of plugin_api.h, device discovery
 * and memory.  The compute operations live in their own files. */
#include "cuda/plugin_api.h"
#include "cuda/check.cuh"
#include "cuda/ops.cuh"

#include <cstdio>
#include <dlfcn.h>

/* cudaGetDeviceCount is the first call that needs the driver.  The CUDA
 * runtime says "driver version is insufficient" both when there is no
 * driver and when it is too old; which one it is, is what the user needs
 * to know, so the message says it. */
static int driver_problem(void)
{
    void *driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!driver)
        return plugin_fail("no NVIDIA driver (%s); %s", dlerror(), plugin_last_error());
    dlclose(driver);
    int version = 0;
    cudaDriverGetVersion(&version);
    return plugin_fail("the NVIDIA driver (CUDA %d.%d) is older than this plugin's CUDA "
                       "runtime %d.%d needs; %s", version / 1000, version % 1000 / 10,
                       CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10, plugin_last_error());
}

static int plugin_init(void)
{
    int count = 0;
    cudaError_t status = cudaGetDeviceCount(&count);
    if (cuda_check(status, "cudaGetDeviceCount") < 0)
        return status == cudaErrorInsufficientDriver ? driver_problem()
             : status == cudaErrorNoDevice ? plugin_fail("no device: %s", plugin_last_error())
             : -1;
    if (count == 0)
        return plugin_fail("no device: cudaGetDeviceCount found none");
    return cuda_check(cudaSetDevice(0), "cudaSetDevice(0)");
}

static int plugin_device_info(char *name, size_t name_size, size_t *total_bytes,
                              size_t *free_bytes)
{
    cudaDeviceProp prop;
    if (cuda_check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties") < 0)
        return -1;
    if (name && name_size)
        snprintf(name, name_size, "%s", prop.name);
    size_t free_now = 0, total = 0;
    if (cuda_check(cudaMemGetInfo(&free_now, &total), "cudaMemGetInfo") < 0)
        return -1;
    if (total_bytes)
        *total_bytes = total;
    if (free_bytes)
        *free_bytes = free_now;
    return 0;
}

static int plugin_alloc(void **ptr, size_t bytes)
{
    *ptr = nullptr;
    if (cuda_check(cudaMalloc(ptr, bytes ? bytes : 1), "cudaMalloc") < 0)
        return plugin_fail("%s (%zu bytes)", plugin_last_error(), bytes);
    return 0;
}

static int plugin_release(void *ptr)
{
    return ptr ? cuda_check(cudaFree(ptr), "cudaFree") : 0;
}

static int plugin_to_device(void *dst, const void *src, size_t bytes)
{
    return bytes ? cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice),
                              "cudaMemcpy (host to device)") : 0;
}

static int plugin_to_host(void *dst, const void *src, size_t bytes)
{
    return bytes ? cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost),
                              "cudaMemcpy (device to host)") : 0;
}

static int plugin_zero(void *dst, size_t bytes)
{
    return bytes ? cuda_check(cudaMemset(dst, 0, bytes), "cudaMemset") : 0;
}

static int plugin_copy(void *dst, const void *src, size_t bytes)
{
    return bytes ? cuda_check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, 0),
                              "cudaMemcpyAsync (device to device)") : 0;
}

static int plugin_synchronize(void)
{
    return cuda_check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

static const CnbCudaPlugin plugin_table = {
    CNB_CUDA_PLUGIN_ABI,
    plugin_init,
    plugin_last_error,
    plugin_device_info,
    plugin_alloc,
    plugin_release,
    plugin_to_device,
    plugin_to_host,
    plugin_zero,
    plugin_copy,
    plugin_synchronize,
    blas_set_tf32,
    blas_linear_forward,
    blas_linear_backward,
    relu_backward,
    softmax_ce_forward,
    softmax_ce_backward,
    adam_update,
    predictions_argmax,
    predictions_correct,
    predictions_confusion,
    activation_forward,
    activation_backward,
    dropout_forward,
    dropout_backward,
    sgd_update,
    batch_prepare,
};

extern "C" __attribute__((visibility("default"))) const CnbCudaPlugin *cnb_cuda_plugin(void)
{
    return &plugin_table;
}

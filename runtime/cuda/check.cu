// SPDX-License-Identifier: BSD-3-Clause
/* The plugin's error messages (check.cuh): one per thread, as libcnb's own. */
#include "cuda/check.cuh"

#include <cstdarg>
#include <cstdio>

static thread_local char last_error[512];

int cuda_check(cudaError_t status, const char *call)
{
    if (status == cudaSuccess)
        return 0;
    snprintf(last_error, sizeof last_error, "%s: %s (%s)", call, cudaGetErrorString(status),
             cudaGetErrorName(status));
    cudaGetLastError();           /* clear a non-sticky error so the next call can work */
    return -1;
}

int cublas_check(cublasStatus_t status, const char *call)
{
    if (status == CUBLAS_STATUS_SUCCESS)
        return 0;
    snprintf(last_error, sizeof last_error, "%s: %s (%s)", call, cublasGetStatusString(status),
             cublasGetStatusName(status));
    return -1;
}

int plugin_fail(const char *format, ...)
{
    char message[sizeof last_error];   /* the arguments may quote last_error itself */
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    snprintf(last_error, sizeof last_error, "%s", message);
    return -1;
}

const char *plugin_last_error(void)
{
    return last_error;
}

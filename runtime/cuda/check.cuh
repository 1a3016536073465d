// SPDX-License-Identifier: BSD-3-Clause
/* Every CUDA runtime and cuBLAS call of the plugin goes through these
 * checks: a failure records "call: what the library says (its code)" for
 * plugin_api.h's last_error() and makes the plugin function return -1, so
 * an out-of-memory or a device fault reaches the user as a message naming
 * the call instead of a crash. */
#ifndef CNB_CUDA_CHECK_CUH
#define CNB_CUDA_CHECK_CUH

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

/* 0 when status is success, else -1 with the message recorded. */
int cuda_check(cudaError_t status, const char *call);
int cublas_check(cublasStatus_t status, const char *call);
/* Records a message of the plugin's own (bad arguments). */
int plugin_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));
const char *plugin_last_error(void);

/* The launch itself (cudaGetLastError) after a <<<...>>> launch. */
#define CUDA_CHECK_LAUNCH(kernel_name) cuda_check(cudaGetLastError(), "launch of " kernel_name)

#endif

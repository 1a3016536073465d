// SPDX-License-Identifier: BSD-3-Clause
/* The C interface between libcnb and its CUDA backend plugin
 * (libcnb-cuda.so).  libcnb links no CUDA library: core/cuda_plugin.c
 * dlopens the plugin on the first cuda_available() and asks it for this
 * table through one exported function, so the same libcnb runs on
 * machines without the plugin, the CUDA libraries or a GPU.
 *
 * Plain C types only (the plugin is C++ compiled by nvcc, libcnb is C).
 * Every function that can fail returns 0, or -1 with a message naming the
 * failing CUDA/cuBLAS call that last_error() returns (per thread). */
#ifndef CNB_CUDA_PLUGIN_API_H
#define CNB_CUDA_PLUGIN_API_H

#include <stddef.h>

#include "cuda/adam_math.cuh"
#include "cuda/batch_math.cuh"
#include "cuda/sgd_math.cuh"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever the table changes: libcnb refuses a plugin of another. */
#define CNB_CUDA_PLUGIN_ABI 3
#define CNB_CUDA_PLUGIN_ENTRY "cnb_cuda_plugin"

typedef struct CnbCudaPlugin {
    int abi;                      /* CNB_CUDA_PLUGIN_ABI */
    /* Finds a usable device (driver, device count) and selects device 0. */
    int (*init)(void);
    const char *(*last_error)(void);
    /* The device's name ("NVIDIA H200") and its memory in bytes. */
    int (*device_info)(char *name, size_t name_size, size_t *total_bytes, size_t *free_bytes);

    /* Device memory and copies; copies are synchronous (host memory is
     * pageable and the caller reads or reuses it at once). */
    int (*alloc)(void **ptr, size_t bytes);
    int (*release)(void *ptr);
    int (*to_device)(void *dst, const void *src, size_t bytes);
    int (*to_host)(void *dst, const void *src, size_t bytes);
    int (*zero)(void *dst, size_t bytes);
    int (*copy)(void *dst, const void *src, size_t bytes);      /* device to device */
    /* Waits for every launched operation; a fault inside a kernel shows here. */
    int (*synchronize)(void);

    /* The operations of a training step, on device pointers, row-major
     * float32 (ops.cuh in the plugin says more). */
    int (*set_tf32)(int allowed);  /* set_float32_matmul_precision("high") */
    /* y [rows, out] = x [rows, in] W^T + b, then max(y, 0) when relu */
    int (*linear_forward)(const float *x, const float *w, const float *b, float *y, int rows,
                          int in, int out, int relu);
    /* g = dL/dy [rows, out]: dW (+)= g^T x, db (+)= column sums of g, and
     * dx = g W unless dx is NULL (a first layer) */
    int (*linear_backward)(const float *x, const float *w, const float *g, float *dw, float *db,
                           float *dx, int rows, int in, int out, int accumulate);
    /* g *= (y > 0); the same kernel as activation_backward's ReLU */
    int (*relu_backward)(const float *y, float *g, size_t n);
    /* p = softmax(x) per row, *loss = the mean cross-entropy (device float);
     * target holds class indices as floats */
    int (*softmax_ce_forward)(const float *x, const float *target, float *p, float *loss,
                              int rows, int classes);
    /* p becomes dL/dx = (p - onehot(target)) / rows, in place */
    int (*softmax_ce_backward)(float *p, const float *target, int rows, int classes);
    /* one Adam step over n parameters in one flat buffer (and their
     * gradients, m and v in flat buffers of their own) */
    int (*adam_update)(float *p, const float *g, float *m, float *v, size_t n,
                const CnbAdamScalars *s);
    /* predicted [rows] = argmax of each row (device ints) */
    int (*argmax)(const float *x, int *predicted, int rows, int classes);
    /* *count += rows whose argmax is the target (a device int) */
    int (*count_correct)(const float *x, const float *target, int *count, int rows,
                         int classes);
    /* counts [classes * classes + 1] (device ints): [truth][predicted] += 1;
     * the last counts the rows whose target is not a class index */
    int (*confusion)(const float *x, const float *target, int *counts, int rows, int classes);

    /* ABI 2: the elementwise layers and SGD.  act is one of
     * activation_math.cuh's codes (CNB_ACTIVATION_RELU, _SIGMOID, _TANH). */
    /* y = act(x) over n values (y may be x) */
    int (*activation_forward)(int act, const float *x, float *y, size_t n);
    /* g = dL/dx from g = dL/dy and the output y, in place */
    int (*activation_backward)(int act, const float *y, float *g, size_t n);
    /* mask holds n uniforms in [0, 1) that the host drew and becomes the
     * factors (1/(1-p) or 0); y = x * factor (y may be x) */
    int (*dropout_forward)(const float *x, float *mask, float *y, size_t n, float p);
    int (*dropout_backward)(const float *mask, float *g, size_t n);   /* g *= mask */
    /* one SGD step over n parameters in one flat buffer; buf (the momentum
     * buffers, same layout) is NULL without momentum */
    int (*sgd_update)(float *p, const float *g, float *buf, size_t n, const CnbSgdScalars *s);
    /* ABI 3: a batch prepared on the device (batch_math.cuh): out [count, item]
     * and target [count] get items[index[i]] through steps, with item i's
     * rotation plans at plans[i * steps->rotations], and its label.  items,
     * labels, out and target are device memory; index and plans are host
     * memory, sent up without waiting for the GPU (reusable at once). */
    int (*prepare_batch)(const uint8_t *items, const uint8_t *labels,
                         const CnbBatchSteps *steps, const int32_t *index,
                         const CnbRotation *plans, int count, float *out, float *target);
} CnbCudaPlugin;

/* The one symbol the plugin exports (CNB_CUDA_PLUGIN_ENTRY). */
const CnbCudaPlugin *cnb_cuda_plugin(void);

#ifdef __cplusplus
}
#endif

#endif

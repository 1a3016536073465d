// SPDX-License-Identifier: BSD-3-Clause
/* The CUDA plugin's interface (runtime/cuda/plugin_api.h) carried out on
 * the host, for testing libcnb's side of the CUDA backend on machines
 * without a GPU: moving tensors and models, the flat parameter blocks, the
 * loss's and the optimizer's device state, views into device blocks.  The
 * tests that need a GPU (test_cuda_ops, test_cuda_train) run against it
 * too, as test_cuda_*_emulated.
 *
 * It proves libcnb's bookkeeping, not the CUDA kernels: those are tested
 * per element by test_cuda_math and for real only on a GPU.  Its
 * "device addresses" are host addresses moved by 2^62, outside the address
 * space, so libcnb code that dereferenced a device pointer on the host
 * would crash here as it would with a GPU, instead of passing unnoticed.
 * The per-element math is the kernels' own (runtime/cuda/..._math.cuh). */
#include "cuda/plugin_api.h"
#include "cuda/activation_math.cuh"
#include "cuda/argmax_math.cuh"
#include "cuda/batch_math.cuh"
#include "cuda/dropout_math.cuh"
#include "cuda/softmax_ce_math.cuh"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEVICE_OFFSET ((uintptr_t)1 << 62)

static char last_error[256];

static void *host(const void *device)
{
    return (void *)((uintptr_t)device - DEVICE_OFFSET);
}

static int fail(const char *call, const char *what)
{
    snprintf(last_error, sizeof last_error, "%s (emulated on the host): %s", call, what);
    return -1;
}

static int init(void) { return 0; }
static const char *error(void) { return last_error; }

static int device_info(char *name, size_t size, size_t *total, size_t *free_bytes)
{
    snprintf(name, size, "host emulation of the CUDA plugin");
    if (total)
        *total = (size_t)1 << 30;
    if (free_bytes)
        *free_bytes = (size_t)1 << 30;
    return 0;
}

static int alloc(void **ptr, size_t bytes)
{
    void *block = bytes < ((size_t)1 << 40) ? malloc(bytes ? bytes : 1) : NULL;
    if (!block)
        return fail("cudaMalloc", "out of memory");
    *ptr = (void *)((uintptr_t)block + DEVICE_OFFSET);
    return 0;
}

static int release(void *ptr)
{
    if (ptr)
        free(host(ptr));
    return 0;
}

/* What crossed from the host to the "device" (tests read it with dlsym). */
static size_t bytes_to_device, batches_prepared;

__attribute__((visibility("default"))) size_t cnb_host_plugin_bytes_to_device(void)
{
    return bytes_to_device;
}

__attribute__((visibility("default"))) size_t cnb_host_plugin_batches_prepared(void)
{
    return batches_prepared;
}

static int to_device(void *dst, const void *src, size_t n)
{
    memcpy(host(dst), src, n);
    bytes_to_device += n;
    return 0;
}

static int to_host(void *dst, const void *src, size_t n) { memcpy(dst, host(src), n); return 0; }
static int zero(void *dst, size_t n) { memset(host(dst), 0, n); return 0; }
static int copy(void *dst, const void *src, size_t n)
{
    memmove(host(dst), host(src), n);
    return 0;
}
static int synchronize(void) { return 0; }
static int set_tf32(int allowed) { (void)allowed; return 0; }

static int linear_forward(const float *dx, const float *dw, const float *db, float *dy, int rows,
                          int in, int out, int relu)
{
    const float *x = host(dx), *w = host(dw), *b = host(db);
    float *y = host(dy);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < out; j++) {
            float sum = 0.0f;
            for (int k = 0; k < in; k++)
                sum += x[(size_t)r * in + k] * w[(size_t)j * in + k];
            sum += b[j];
            y[(size_t)r * out + j] = relu && !(sum > 0.0f) ? 0.0f : sum;
        }
    return 0;
}

static int linear_backward(const float *dx, const float *dw, const float *dg, float *ddw,
                           float *ddb, float *ddx, int rows, int in, int out, int accumulate)
{
    const float *x = host(dx), *w = host(dw), *g = host(dg);
    float *gw = host(ddw), *gb = host(ddb);
    for (int j = 0; j < out; j++) {
        float bias = accumulate ? gb[j] : 0.0f;
        for (int r = 0; r < rows; r++)
            bias += g[(size_t)r * out + j];
        gb[j] = bias;
        for (int k = 0; k < in; k++) {
            float sum = 0.0f;
            for (int r = 0; r < rows; r++)
                sum += g[(size_t)r * out + j] * x[(size_t)r * in + k];
            gw[(size_t)j * in + k] = accumulate ? gw[(size_t)j * in + k] + sum : sum;
        }
    }
    if (!ddx)
        return 0;
    float *gx = host(ddx);
    for (int r = 0; r < rows; r++)
        for (int k = 0; k < in; k++) {
            float sum = 0.0f;
            for (int j = 0; j < out; j++)
                sum += g[(size_t)r * out + j] * w[(size_t)j * in + k];
            gx[(size_t)r * in + k] = sum;
        }
    return 0;
}

static int relu_backward(const float *dy, float *dg, size_t n)
{
    const float *y = host(dy);
    float *g = host(dg);
    for (size_t i = 0; i < n; i++)
        g[i] = y[i] > 0.0f ? g[i] : 0.0f;
    return 0;
}

static int softmax_ce_forward(const float *dx, const float *dt, float *dp, float *dloss, int rows,
                              int classes)
{
    const float *x = host(dx), *t = host(dt);
    float *p = host(dp);
    double sum = 0.0;
    for (int r = 0; r < rows; r++)
        sum += cnb_is_class_index(t[r], classes)
             ? cnb_softmax_ce_row(x + (size_t)r * classes, p + (size_t)r * classes, classes,
                                  (int)t[r])
             : NAN;
    *(float *)host(dloss) = rows ? (float)(sum / rows) : NAN;
    return 0;
}

static int softmax_ce_backward(float *dp, const float *dt, int rows, int classes)
{
    const float *t = host(dt);
    float *p = host(dp);
    for (int r = 0; r < rows; r++)
        if (cnb_is_class_index(t[r], classes))
            cnb_softmax_ce_backward_row(p + (size_t)r * classes, classes, (int)t[r],
                                        1.0f / (float)rows);
    return 0;
}

static int adam_update(float *dp, const float *dg, float *dm, float *dv, size_t n,
                       const CnbAdamScalars *s)
{
    float *p = host(dp), *m = host(dm), *v = host(dv);
    const float *g = host(dg);
    for (size_t i = 0; i < n; i++)
        cnb_adam_element(&p[i], &m[i], &v[i], s->weight_decay != 0.0f
                         ? cnb_adam_decayed(g[i], p[i], s->weight_decay) : g[i], s);
    return 0;
}

static int argmax(const float *dx, int *dpred, int rows, int classes)
{
    const float *x = host(dx);
    int *pred = host(dpred);
    for (int r = 0; r < rows; r++)
        pred[r] = cnb_argmax_row(x + (size_t)r * classes, classes);
    return 0;
}

static int count_correct(const float *dx, const float *dt, int *dcount, int rows, int classes)
{
    const float *x = host(dx), *t = host(dt);
    int *count = host(dcount);
    for (int r = 0; r < rows; r++)
        *count += cnb_argmax_row(x + (size_t)r * classes, classes) == (int)t[r];
    return 0;
}

static int confusion(const float *dx, const float *dt, int *dcounts, int rows, int classes)
{
    const float *x = host(dx), *t = host(dt);
    int *counts = host(dcounts);
    for (int r = 0; r < rows; r++) {
        int best = cnb_argmax_row(x + (size_t)r * classes, classes);
        counts[cnb_is_class_index(t[r], classes) ? (int)t[r] * classes + best
                                                  : classes * classes]++;
    }
    return 0;
}

/* The batch kernel's work, pixel by pixel; index and plans are host
 * memory, as the plugin's are (it stages them up itself). */
static int prepare_batch(const uint8_t *ditems, const uint8_t *dlabels, const CnbBatchSteps *s,
                         const int32_t *index, const CnbRotation *plans, int count,
                         float *dout, float *dtarget)
{
    const uint8_t *items = host(ditems), *labels = host(dlabels);
    float *out = host(dout), *target = host(dtarget);
    size_t numel = (size_t)s->channels * s->height * s->width;
    for (int i = 0; i < count; i++) {
        const uint8_t *raw = items + (size_t)index[i] * numel;
        float *item = out + (size_t)i * numel;
        for (int c = 0; c < s->channels; c++)
            for (int y = 0; y < s->height; y++)
                for (int x = 0; x < s->width; x++)
                    *item++ = cnb_batch_pixel(raw, s, plans + (size_t)i * s->rotations, c, y, x);
        target[i] = (float)labels[index[i]];
    }
    batches_prepared++;
    return 0;
}

static int activation_forward(int act, const float *dx, float *dy, size_t n)
{
    const float *x = host(dx);
    float *y = host(dy);
    for (size_t i = 0; i < n; i++)
        y[i] = cnb_activation(act, x[i]);
    return 0;
}

static int activation_backward(int act, const float *dy, float *dg, size_t n)
{
    const float *y = host(dy);
    float *g = host(dg);
    for (size_t i = 0; i < n; i++)
        g[i] = cnb_activation_grad(act, y[i], g[i]);
    return 0;
}

static int dropout_forward(const float *dx, float *dmask, float *dy, size_t n, float p)
{
    const float *x = host(dx);
    float *mask = host(dmask), *y = host(dy), scale = cnb_dropout_scale(p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = cnb_dropout_factor(mask[i], p, scale);
        y[i] = x[i] * mask[i];
    }
    return 0;
}

static int dropout_backward(const float *dmask, float *dg, size_t n)
{
    const float *mask = host(dmask);
    float *g = host(dg);
    for (size_t i = 0; i < n; i++)
        g[i] *= mask[i];
    return 0;
}

static int sgd_update(float *dp, const float *dg, float *dbuf, size_t n, const CnbSgdScalars *s)
{
    float *p = host(dp), *buf = dbuf ? host(dbuf) : NULL;
    const float *g = host(dg);
    for (size_t i = 0; i < n; i++)
        if (buf)
            cnb_sgd_momentum_element(&p[i], &buf[i], g[i], s);
        else
            cnb_sgd_element(&p[i], g[i], s);
    return 0;
}

static const CnbCudaPlugin table = {
    CNB_CUDA_PLUGIN_ABI, init, error, device_info, alloc, release, to_device, to_host, zero,
    copy, synchronize, set_tf32, linear_forward, linear_backward, relu_backward,
    softmax_ce_forward, softmax_ce_backward, adam_update, argmax, count_correct, confusion,
    activation_forward, activation_backward, dropout_forward, dropout_backward, sgd_update,
    prepare_batch,
};

const CnbCudaPlugin *cnb_cuda_plugin(void)
{
    return &table;
}

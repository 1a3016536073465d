// SPDX-License-Identifier: BSD-3-Clause
/* The elementwise activations, forward and backward, for the CPU runtime
 * (nn/activation.c, core/vector_ops.c's vec_relu) and the plugin's kernels
 * (activation.cu).  Backward is written in terms of the output y, so the
 * input need not be kept: relu' = (y > 0), sigmoid' = y (1 - y),
 * tanh' = 1 - y^2.  The codes are nn/layer.h's Activation values (checked
 * there), passed as plain ints through plugin_api.h. */
#ifndef CNB_CUDA_ACTIVATION_MATH_CUH
#define CNB_CUDA_ACTIVATION_MATH_CUH

#include "cuda/host_device.h"

#include <math.h>

#define CNB_ACTIVATION_RELU 1
#define CNB_ACTIVATION_SIGMOID 2
#define CNB_ACTIVATION_TANH 3

/* A NaN input gives 0, as the CPU always did (x > 0 is false). */
static inline CNB_HOST_DEVICE float cnb_relu(float x)
{
    return x > 0.0f ? x : 0.0f;
}

/* exp of a negative number only: no overflow for large |x|. */
static inline CNB_HOST_DEVICE float cnb_sigmoid(float x)
{
    if (x >= 0)
        return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

static inline CNB_HOST_DEVICE float cnb_tanh(float x)
{
    return tanhf(x);
}

/* act(x) for one of the codes above; x itself for another. */
static inline CNB_HOST_DEVICE float cnb_activation(int act, float x)
{
    return act == CNB_ACTIVATION_RELU ? cnb_relu(x)
         : act == CNB_ACTIVATION_SIGMOID ? cnb_sigmoid(x)
         : act == CNB_ACTIVATION_TANH ? cnb_tanh(x) : x;
}

static inline CNB_HOST_DEVICE float cnb_relu_grad(float y, float g)
{
    return y > 0.0f ? g : 0.0f;
}

static inline CNB_HOST_DEVICE float cnb_sigmoid_grad(float y, float g)
{
    return g * (y * (1.0f - y));
}

static inline CNB_HOST_DEVICE float cnb_tanh_grad(float y, float g)
{
    return g * (1.0f - y * y);
}

/* dL/dx from dL/dy = g and the output y; g itself for another code. */
static inline CNB_HOST_DEVICE float cnb_activation_grad(int act, float y, float g)
{
    return act == CNB_ACTIVATION_RELU ? cnb_relu_grad(y, g)
         : act == CNB_ACTIVATION_SIGMOID ? cnb_sigmoid_grad(y, g)
         : act == CNB_ACTIVATION_TANH ? cnb_tanh_grad(y, g) : g;
}

#endif

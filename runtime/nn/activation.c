// SPDX-License-Identifier: BSD-3-Clause
/* Elementwise activations: relu, sigmoid, tanh (their layers are made in
 * layer.c, with the other layers without parameters).  Their backward is written
 * in terms of the output y, so that the input need not be kept:
 * relu' = (y > 0), sigmoid' = y (1 - y), tanh' = 1 - y^2.  The math per
 * element is cuda/activation_math.cuh's, which the GPU's kernels run too. */
#include "nn/layer.h"
#include "core/vector_ops.h"

void activation_forward(Activation act, const float *in, float *out, size_t n)
{
    switch (act) {
    case ACT_RELU:
        vec_relu(in, out, n);
        break;
    case ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            out[i] = cnb_sigmoid(in[i]);
        break;
    case ACT_TANH:
        for (size_t i = 0; i < n; i++)
            out[i] = cnb_tanh(in[i]);
        break;
    case ACT_NONE:
        if (out != in)
            for (size_t i = 0; i < n; i++)
                out[i] = in[i];
        break;
    }
}

void activation_backward(Activation act, const float *y, float *grad, size_t n)
{
    switch (act) {
    case ACT_RELU:
        vec_relu_backward(y, grad, n);
        break;
    case ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            grad[i] = cnb_sigmoid_grad(y[i], grad[i]);
        break;
    case ACT_TANH:
        for (size_t i = 0; i < n; i++)
            grad[i] = cnb_tanh_grad(y[i], grad[i]);
        break;
    case ACT_NONE:
        break;
    }
}

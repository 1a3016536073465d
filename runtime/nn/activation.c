/* Elementwise activations: relu, sigmoid, tanh.  Their backward is written
 * in terms of the output y, so that the input need not be kept:
 * relu' = (y > 0), sigmoid' = y (1 - y), tanh' = 1 - y^2. */
#include "nn/layer.h"
#include "core/vector_ops.h"

#include <math.h>

Layer *relu(void)
{
    return layer_alloc("relu", LAYER_RELU);
}

Layer *sigmoid(void)
{
    return layer_alloc("sigmoid", LAYER_SIGMOID);
}

Layer *tanh_layer(void)
{
    return layer_alloc("tanh_layer", LAYER_TANH);
}

static float sigmoid_of(float x)
{
    /* exp of a negative number only: no overflow for large |x| */
    if (x >= 0)
        return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

void activation_forward(Activation act, const float *in, float *out, size_t n)
{
    switch (act) {
    case ACT_RELU:
        vec_relu(in, out, n);
        break;
    case ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            out[i] = sigmoid_of(in[i]);
        break;
    case ACT_TANH:
        for (size_t i = 0; i < n; i++)
            out[i] = tanhf(in[i]);
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
            grad[i] *= y[i] * (1.0f - y[i]);
        break;
    case ACT_TANH:
        for (size_t i = 0; i < n; i++)
            grad[i] *= 1.0f - y[i] * y[i];
        break;
    case ACT_NONE:
        break;
    }
}

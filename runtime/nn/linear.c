/* Linear layer: y = act(x W^T + b) with W [out, in], as nn.Linear.
 *
 * Initial values follow nn.Linear.reset_parameters exactly, drawn from the
 * default generator: kaiming_uniform_(W, a=sqrt(5)), which is uniform in
 * +-gain*sqrt(3/fan_in) with gain = sqrt(2/(1+a^2)), then b uniform in
 * +-1/sqrt(fan_in).  The bounds are computed in double, as Python does,
 * and handed to uniform_ as floats. */
#include "nn/layer.h"
#include "core/compute.h"
#include "core/vector_ops.h"
#include "cnb/error.h"
#include "cnb/random.h"

#include <math.h>

static void init_parameters(Layer *layer)
{
    double fan_in = layer->in_features;
    double a = sqrt(5.0);
    double gain = sqrt(2.0 / (1.0 + a * a));
    double std = gain / sqrt(fan_in);
    double bound = sqrt(3.0) * std;
    generator_fill_uniform(NULL, layer->weight->data, layer->weight->numel,
                           (float)-bound, (float)bound);
    double bias_bound = fan_in > 0 ? 1.0 / sqrt(fan_in) : 0.0;
    generator_fill_uniform(NULL, layer->bias->data, layer->bias->numel,
                           (float)-bias_bound, (float)bias_bound);
}

Layer *linear(int in_features, int out_features)
{
    if (in_features <= 0 || out_features <= 0) {
        cnb_error("linear", "in_features (%d) and out_features (%d) must be positive",
                  in_features, out_features);
        return NULL;
    }
    Layer *layer = layer_alloc("linear", LAYER_LINEAR);
    if (!layer)
        return NULL;
    layer->in_features = in_features;
    layer->out_features = out_features;
    layer->weight = tensor_new((int[]){out_features, in_features}, 2);
    layer->bias = tensor_new((int[]){out_features}, 1);
    layer->grad_weight = tensor_new((int[]){out_features, in_features}, 2);
    layer->grad_bias = tensor_new((int[]){out_features}, 1);
    if (!layer->weight || !layer->bias || !layer->grad_weight || !layer->grad_bias) {
        layer_free(layer);
        return NULL;
    }
    init_parameters(layer);
    return layer;
}

void linear_forward(Layer *layer, const Tensor *in, Tensor *out, bool training)
{
    int n_in = layer->in_features, n_out = layer->out_features;
    int rows = (int)(in->numel / (size_t)n_in);
    if (!linear_sparse_forward(layer, in, out, training))
        gemm(false, true, rows, n_out, n_in, 1.0f, in->data, n_in, layer->weight->data, n_in,
             0.0f, out->data, n_out);
    /* bias and activation in one pass over the output, while it is in cache */
    bool relu = layer->fused == ACT_RELU;
    vec_bias_rows(out->data, layer->bias->data, rows, n_out, relu);
    if (layer->fused != ACT_NONE && !relu)
        activation_forward(layer->fused, out->data, out->data, out->numel);
}

void linear_backward(Layer *layer, const Tensor *in, const Tensor *out, Tensor *grad_out,
                     Tensor *grad_in, bool first_accumulation)
{
    int n_in = layer->in_features, n_out = layer->out_features;
    int rows = (int)(in->numel / (size_t)n_in);
    float *g = grad_out->data;
    if (layer->fused != ACT_NONE)
        activation_backward(layer->fused, out->data, g, grad_out->numel);
    /* dW (+)= G^T X, db (+)= column sums of G, dX = G W */
    if (!linear_sparse_weight_grad(layer, in, g, first_accumulation))
        gemm(true, false, n_out, n_in, rows, 1.0f, g, n_out, in->data, n_in,
             first_accumulation ? 0.0f : 1.0f, layer->grad_weight->data, n_in);
    vec_column_sums(g, rows, n_out, layer->grad_bias->data, !first_accumulation);
    if (grad_in)
        gemm(false, false, rows, n_in, n_out, 1.0f, g, n_out, layer->weight->data, n_in,
             0.0f, grad_in->data, n_in);
}

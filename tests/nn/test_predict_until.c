// SPDX-License-Identifier: BSD-3-Clause
/* model_predict_until: the activations after one layer, what the lesson's
 * feature maps show.  The last layer gives model_predict's output; a
 * convolution that applies the following ReLU itself (fusion) still gives
 * its own output, with negative values, and the ReLU after it the same
 * values clipped at 0; pooling halves the size; a layer that is not there
 * is a ValueError. */
#include "cnb.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static Model *small_cnn(void)
{
    return sequential(conv2d(1, 4, 3, .padding = 1), relu(), max_pool2d(2),
                      conv2d(4, 6, 3, .padding = 1), batch_norm2d(6), relu(), max_pool2d(2),
                      flatten(), linear(6 * 3 * 3, 5));
}

static Tensor *random_images(int batch)
{
    Tensor *x = tensor(batch, 1, 12, 12);
    float *data = tensor_data(x);
    for (size_t i = 0; i < tensor_numel(x); i++)
        data[i] = random_uniform(-1.0f, 1.0f);
    return x;
}

static float *copy_of(const Tensor *t)
{
    float *copy = malloc(tensor_numel(t) * sizeof *copy);
    memcpy(copy, tensor_cdata(t), tensor_numel(t) * sizeof *copy);
    return copy;
}

static void test_last_layer_is_predict(Model *model, const Tensor *x)
{
    Tensor *full = model_predict(model, x);
    float *expected = copy_of(full);
    size_t n = tensor_numel(full);
    Tensor *until = model_predict_until(model, x, 8);
    ok(until != NULL, "model_predict_until to the last layer");
    is_int(tensor_dim(until, 0), 2, "batch of 2");
    is_int(tensor_dim(until, 1), 5, "5 classes");
    ok(memcmp(tensor_cdata(until), expected, n * sizeof *expected) == 0,
       "the last layer's output is model_predict's, bit for bit");
    free(expected);
}

static void test_conv_before_its_relu(Model *model, const Tensor *x)
{
    Tensor *conv = model_predict_until(model, x, 0);
    ok(conv != NULL, "after layer 0 (Conv2d)");
    is_int(tensor_ndim(conv), 4, "[N, C, H, W]");
    is_int(tensor_dim(conv, 1), 4, "4 feature maps");
    is_int(tensor_dim(conv, 2), 12, "padding 1 keeps the height");
    ok(tensor_min(conv) < 0.0f, "the convolution's own output has negative values "
       "(the fused ReLU is not applied when the walk stops there)");
    float *raw = copy_of(conv);
    size_t n = tensor_numel(conv);
    Tensor *activated = model_predict_until(model, x, 1);
    ok(activated != NULL && tensor_numel(activated) == n, "after layer 1 (ReLU)");
    size_t same = 0;
    const float *a = tensor_cdata(activated);
    for (size_t i = 0; i < n; i++)
        same += a[i] == (raw[i] > 0.0f ? raw[i] : 0.0f);
    is_int((long long)same, (long long)n, "the ReLU's output is the convolution's clipped at 0");
    free(raw);
    /* The stop must leave the fusion in place for the next full pass. */
    Tensor *again = model_predict_until(model, x, 1);
    ok(again && tensor_min(again) >= 0.0f, "a later pass through the ReLU is still clipped");
}

static void test_shapes_after_pooling(Model *model, const Tensor *x)
{
    Tensor *pooled = model_predict_until(model, x, 2);
    ok(pooled && tensor_dim(pooled, 2) == 6 && tensor_dim(pooled, 3) == 6,
       "max_pool2d(2) halves 12 x 12 to 6 x 6");
    Tensor *second = model_predict_until(model, x, 3);
    ok(second && tensor_dim(second, 1) == 6 && tensor_dim(second, 2) == 6,
       "the second convolution: 6 maps of 6 x 6");
    Tensor *flat = model_predict_until(model, x, 7);
    ok(flat && tensor_ndim(flat) == 2 && tensor_dim(flat, 1) == 54, "flatten: [2, 6 * 3 * 3]");
}

static void test_errors(Model *model, const Tensor *x)
{
    cnb_clear_error();
    ok(model_predict_until(model, x, 9) == NULL, "layer 9 of 9 layers: NULL");
    is_int(cnb_last_error_kind(), CNB_VALUE_ERROR, "a ValueError");
    ok(strstr(cnb_last_error(), "0 to 8") != NULL, "naming the layers there are: %s",
       cnb_last_error());
    ok(model_predict_until(model, x, -1) == NULL, "layer -1: NULL");
    ok(model_predict_until(NULL, x, 0) == NULL, "no model: NULL");
    Tensor *wrong = tensor(2, 3, 12, 12);
    ok(model_predict_until(model, wrong, 0) == NULL, "3 channels into a 1-channel conv: NULL");
    is_int(cnb_last_error_kind(), CNB_SHAPE_ERROR, "a ShapeError");
    tensor_free(wrong);
    cnb_clear_error();
}

int main(void)
{
    manual_seed(3);
    Model *model = small_cnn();
    Tensor *x = random_images(2);
    model_eval(model);
    test_last_layer_is_predict(model, x);
    test_conv_before_its_relu(model, x);
    test_shapes_after_pooling(model, x);
    test_errors(model, x);
    tensor_free(x);
    model_free(model);
    return tap_done();
}

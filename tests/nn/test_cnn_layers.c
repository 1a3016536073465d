/* The CNN layers in C: the lesson's small CNN is a valid model with the
 * parameter count and shapes PyTorch has, model_summary shows where
 * 16 * 7 * 7 comes from, shapes that do not fit end with a ShapeError
 * naming the layer, a training step runs (and in the sanitizer build,
 * touches nothing it should not), and the GPU refuses the model with a
 * DeviceError instead of crashing. */
#include "cnb.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static Model *small_cnn(void)
{
    return sequential(conv2d(1, 8, 3, .padding = 1), relu(), max_pool2d(2),
                      conv2d(8, 16, 3, .padding = 1), batch_norm2d(16), relu(), max_pool2d(2),
                      flatten(), linear(16 * 7 * 7, 10));
}

static char *summary_text(const Model *model, const int *dims, int ndim, int *status)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    *status = model_fprint_shapes(out, model, dims, ndim);
    fclose(out);
    return text;
}

static void test_summary(void)
{
    Model *model = small_cnn();
    ok(model != NULL, "the small CNN of issue 19 is a valid model");
    /* 8*9+8 + 16*72+16 + 2*16 + 784*10+10 */
    is_int((long long)model_parameter_count(model), 80 + 1168 + 32 + 7850, "parameter count");
    int status;
    char *text = summary_text(model, (int[]){1, 28, 28}, 3, &status);
    is_int(status, 0, "model_fprint_shapes for 1x28x28");
    ok(strstr(text, "Conv2d-1") && strstr(text, "[-1, 8, 28, 28]"), "first conv: [-1, 8, 28, 28]");
    ok(strstr(text, "MaxPool2d-7") && strstr(text, "[-1, 16, 7, 7]"), "second pool: [-1, 16, 7, 7]");
    ok(strstr(text, "[-1, 784]") != NULL, "flatten: [-1, 784]");
    ok(strstr(text, "Total params: 9,130") != NULL, "total params");
    free(text);
    text = summary_text(model, (int[]){3, 28, 28}, 3, &status);
    is_int(status, -1, "3 channels do not fit conv2d(1, ...)");
    is_int(cnb_last_error_kind(), CNB_SHAPE_ERROR, "a ShapeError");
    ok(strstr(cnb_last_error(), "layer 0 (Conv2d(1, 8") && strstr(cnb_last_error(), "[1, 3, 28, 28]"),
       "it names the layer and the shape: %s", cnb_last_error());
    free(text);
    model_free(model);
}

static void test_shape_errors(void)
{
    Model *model = sequential(conv2d(1, 4, 3), flatten(), linear(4 * 26 * 26 + 1, 2));
    Tensor *x = tensor(2, 1, 28, 28);
    ok(model_forward(model, x) == NULL, "a linear layer with the wrong in_features refuses");
    is_int(cnb_last_error_kind(), CNB_SHAPE_ERROR, "with a ShapeError");
    ok(strstr(cnb_last_error(), "layer 2 (Linear") && strstr(cnb_last_error(), "[2, 2704]"),
       "naming the layer and the flattened shape: %s", cnb_last_error());
    model_free(model);
    model = sequential(batch_norm2d(3));
    ok(model_forward(model, x) == NULL, "batch_norm2d(3) on one channel refuses");
    ok(strstr(cnb_last_error(), "BatchNorm2d(3)") != NULL, "%s", cnb_last_error());
    model_free(model);
    ok(conv2d(1, 4, 4, .padding = PADDING_SAME) == NULL, "padding same needs an odd kernel");
    ok(max_pool2d(2, .padding = 2) == NULL, "pool padding over half the kernel refuses");
    tensor_free(x);
}

static void test_training_step(void)
{
    manual_seed(0);
    Model *model = sequential(conv2d(1, 4, 3, .stride = 2, .padding = 1),
                              batch_norm2d(4), relu(), dropout2d(0.25), avg_pool2d(2),
                              conv2d(4, 6, 3, .padding = PADDING_SAME, .bias = false), relu(),
                              max_pool2d(3, .stride = 2, .padding = 1), flatten(),
                              linear(6 * 2 * 2, 3));
    ok(model != NULL, "a model with every option");
    Tensor *x = tensor(5, 1, 15, 15), *target = tensor(5);
    for (size_t i = 0; i < tensor_numel(x); i++)
        tensor_data(x)[i] = (float)((i * 7919) % 101) / 101.0f;
    for (int i = 0; i < 5; i++)
        tensor_data(target)[i] = (float)(i % 3);
    Loss *loss = cross_entropy_loss();
    Optimizer *optimizer = adam(model, .lr = 0.01);
    float first = 0, last = 0;
    for (int step = 0; step < 20; step++) {
        optimizer_zero_grad(optimizer);
        Tensor *value = loss_forward(loss, model_forward(model, x), target);
        loss_backward(value);
        optimizer_step(optimizer);
        last = tensor_data(value)[0];
        if (step == 0)
            first = last;
    }
    ok(last < first, "20 Adam steps lower the loss (%g -> %g)", (double)first, (double)last);
    model_eval(model);
    ok(model_predict(model, x) != NULL, "a no-grad forward in eval mode");
    if (!cuda_available()) {
        skip("no CUDA here: model_to(CUDA) is refused before any layer is asked");
    } else {
        ok(model_to(model, CUDA) == NULL && cnb_last_error_kind() == CNB_DEVICE_ERROR,
           "on the GPU a DeviceError names the first CPU-only layer: %s", cnb_last_error());
    }
    optimizer_free(optimizer);
    loss_free(loss);
    tensor_free(x);
    tensor_free(target);
    model_free(model);
}

int main(void)
{
    test_summary();
    test_shape_errors();
    test_training_step();
    return tap_done();
}

// SPDX-License-Identifier: BSD-3-Clause
/* Layers, models and the loss: gradients checked by finite differences,
 * the model API (summary, parameters, modes) and its error messages. */
#include "cnb.h"
#include "tap.h"

#include <setjmp.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

static Tensor *random_tensor(const int *shape, int ndim, float scale)
{
    Tensor *t = tensor_new(shape, ndim);
    generator_fill_uniform(NULL, tensor_data(t), tensor_numel(t), -scale, scale);
    return t;
}

static Tensor *labels(int n, int classes)
{
    Tensor *t = tensor(n);
    for (int i = 0; i < n; i++)
        tensor_data(t)[i] = (float)((i * 7 + 3) % classes);
    return t;
}

/* The loss without gradients; reseeding makes dropout draw the same mask. */
static double loss_at(Model *model, Loss *loss, const Tensor *x, const Tensor *y, uint64_t seed)
{
    manual_seed(seed);
    return tensor_item(loss_forward(loss, model_predict(model, x), y));
}

/* Compares every parameter gradient (or every stride-th) with central differences. */
static void gradient_check_every(Model *model, const Tensor *x, const Tensor *y, const char *what,
                                 size_t stride)
{
    Loss *loss = cross_entropy_loss();
    const uint64_t seed = 99;
    model_zero_grad(model);
    manual_seed(seed);
    loss_backward(loss_forward(loss, model_forward(model, x), y));
    double worst = 0, largest = 0;
    /* small enough that no ReLU input crosses zero (the seeds are fixed, so
     * this is checked once, not flaky), large enough for float32 */
    const float h = 1e-3f;
    for (int p = 0; p < model_parameter_tensors(model); p++) {
        Tensor *param = model_parameter(model, p, NULL), *grad = model_gradient(model, p);
        for (size_t i = 0; i < tensor_numel(param); i += stride) {
            float *w = tensor_data(param) + i, saved = *w;
            *w = saved + h;
            double up = loss_at(model, loss, x, y, seed);
            *w = saved - h;
            double down = loss_at(model, loss, x, y, seed);
            *w = saved;
            double numeric = (up - down) / (2.0 * h), analytic = tensor_cdata(grad)[i];
            double err = fabs(numeric - analytic) / fmax(1e-2, fabs(numeric));
            if (err > 2e-2)
                printf("# %s: parameter %d [%zu]: numeric %g, analytic %g\n", what, p, i, numeric, analytic);
            worst = fmax(worst, err);
            largest = fmax(largest, fabs(analytic));
        }
    }
    ok(worst < 2e-2 && largest > 1e-3, "gradient check %s (worst relative error %.2g)", what, worst);
    loss_free(loss);
}

static void gradient_check(Model *model, const Tensor *x, const Tensor *y, const char *what)
{
    gradient_check_every(model, x, y, what, 1);
}

/* Images with mostly zeros, as MNIST: large first layers take the sparse path. */
static Tensor *sparse_images(int n, int width, double density)
{
    Tensor *t = tensor(n, width);
    for (size_t i = 0; i < tensor_numel(t); i++)
        if ((random_u32() % 1000) < density * 1000)
            tensor_data(t)[i] = random_uniform(0.0f, 1.0f);
    return t;
}

/* y = x W^T + b in double, to check the fast paths against. */
static double forward_error(Model *m, const Tensor *x, int in, int out)
{
    const float *w = tensor_cdata(model_parameter(m, 0, NULL));
    const float *b = tensor_cdata(model_parameter(m, 1, NULL));
    const float *got = tensor_cdata(model_forward(m, x));
    double worst = 0;
    for (int r = 0; r < tensor_dim(x, 0); r++)
        for (int j = 0; j < out; j++) {
            double sum = b[j];
            for (int k = 0; k < in; k++)
                sum += (double)tensor_cdata(x)[r * in + k] * w[j * in + k];
            worst = fmax(worst, fabs(sum - got[r * out + j]));
        }
    return worst;
}

static void test_sparse_path(void)
{
    manual_seed(8);
    Tensor *sparse = sparse_images(6, 300, 0.15), *dense = sparse_images(6, 300, 1.0);
    Tensor *y = labels(6, 5);
    Model *single = sequential(linear(300, 70));
    is_near(forward_error(single, sparse, 300, 70), 0, 1e-5, "sparse input: forward as x W^T + b");
    is_near(forward_error(single, dense, 300, 70), 0, 1e-5, "dense input: forward as x W^T + b");
    model_free(single);
    Model *wide = sequential(linear(300, 512));   /* blocks of 128 outputs */
    is_near(forward_error(wide, sparse, 300, 512), 0, 1e-5, "sparse input, 512 outputs: forward");
    /* more rows than the kernel keeps read positions for at once (256),
     * split across the compute threads */
    Tensor *tall = sparse_images(300, 300, 0.15);
    is_near(forward_error(wide, tall, 300, 512), 0, 1e-5, "300 sparse rows, 512 outputs: forward");
    tensor_free(tall);
    model_free(wide);
    /* tanh, not relu: no kink for a finite difference to straddle */
    Model *m = sequential(linear(300, 70), tanh_layer(), linear(70, 5));
    gradient_check_every(m, sparse, y, "linear with a sparse input (15% nonzero)", 7);
    gradient_check_every(m, dense, y, "the same layer with a dense input", 7);
    /* a no-grad pass on other data between forward and backward */
    Loss *loss = cross_entropy_loss();
    model_zero_grad(m);
    loss_backward(loss_forward(loss, model_forward(m, sparse), y));
    Tensor *g = tensor_clone(model_gradient(m, 0));
    model_zero_grad(m);
    Tensor *value = loss_forward(loss, model_forward(m, sparse), y);
    model_predict(m, dense);
    Tensor *other = sparse_images(3, 300, 0.1);
    model_predict(m, other);
    loss_backward(value);
    double diff = 0;
    for (size_t i = 0; i < tensor_numel(g); i++)
        diff = fmax(diff, fabs(tensor_cdata(g)[i] - tensor_cdata(model_gradient(m, 0))[i]));
    is_near(diff, 0, 0, "sparse path: no-grad passes between forward and backward change nothing");
    /* accumulation over two backward passes */
    loss_backward(loss_forward(loss, model_forward(m, sparse), y));
    diff = 0;
    for (size_t i = 0; i < tensor_numel(g); i++)
        diff = fmax(diff, fabs(2 * tensor_cdata(g)[i] - tensor_cdata(model_gradient(m, 0))[i]));
    is_near(diff, 0, 1e-6, "sparse path: gradients accumulate");
    loss_free(loss);
    tensor_free(other);
    tensor_free(g);
    model_free(m);
    tensor_free(y);
    tensor_free(dense);
    tensor_free(sparse);
}

static void test_gradients(void)
{
    manual_seed(3);
    Tensor *x = random_tensor((int[]){4, 5}, 2, 1.0f), *y = labels(4, 3);
    Model *m = sequential(linear(5, 3));
    gradient_check(m, x, y, "linear");
    model_free(m);
    m = sequential(linear(5, 6), relu(), linear(6, 3));
    gradient_check(m, x, y, "linear + relu (fused)");
    model_free(m);
    m = sequential(linear(5, 6), sigmoid(), linear(6, 3));
    gradient_check(m, x, y, "linear + sigmoid (fused)");
    model_free(m);
    m = sequential(linear(5, 6), tanh_layer(), linear(6, 3));
    gradient_check(m, x, y, "linear + tanh (fused)");
    model_free(m);
    /* dropout(0) between keeps the activation a layer of its own */
    m = sequential(linear(5, 6), dropout(0.0f), relu(), linear(6, 3));
    gradient_check(m, x, y, "relu as its own layer");
    model_free(m);
    m = sequential(linear(5, 6), dropout(0.0f), sigmoid(), linear(6, 3));
    gradient_check(m, x, y, "sigmoid as its own layer");
    model_free(m);
    m = sequential(linear(5, 6), dropout(0.0f), tanh_layer(), linear(6, 3));
    gradient_check(m, x, y, "tanh as its own layer");
    model_free(m);
    m = sequential(linear(5, 6), relu(), dropout(0.5f), linear(6, 3));
    gradient_check(m, x, y, "dropout (same mask each pass)");
    model_free(m);
    m = sequential(linear(5, 6), relu(), sigmoid(), tanh_layer(), linear(6, 3));
    gradient_check(m, x, y, "stacked activations");
    model_free(m);
    tensor_free(x);

    Tensor *images = random_tensor((int[]){4, 2, 5}, 3, 1.0f);
    m = sequential(linear(5, 4), relu(), flatten(), linear(8, 3));
    gradient_check(m, images, y, "flatten between linear layers (linear on a 3-d input)");
    model_free(m);
    tensor_free(images);
    Tensor *grid = random_tensor((int[]){4, 1, 2, 3}, 4, 1.0f);
    m = sequential(flatten(), linear(6, 5), relu(), linear(5, 3));
    gradient_check(m, grid, y, "flatten of [4, 1, 2, 3] images");
    model_free(m);
    tensor_free(grid);
    tensor_free(y);
}

static void test_cross_entropy(void)
{
    Loss *loss = cross_entropy_loss();
    float values[] = { 1.0f, 2.0f, 0.5f, -1.0f, 0.0f, 3.0f };
    Tensor *logits = tensor_from_data(values, (int[]){2, 3}, 2);
    Tensor *y = tensor_from_data((float[]){ 1, 2 }, (int[]){2}, 1);
    double l0 = log(exp(1.0) + exp(2.0) + exp(0.5)) - 2.0;
    double l1 = log(exp(-1.0) + exp(0.0) + exp(3.0)) - 3.0;
    Tensor *value = loss_forward(loss, logits, y);
    is_near(tensor_item(value), (l0 + l1) / 2, 1e-6, "cross entropy value (mean)");
    loss_backward(value);
    Tensor *g = tensor_clone(loss_input_grad(loss));   /* the next forward reuses it */
    double worst = 0;
    for (int i = 0; i < 6; i++) {
        float saved = values[i];
        float h = 1e-2f;
        tensor_data(logits)[i] = saved + h;
        double up = tensor_item(loss_forward(loss, logits, y));
        tensor_data(logits)[i] = saved - h;
        double down = tensor_item(loss_forward(loss, logits, y));
        tensor_data(logits)[i] = saved;
        worst = fmax(worst, fabs((up - down) / (2 * h) - tensor_cdata(g)[i]));
    }
    ok(worst < 1e-3, "gradient check cross entropy wrt logits (worst %.2g)", worst);
    tensor_free(g);

    float big[] = { 1000.0f, -1000.0f, 0.0f, 88.0f, 89.0f, 90.0f };
    Tensor *huge = tensor_from_data(big, (int[]){2, 3}, 2);
    value = loss_forward(loss, huge, y);
    is_near(tensor_item(value), (2000.0 + (log(exp(-2.0) + exp(-1.0) + 1.0))) / 2, 1e-3,
            "large logits stay finite (log-sum-exp)");
    Tensor *bad = tensor_from_data((float[]){ 1, 3 }, (int[]){2}, 1);
    ok(loss_forward(loss, logits, bad) == NULL, "target 3 for 3 classes fails");
    ok(strstr(cnb_last_error(), "target 3") != NULL, "error names the target: %s", cnb_last_error());
    Tensor *frac = tensor_from_data((float[]){ 0.5f, 1 }, (int[]){2}, 1);
    ok(loss_forward(loss, logits, frac) == NULL, "fractional target fails");
    Tensor *three = tensor(3);
    ok(loss_forward(loss, logits, three) == NULL, "3 targets for 2 rows fail");
    ok(loss_forward(loss, y, y) == NULL, "1-d output fails");
    loss_backward(NULL);
    loss_backward(logits);
    ok(strstr(cnb_last_error(), "not a loss value") != NULL, "backward of a non-loss tensor fails");
    tensor_free(three);
    tensor_free(frac);
    tensor_free(bad);
    tensor_free(huge);
    tensor_free(logits);
    tensor_free(y);
    loss_free(loss);
}

static char *summary_text(const Model *m)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    model_fprint(out, m);
    fclose(out);
    return text;
}

static void test_model_api(void)
{
    manual_seed(0);
    Model *m = sequential(flatten(), linear(28 * 28, 256), relu(), linear(256, 128), relu(),
                          linear(128, 64), relu(), linear(64, 10));
    model_set_name(m, "MNISTClassifier");
    char *text = summary_text(m);
    is_str(text,
           "MNISTClassifier(\n"
           "  (layers): Sequential(\n"
           "    (0): Flatten(start_dim=1, end_dim=-1)\n"
           "    (1): Linear(in_features=784, out_features=256, bias=True)\n"
           "    (2): ReLU()\n"
           "    (3): Linear(in_features=256, out_features=128, bias=True)\n"
           "    (4): ReLU()\n"
           "    (5): Linear(in_features=128, out_features=64, bias=True)\n"
           "    (6): ReLU()\n"
           "    (7): Linear(in_features=64, out_features=10, bias=True)\n"
           "  )\n"
           ")\n"
           "Trainable parameters: 242,762\n", "summary as print(model) plus the count");
    free(text);
    Model *others = sequential(linear(4, 3), sigmoid(), dropout(0.25f), tanh_layer(), relu());
    char *other_text = summary_text(others);
    is_str(other_text,
           "Model(\n"
           "  (layers): Sequential(\n"
           "    (0): Linear(in_features=4, out_features=3, bias=True)\n"
           "    (1): Sigmoid()\n"
           "    (2): Dropout(p=0.25, inplace=False)\n"
           "    (3): Tanh()\n"
           "    (4): ReLU()\n"
           "  )\n"
           ")\n"
           "Trainable parameters: 15\n", "reprs of sigmoid, dropout, tanh as PyTorch's; default name");
    free(other_text);
    model_free(others);
    const char *names[] = { "layers.1.weight", "layers.1.bias", "layers.3.weight", "layers.3.bias",
                            "layers.5.weight", "layers.5.bias", "layers.7.weight", "layers.7.bias" };
    for (int p = 0; p < 8; p++) {
        const char *name = NULL;
        model_parameter(m, p, &name);
        is_str(name, names[p], "parameter %d name", p);
    }
    ok(model_parameter(m, 8, NULL) == NULL, "parameter 8 out of range");
    is_int(model_is_training(m), 1, "a new model trains");
    model_eval(m);
    is_int(model_is_training(m), 0, "model_eval");
    model_train(m);
    ok(model_to(m, CPU) == m, "model_to(cpu)");
    ok(model_to(m, CUDA) == NULL, "model_to(cuda) fails (no GPU, or no CUDA layers yet)");
    is_int(model_device(m), CPU, "model stays on the cpu");

    Tensor *x = random_tensor((int[]){2, 1, 28, 28}, 4, 1.0f);
    Tensor *out = model_forward(m, x);
    ok(out && tensor_dim(out, 0) == 2 && tensor_dim(out, 1) == 10, "forward gives [2, 10]");
    Tensor *again = model_forward(m, x);
    ok(again == out, "the output tensor is reused between calls");
    Tensor *pred = model_predict(m, x);
    double same = 0;
    for (int i = 0; i < 20; i++)
        same = fmax(same, fabs(tensor_cdata(pred)[i] - tensor_cdata(out)[i]));
    is_near(same, 0, 0, "model_predict equals model_forward");

    Tensor *wrong = tensor(2, 100);
    ok(model_forward(m, wrong) == NULL, "input of the wrong width fails");
    ok(strstr(cnb_last_error(), "Linear(in_features=784") != NULL, "error names the layer: %s",
       cnb_last_error());
    Tensor *image = tensor(2, 28, 28);
    Model *no_flatten = sequential(linear(784, 10));
    ok(model_forward(no_flatten, image) == NULL && strstr(cnb_last_error(), "flatten"),
       "forgotten flatten is pointed out");
    model_free(no_flatten);
    tensor_free(image);

    /* gradients accumulate until zero_grad, as in PyTorch */
    Loss *loss = cross_entropy_loss();
    Tensor *y = labels(2, 10);
    model_zero_grad(m);
    loss_backward(loss_forward(loss, model_forward(m, x), y));
    float g1 = tensor_cdata(model_gradient(m, 7))[0];
    loss_backward(loss_forward(loss, model_forward(m, x), y));
    is_near(tensor_cdata(model_gradient(m, 7))[0], 2 * g1, 1e-6, "second backward accumulates");
    model_zero_grad(m);
    is_near(tensor_sum(model_gradient(m, 7)), 0, 0, "zero_grad zeroes");
    /* a no-grad forward between forward and backward changes nothing */
    Tensor *value = loss_forward(loss, model_forward(m, x), y);
    model_predict(m, wrong);
    model_predict(m, x);
    loss_backward(value);
    is_near(tensor_cdata(model_gradient(m, 7))[0], g1, 1e-6, "predict leaves the pending step alone");
    loss_backward(value);
    ok(strstr(cnb_last_error(), "already backpropagated") != NULL, "second backward of one loss fails");
    value = loss_forward(loss, model_forward(m, x), y);
    model_forward(m, x);
    loss_backward(value);
    ok(strstr(cnb_last_error(), "ran forward again") != NULL, "stale loss fails: %s", cnb_last_error());
    loss_backward(loss_forward(loss, model_predict(m, x), y));
    ok(strstr(cnb_last_error(), "without gradients") != NULL, "no backward after model_predict");
    loss_free(loss);
    tensor_free(wrong);
    tensor_free(y);
    tensor_free(x);
    model_free(m);

    ok(sequential(linear(2, 2), linear(0, 3), relu()) == NULL, "a failed layer fails the model");
    ok(strstr(cnb_last_error(), "layer 1") != NULL, "and names it: %s", cnb_last_error());
    Layer *shared = relu();
    Model *a = sequential(linear(2, 2), shared);
    ok(sequential(linear(2, 2), shared) == NULL, "a layer of another model is refused");
    model_free(a);
    ok(dropout(1.5f) == NULL, "dropout(1.5) fails");
    Model *big = sequential(flatten(), linear(784, 64), relu(), linear(64, 10));
    Tensor *none = tensor(0, 1, 28, 28);
    Tensor *empty_out = model_forward(big, none);
    ok(empty_out && tensor_dim(empty_out, 0) == 0 && tensor_dim(empty_out, 1) == 10,
       "an empty batch gives an empty output");
    ok(model_predict(big, none) != NULL, "and predicts");
    tensor_free(none);
    model_free(big);
    ok(model_forward(NULL, NULL) == NULL, "NULL model fails");
    model_free(NULL);
}

/* The runtime flushes denormals inside its kernels only: the caller's
 * floating-point mode is the same before and after. */
static void test_float_mode_restored(void)
{
#if defined(__x86_64__)
    manual_seed(1);
    Model *m = sequential(flatten(), linear(784, 32), relu(), linear(32, 10));
    Tensor *x = tensor(4, 784), *y = labels(4, 10);
    Loss *loss = cross_entropy_loss();
    Optimizer *opt = adam(m);
    unsigned before = _mm_getcsr();
    loss_backward(loss_forward(loss, model_forward(m, x), y));
    optimizer_step(opt);
    model_predict(m, x);
    is_int(_mm_getcsr(), before, "MXCSR (FTZ/DAZ) is the caller's again after a training step");
    volatile float tiny = 1e-40f;     /* a denormal survives in the caller's code */
    ok(tiny * 1.0f != 0.0f, "denormals are not flushed outside the runtime");
    optimizer_free(opt);
    loss_free(loss);
    tensor_free(x);
    tensor_free(y);
    model_free(m);
#else
    ok(1, "# SKIP MXCSR is x86 only");
#endif
}

static void test_dropout_modes(void)
{
    manual_seed(5);
    Model *m = sequential(dropout(0.5f));
    Tensor *x = tensor(1000);
    tensor_fill(x, 1.0f);
    Tensor *x2 = tensor(1, 1000);
    tensor_fill(x2, 1.0f);
    Tensor *out = model_forward(m, x2);
    int zeros = 0, twos = 0;
    for (int i = 0; i < 1000; i++) {
        zeros += tensor_cdata(out)[i] == 0.0f;
        twos += tensor_cdata(out)[i] == 2.0f;
    }
    ok(zeros + twos == 1000 && zeros > 400 && zeros < 600,
       "dropout(0.5) in training: zeros or scaled by 2 (%d zeros)", zeros);
    model_eval(m);
    out = model_forward(m, x2);
    is_near(tensor_sum(out), 1000, 0, "dropout in eval passes through");
    tensor_free(x);
    tensor_free(x2);
    model_free(m);
}

/* A host that unwinds, as the kernel's worker does, once asked to. */
static jmp_buf interrupted;
static int interrupt_after = -1, checks;

static void check_interrupt(void)
{
    checks++;
    if (interrupt_after >= 0 && checks > interrupt_after)
        longjmp(interrupted, 1);
}

/* A training loop of its own (no dataloader, which polls between batches)
 * stops at the next model_forward, where the model is whole, and trains
 * on afterwards. */
static void test_interrupt_own_loop(void)
{
    static const CnbHost host = { .check_interrupt = check_interrupt };
    manual_seed(3);
    Tensor *x = sparse_images(64, 784, 0.2), *y = labels(64, 10);
    Model *m = sequential(flatten(), linear(784, 256), relu(), linear(256, 10));
    Loss *loss = cross_entropy_loss();
    Optimizer *opt = adam(m, .lr = 0.001);
    cnb_set_host(&host);
    checks = 0;
    interrupt_after = 5;
    volatile int steps = 0;
    if (setjmp(interrupted) == 0)
        for (;;) {
            optimizer_zero_grad(opt);
            loss_backward(loss_forward(loss, model_forward(m, x), y));
            optimizer_step(opt);
            steps++;
        }
    interrupt_after = -1;
    is_int(steps, 5, "an endless loop of steps stops at the 6th model_forward");
    optimizer_zero_grad(opt);
    Tensor *value = loss_forward(loss, model_forward(m, x), y);
    loss_backward(value);
    optimizer_step(opt);
    ok(value && isfinite(tensor_item(value)), "and the model trains on (loss %g)",
       value ? tensor_item(value) : 0.0);
    cnb_set_host(NULL);
    optimizer_free(opt);
    loss_free(loss);
    model_free(m);
    tensor_free(x);
    tensor_free(y);
}

int main(void)
{
    test_gradients();
    test_sparse_path();
    test_cross_entropy();
    test_model_api();
    test_dropout_modes();
    test_float_mode_restored();
    test_interrupt_own_loop();
    return tap_done();
}

// SPDX-License-Identifier: BSD-3-Clause
/* Each operation of the CUDA plugin against the CPU runtime on the same
 * inputs: the linear layer forward (with and without the fused ReLU, the
 * lesson's first layer and odd sizes), a whole training step of a small
 * MLP (softmax-CE forward and backward, linear and ReLU backward, Adam over
 * the flat parameter buffer), the activations forward and backward,
 * dropout from the host's uniforms, SGD over the flat buffer (plain and
 * with momentum), the TF32 switch, argmax / correct counts / confusion
 * counts, and an error that names its CUDA call.  Tolerances as
 * llm.c's: 1e-5 relative for elementwise work, looser for products.
 *
 * Built on every machine; without a GPU every check reports itself skipped
 * with the reason (TAP "ok N # SKIP").  test_cuda_ops_emulated runs it
 * against host_plugin.c, which checks the test and libcnb's side only. */
#include "cnb.h"
#include "tap.h"
#include "cuda/plugin_choice.h"

#include "core/cuda_plugin.h"
#include "nn/layer.h"

#include <stdlib.h>

#define CHECKS 29                 /* the checks a GPU run makes, skipped otherwise */

static const CnbCudaPlugin *cuda;

static float *upload(const float *host, size_t n)
{
    void *dev = NULL;
    if (cuda->alloc(&dev, n * sizeof(float)) < 0 ||
        cuda->to_device(dev, host, n * sizeof(float)) < 0)
        printf("# %s\n", cuda->last_error());
    return dev;
}

static float *device_zeros(size_t n)
{
    void *dev = NULL;
    if (cuda->alloc(&dev, n * sizeof(float)) < 0 || cuda->zero(dev, n * sizeof(float)) < 0)
        printf("# %s\n", cuda->last_error());
    return dev;
}

/* The device's values next to the host's: the largest difference relative
 * to the largest host value (GEMM results), or per element (elementwise). */
static double device_diff(const void *dev, const float *want, size_t n, bool per_element)
{
    float *got = malloc(n * sizeof *got);
    if (cuda->to_host(got, dev, n * sizeof *got) < 0) {
        printf("# %s\n", cuda->last_error());
        free(got);
        return INFINITY;
    }
    double scale = 0, worst = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n; i++) {
        /* per element: values under 0.01 (Adam's near-zero weights) are
         * compared at 1e-7 absolute, where rounding, not the math, differs */
        double d = fabs((double)got[i] - want[i]) /
                   fmax(per_element ? fabs(want[i]) : scale, per_element ? 1e-2 : 1e-6);
        if (!(d <= worst))
            worst = d;
    }
    free(got);
    return worst;
}

static Tensor *random_tensor(int rows, int cols, float scale, float zero_fraction)
{
    Tensor *t = tensor(rows, cols);
    float *p = tensor_data(t);
    for (int i = 0; i < rows * cols; i++)
        p[i] = (float)rand() / (float)RAND_MAX < zero_fraction ? 0.0f
             : scale * (2.0f * (float)rand() / (float)RAND_MAX - 1.0f);
    return t;
}

static void test_linear_forward(int rows, int in, int out, bool with_relu)
{
    Model *m = with_relu ? sequential(linear(in, out), relu()) : sequential(linear(in, out));
    Tensor *x = random_tensor(rows, in, 1.0f, in >= 784 ? 0.8f : 0.0f);
    const float *want = tensor_cdata(model_predict(m, x));
    float *dx = upload(tensor_cdata(x), tensor_numel(x));
    float *dw = upload(tensor_cdata(model_parameter(m, 0, NULL)), (size_t)out * in);
    float *db = upload(tensor_cdata(model_parameter(m, 1, NULL)), (size_t)out);
    float *dy = device_zeros((size_t)rows * out);
    int status = cuda->linear_forward(dx, dw, db, dy, rows, in, out, with_relu);
    if (status < 0)
        printf("# %s\n", cuda->last_error());
    double d = device_diff(dy, want, (size_t)rows * out, false);
    ok(status == 0 && d <= 1e-5, "linear forward %dx%d -> %d%s (cuBLASLt, bias%s epilogue): "
       "the CPU's within %.2g", rows, in, out, with_relu ? " + relu" : "",
       with_relu ? "+relu" : "", d);
    cuda->release(dx), cuda->release(dw), cuda->release(db), cuda->release(dy);
    tensor_free(x);
    model_free(m);
}

/* The small MLP's parameters, in state_dict order, in one flat buffer. */
typedef struct Flat {
    size_t offset[4], total;
    float *host;
} Flat;

static Flat flatten_parameters(Model *m, bool gradients)
{
    Flat f = { .total = model_parameter_count(m) };
    f.host = malloc(f.total * sizeof(float));
    size_t at = 0;
    for (int i = 0; i < 4; i++) {
        Tensor *t = gradients ? model_gradient(m, i) : model_parameter(m, i, NULL);
        f.offset[i] = at;
        memcpy(f.host + at, tensor_cdata(t), tensor_numel(t) * sizeof(float));
        at += tensor_numel(t);
    }
    return f;
}

/* One training step of Linear(20,16)-ReLU-Linear(16,5) on a batch of 12,
 * on both devices from the same weights, then Adam on both. */
static void test_training_step(void)
{
    enum { B = 12, IN = 20, H = 16, OUT = 5 };
    manual_seed(11);
    Model *m = sequential(linear(IN, H), relu(), linear(H, OUT));
    Optimizer *opt = adam(m, .lr = 0.01);
    Loss *loss = cross_entropy_loss();
    Tensor *x = random_tensor(B, IN, 1.0f, 0.0f);
    float labels[B];
    for (int r = 0; r < B; r++)
        labels[r] = (float)(r * 3 % OUT);
    Tensor *y = tensor_from_data(labels, (int[]){ B }, 1);
    Flat p = flatten_parameters(m, false);

    optimizer_zero_grad(opt);
    Tensor *value = loss_forward(loss, model_forward(m, x), y);
    float cpu_loss = tensor_item(value);
    loss_backward(value);
    Flat g = flatten_parameters(m, true);
    optimizer_step(opt);
    Flat updated = flatten_parameters(m, false);

    float *dp = upload(p.host, p.total), *dg = device_zeros(p.total);
    float *dm = device_zeros(p.total), *dv = device_zeros(p.total);
    float *dx = upload(tensor_cdata(x), B * IN), *dt = upload(labels, B);
    float *dh = device_zeros(B * H), *dlogits = device_zeros(B * OUT);
    float *dprob = device_zeros(B * OUT), *dloss = device_zeros(1), *dgh = device_zeros(B * H);
    float *w1 = dp + p.offset[0], *b1 = dp + p.offset[1];
    float *w2 = dp + p.offset[2], *b2 = dp + p.offset[3];
    int status = cuda->linear_forward(dx, w1, b1, dh, B, IN, H, 1) |
                 cuda->linear_forward(dh, w2, b2, dlogits, B, H, OUT, 0) |
                 cuda->softmax_ce_forward(dlogits, dt, dprob, dloss, B, OUT) |
                 cuda->softmax_ce_backward(dprob, dt, B, OUT) |
                 cuda->linear_backward(dh, w2, dprob, dg + g.offset[2], dg + g.offset[3], dgh, B, H,
                                       OUT, 0) |
                 cuda->relu_backward(dh, dgh, B * H) |
                 cuda->linear_backward(dx, w1, dgh, dg + g.offset[0], dg + g.offset[1], NULL, B,
                                       IN, H, 0);
    if (status != 0)
        printf("# %s\n", cuda->last_error());
    ok(status == 0 && cuda->synchronize() == 0, "a training step's operations run");
    is_near(device_diff(dloss, &cpu_loss, 1, true), 0, 1e-5, "softmax-CE: the CPU's loss (%g)",
            cpu_loss);
    is_near(device_diff(dprob, tensor_cdata(loss_input_grad(loss)), B * OUT, true), 0, 1e-5,
            "softmax-CE backward: the CPU's dL/dlogits");
    const char *names[4] = { "dW1", "db1", "dW2", "db2" };
    for (int i = 0; i < 4; i++) {
        size_t n = (i + 1 < 4 ? g.offset[i + 1] : g.total) - g.offset[i];
        double d = device_diff(dg + g.offset[i], g.host + g.offset[i], n, false);
        ok(d <= 1e-5, "linear backward: %s as the CPU's within %.2g", names[i], d);
    }
    CnbAdamScalars s = cnb_adam_scalars(0.01, 0.9, 0.999, 1e-8, 0, 1);
    ok(cuda->adam_update(dp, dg, dm, dv, p.total, &s) == 0, "Adam: one kernel over %zu parameters",
       p.total);
    double d = device_diff(dp, updated.host, p.total, true);
    ok(d <= 1e-5, "Adam: the CPU's parameters after the step within %.2g", d);

    float *ptrs[] = { dp, dg, dm, dv, dx, dt, dh, dlogits, dprob, dloss, dgh };
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++)
        cuda->release(ptrs[i]);
    free(p.host), free(g.host), free(updated.host);
    tensor_free(x), tensor_free(y);
    loss_free(loss), optimizer_free(opt), model_free(m);
}

/* Each activation on 5,000 values (-8 to 8): forward into another block,
 * backward in place, against the runtime's activation_forward/backward.
 * The device's expf and tanhf are within 2 ulp of glibc's, not the same
 * bits: 1e-6 relative, per element. */
static void test_activations(void)
{
    enum { N = 5000 };
    const char *names[] = { "", "relu", "sigmoid", "tanh" };
    Tensor *x = random_tensor(1, N, 8.0f, 0.05f), *g = random_tensor(1, N, 1.0f, 0.0f);
    float *y = malloc(N * sizeof *y), *dg = malloc(N * sizeof *dg);
    for (int act = CNB_ACTIVATION_RELU; act <= CNB_ACTIVATION_TANH; act++) {
        activation_forward((Activation)act, tensor_cdata(x), y, N);
        memcpy(dg, tensor_cdata(g), N * sizeof *dg);
        activation_backward((Activation)act, y, dg, N);
        float *dx = upload(tensor_cdata(x), N), *dy = device_zeros(N);
        float *dgrad = upload(tensor_cdata(g), N);
        int status = cuda->activation_forward(act, dx, dy, N) |
                     cuda->activation_backward(act, dy, dgrad, N);
        if (status != 0)
            printf("# %s\n", cuda->last_error());
        double fy = device_diff(dy, y, N, true), fg = device_diff(dgrad, dg, N, true);
        ok(status == 0 && fy <= 1e-6 && fg <= 1e-6, "%s forward and backward: the CPU's within "
           "%.2g and %.2g", names[act], fy, fg);
        cuda->release(dx), cuda->release(dy), cuda->release(dgrad);
    }
    free(y), free(dg);
    tensor_free(x), tensor_free(g);
}

/* Dropout with the uniforms the CPU's dropout_forward draws (the same
 * seed): the same output, mask and gradient, bit for bit (one product). */
static void test_dropout(void)
{
    enum { R = 64, C = 300, N = R * C };
    Layer *d = dropout(0.4f);
    Tensor *x = random_tensor(R, C, 1.0f, 0.0f), *out = tensor(R, C);
    Tensor *g = random_tensor(R, C, 1.0f, 0.0f);
    float *u = malloc(N * sizeof *u);
    float *dx = upload(tensor_cdata(x), N), *dg = upload(tensor_cdata(g), N);
    manual_seed(21);
    dropout_forward(d, x, out, true);
    dropout_backward(d, g);
    manual_seed(21);
    generator_fill_uniform(NULL, u, N, 0.0f, 1.0f);
    float *dmask = upload(u, N);
    int status = cuda->dropout_forward(dx, dmask, dx, N, 0.4f);   /* in place, as a model */
    if (status != 0)
        printf("# %s\n", cuda->last_error());
    ok(status == 0 && device_diff(dx, tensor_cdata(out), N, true) == 0 &&
       device_diff(dmask, tensor_cdata(d->mask), N, true) == 0,
       "dropout forward from the host's uniforms: the CPU's output and mask bit for bit");
    status = cuda->dropout_backward(dmask, dg, N);
    ok(status == 0 && device_diff(dg, tensor_cdata(g), N, true) == 0,
       "dropout backward: the CPU's gradient bit for bit");
    cuda->release(dx), cuda->release(dg), cuda->release(dmask);
    free(u);
    tensor_free(x), tensor_free(out), tensor_free(g);
    layer_free(d);
}

/* Two SGD steps of a small model on the CPU, and sgd_update over its
 * flat buffer with the same gradients: the same parameters. */
static double sgd_on_both(SgdOptions o)
{
    enum { B = 12, IN = 20, OUT = 5 };
    manual_seed(13);
    Model *m = sequential(linear(IN, 16), tanh_layer(), linear(16, OUT));
    Optimizer *opt = sgd_new(m, o);
    Loss *loss = cross_entropy_loss();
    Tensor *x = random_tensor(B, IN, 1.0f, 0.0f);
    float labels[B];
    for (int r = 0; r < B; r++)
        labels[r] = (float)(r % OUT);
    Tensor *y = tensor_from_data(labels, (int[]){ B }, 1);
    Flat p = flatten_parameters(m, false);
    float *dp = upload(p.host, p.total), *dbuf = device_zeros(p.total), *dg = NULL;
    int status = 0;
    for (int step = 0; step < 2; step++) {
        optimizer_zero_grad(opt);
        loss_backward(loss_forward(loss, model_forward(m, x), y));
        Flat g = flatten_parameters(m, true);
        optimizer_step(opt);
        cuda->release(dg);
        dg = upload(g.host, g.total);
        CnbSgdScalars s = { (float)o.lr, (float)o.weight_decay, (float)o.momentum,
                            (float)(1.0 - o.dampening), o.nesterov, step == 0 };
        status |= cuda->sgd_update(dp, dg, o.momentum != 0 ? dbuf : NULL, p.total, &s);
        free(g.host);
    }
    if (status != 0)
        printf("# %s\n", cuda->last_error());
    Flat want = flatten_parameters(m, false);
    double d = status == 0 ? device_diff(dp, want.host, p.total, true) : INFINITY;
    cuda->release(dp), cuda->release(dbuf), cuda->release(dg);
    free(p.host), free(want.host);
    tensor_free(x), tensor_free(y);
    loss_free(loss), optimizer_free(opt), model_free(m);
    return d;
}

static void test_sgd(void)
{
    double d = sgd_on_both((SgdOptions){ .lr = 0.1 });
    ok(d <= 1e-6, "SGD: one kernel, 2 plain steps: the CPU's parameters within %.2g", d);
    d = sgd_on_both((SgdOptions){ .lr = 0.1, .momentum = 0.9, .weight_decay = 0.01,
                                  .nesterov = true });
    ok(d <= 1e-6, "SGD with Nesterov momentum and weight decay: 2 steps within %.2g", d);
    d = sgd_on_both((SgdOptions){ .lr = 0.05, .momentum = 0.9, .dampening = 0.2 });
    ok(d <= 1e-6, "SGD with momentum and dampening: 2 steps within %.2g", d);
}

/* TF32 on: the products are near the float32 ones, not the same; off
 * again: the float32 results bit for bit. */
static void test_tf32(void)
{
    enum { R = 64, IN = 256, OUT = 128 };
    Tensor *x = random_tensor(R, IN, 1.0f, 0.0f), *w = random_tensor(OUT, IN, 0.1f, 0.0f);
    float bias[OUT] = { 0 }, *first = malloc(R * OUT * sizeof *first);
    float *dx = upload(tensor_cdata(x), R * IN), *dw = upload(tensor_cdata(w), OUT * IN);
    float *db = upload(bias, OUT), *dy = device_zeros(R * OUT);
    cuda->linear_forward(dx, dw, db, dy, R, IN, OUT, 0);
    cuda->to_host(first, dy, R * OUT * sizeof *first);
    ok(cuda->set_tf32(1) == 0 && cuda->linear_forward(dx, dw, db, dy, R, IN, OUT, 0) == 0,
       "set_tf32(1): a product with TF32");
    double d = device_diff(dy, first, R * OUT, false);
    ok(d <= 1e-2, "TF32 products within 1e-2 of float32 (%.2g)", d);
    cuda->set_tf32(0);
    cuda->linear_forward(dx, dw, db, dy, R, IN, OUT, 0);
    is_near(device_diff(dy, first, R * OUT, true), 0, 0, "TF32 off again: float32 bit for bit");
    cuda->release(dx), cuda->release(dw), cuda->release(db), cuda->release(dy);
    free(first);
    tensor_free(x), tensor_free(w);
}

static void test_predictions(void)
{
    enum { R = 300, C = 10 };
    Tensor *x = random_tensor(R, C, 3.0f, 0.3f);   /* zeros: ties */
    float labels[R];
    for (int r = 0; r < R; r++)
        labels[r] = (float)(r % C);
    labels[7] = 12;               /* not a class: the confusion kernel's last count */
    Tensor *t = tensor_from_data(labels, (int[]){ R }, 1);
    int predicted[R], want[R];
    argmax_rows(x, want);
    float *dx = upload(tensor_cdata(x), R * C), *dt = upload(labels, R);
    int *dpred = (int *)device_zeros(R), *dcount = (int *)device_zeros(1);
    int *dconf = (int *)device_zeros(C * C + 1);
    cuda->argmax(dx, dpred, R, C);
    cuda->to_host(predicted, dpred, sizeof predicted);
    ok(memcmp(predicted, want, sizeof want) == 0, "argmax: the CPU's for %d rows with ties", R);
    int count = -1, counts[C * C + 1];
    cuda->count_correct(dx, dt, dcount, R, C);
    cuda->to_host(&count, dcount, sizeof count);
    is_int(count, count_correct(x, t), "correct count: the CPU's");
    cuda->confusion(dx, dt, dconf, R, C);
    cuda->to_host(counts, dconf, sizeof counts);
    labels[7] = 0;
    Tensor *valid = tensor_from_data(labels, (int[]){ R }, 1), *matrix = confusion_matrix_new(C);
    confusion_matrix_add(matrix, x, valid);
    float *want_counts = tensor_data(matrix);
    want_counts[0 * C + want[7]] -= 1;   /* row 7 went to the last count instead */
    int same = 0;
    for (int i = 0; i < C * C; i++)
        same += counts[i] == (int)want_counts[i];
    ok(same == C * C && counts[C * C] == 1, "confusion counts: the CPU's, and 1 bad target");
    cuda->release(dx), cuda->release(dt), cuda->release(dpred), cuda->release(dcount);
    cuda->release(dconf);
    tensor_free(x), tensor_free(t), tensor_free(valid), tensor_free(matrix);
}

static void test_errors(void)
{
    void *huge = NULL;
    ok(cuda->alloc(&huge, (size_t)1 << 55) < 0 && strstr(cuda->last_error(), "cudaMalloc"),
       "an impossible allocation fails, naming cudaMalloc: %s", cuda->last_error());
    Tensor *t = tensor(4);
    ok(tensor_to(t, CUDA) == t, "and the device works on afterwards");
    tensor_free(t);
}

int main(void)
{
    choose_plugin();
    srand(5);
    cuda = cuda_plugin();
    if (!cuda) {
        printf("# %s\n", cuda_unavailable_reason());
        for (int i = 0; i < CHECKS; i++)
            skip("no GPU here: the CUDA operations cannot run");
        return tap_done();
    }
    printf("# device: %s\n", cuda_get_device_name());
    test_linear_forward(64, 784, 256, true);
    test_linear_forward(64, 128, 64, true);
    test_linear_forward(37, 50, 10, false);
    test_linear_forward(1000, 64, 10, false);
    test_training_step();
    test_activations();
    test_dropout();
    test_sgd();
    test_tf32();
    test_predictions();
    test_errors();
    return tap_done();
}

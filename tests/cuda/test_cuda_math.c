// SPDX-License-Identifier: BSD-3-Clause
/* The per-element math of the CUDA kernels (the headers runtime/cuda/..._math.cuh), run
 * on the host the way the kernels run it (a parameter, a row, a pixel at a
 * time) and compared with what the CPU runtime's whole operations give on
 * the same inputs: Adam, SGD, softmax + cross-entropy forward and
 * backward, argmax and correct counts, the activations, dropout,
 * to_tensor/normalize, the rotation's sampling, a batch's pixel made on
 * the device from the dataset's bytes.
 * This runs on every machine; what it leaves to a GPU run is indexing and
 * launch configuration. */
#include "cnb.h"
#include "tap.h"

#include "cuda/activation_math.cuh"
#include "cuda/adam_math.cuh"
#include "cuda/argmax_math.cuh"
#include "cuda/batch_math.cuh"
#include "cuda/dropout_math.cuh"
#include "cuda/normalize_math.cuh"
#include "cuda/rotation_math.cuh"
#include "cuda/sgd_math.cuh"
#include "cuda/softmax_ce_math.cuh"
#include "data/dataloader_device.h"
#include "data/transform_impl.h"
#include "nn/layer.h"

#include <limits.h>
#include <stdlib.h>

/* Relative difference, with an absolute floor for values near 0. */
static double rel_diff(double got, double want)
{
    return fabs(got - want) / fmax(fabs(want), 1e-6);
}

static Tensor *random_tensor(const int *shape, int ndim, float scale)
{
    Tensor *t = tensor_new(shape, ndim);
    float *p = tensor_data(t);
    for (size_t i = 0; i < tensor_numel(t); i++)
        p[i] = scale * (2.0f * (float)rand() / (float)RAND_MAX - 1.0f);
    return t;
}

/* Three Adam steps of a small model (weight decay on, so both forms of the
 * gradient run), each parameter updated again by cnb_adam_element from its
 * value and gradient before the step. */
static void test_adam(void)
{
    manual_seed(3);
    Model *m = sequential(linear(6, 5), relu(), linear(5, 3));
    Optimizer *opt = adam(m, .lr = 0.01, .weight_decay = 0.05);
    Loss *loss = cross_entropy_loss();
    Tensor *x = random_tensor((int[]){ 8, 6 }, 2, 2.0f);
    Tensor *y = tensor_from_data((float[]){ 0, 1, 2, 0, 1, 2, 2, 1 }, (int[]){ 8 }, 1);
    size_t n = model_parameter_count(m);
    float *p = malloc(n * sizeof *p), *g = malloc(n * sizeof *g);
    float *mom = calloc(n, sizeof *mom), *var = calloc(n, sizeof *var);
    double worst = 0;
    for (long step = 1; step <= 3; step++) {
        optimizer_zero_grad(opt);
        loss_backward(loss_forward(loss, model_forward(m, x), y));
        size_t at = 0;
        for (int t = 0; t < model_parameter_tensors(m); t++) {
            Tensor *w = model_parameter(m, t, NULL), *dw = model_gradient(m, t);
            memcpy(p + at, tensor_cdata(w), tensor_numel(w) * sizeof *p);
            memcpy(g + at, tensor_cdata(dw), tensor_numel(w) * sizeof *g);
            at += tensor_numel(w);
        }
        optimizer_step(opt);
        CnbAdamScalars s = cnb_adam_scalars(0.01, 0.9, 0.999, 1e-8, 0.05, step);
        for (size_t i = 0; i < n; i++)
            cnb_adam_element(&p[i], &mom[i], &var[i], cnb_adam_decayed(g[i], p[i], 0.05f), &s);
        at = 0;
        for (int t = 0; t < model_parameter_tensors(m); t++) {
            const float *w = tensor_cdata(model_parameter(m, t, NULL));
            for (size_t i = 0; i < tensor_numel(model_parameter(m, t, NULL)); i++, at++)
                worst = fmax(worst, rel_diff(p[at], w[i]));
        }
    }
    ok(worst <= 1e-5, "Adam: 3 steps per element as the runtime's (%zu parameters, worst "
       "relative difference %.2g)", n, worst);
    free(p), free(g), free(mom), free(var);
    tensor_free(x), tensor_free(y);
    loss_free(loss), optimizer_free(opt), model_free(m);
}

/* The model's parameters and gradients, flat, in state_dict order. */
static void gather(Model *m, float *p, float *g)
{
    size_t at = 0;
    for (int t = 0; t < model_parameter_tensors(m); t++) {
        Tensor *w = model_parameter(m, t, NULL);
        memcpy(p + at, tensor_cdata(w), tensor_numel(w) * sizeof *p);
        if (g)
            memcpy(g + at, tensor_cdata(model_gradient(m, t)), tensor_numel(w) * sizeof *g);
        at += tensor_numel(w);
    }
}

/* Three SGD steps of a small model with the options o, each parameter
 * updated again by sgd_math.cuh from its value and gradient before the
 * step; the worst relative difference. */
static double sgd_steps(SgdOptions o)
{
    manual_seed(4);
    Model *m = sequential(linear(6, 5), tanh_layer(), linear(5, 3));
    Optimizer *opt = sgd_new(m, o);
    Loss *loss = cross_entropy_loss();
    Tensor *x = random_tensor((int[]){ 8, 6 }, 2, 2.0f);
    Tensor *y = tensor_from_data((float[]){ 0, 1, 2, 0, 1, 2, 2, 1 }, (int[]){ 8 }, 1);
    size_t n = model_parameter_count(m);
    float *p = malloc(n * sizeof *p), *g = malloc(n * sizeof *g), *want = malloc(n * sizeof *want);
    float *buf = calloc(n, sizeof *buf);
    double worst = 0;
    for (int step = 0; step < 3; step++) {
        optimizer_zero_grad(opt);
        loss_backward(loss_forward(loss, model_forward(m, x), y));
        gather(m, p, g);
        optimizer_step(opt);
        CnbSgdScalars s = { (float)o.lr, (float)o.weight_decay, (float)o.momentum,
                            (float)(1.0 - o.dampening), o.nesterov, step == 0 };
        for (size_t i = 0; i < n; i++)
            if (o.momentum != 0)
                cnb_sgd_momentum_element(&p[i], &buf[i], g[i], &s);
            else
                cnb_sgd_element(&p[i], g[i], &s);
        gather(m, want, NULL);
        for (size_t i = 0; i < n; i++)
            worst = fmax(worst, rel_diff(p[i], want[i]));
    }
    free(p), free(g), free(want), free(buf);
    tensor_free(x), tensor_free(y);
    loss_free(loss), optimizer_free(opt), model_free(m);
    return worst;
}

static void test_sgd(void)
{
    double d = sgd_steps((SgdOptions){ .lr = 0.1 });
    ok(d <= 1e-6, "SGD: 3 plain steps per element as the runtime's (worst %.2g)", d);
    d = sgd_steps((SgdOptions){ .lr = 0.1, .momentum = 0.9, .dampening = 0.1,
                               .weight_decay = 0.05 });
    ok(d <= 1e-6, "SGD: 3 steps with momentum, dampening, weight decay (worst %.2g)", d);
    d = sgd_steps((SgdOptions){ .lr = 0.1, .momentum = 0.8, .nesterov = true,
                               .weight_decay = 0.01 });
    ok(d <= 1e-6, "SGD: 3 Nesterov steps with weight decay (worst %.2g)", d);
}

/* Each activation per element against the runtime's activation_forward /
 * activation_backward, over inputs from -30 to 30 (sigmoid's two branches,
 * tanh's saturation), NaN and the infinities, bit for bit. */
static void test_activations(void)
{
    enum { N = 1203 };
    float x[N], y[N], g[N], want_g[N];
    for (int i = 0; i < N - 3; i++)
        x[i] = -30.0f + 60.0f * (float)i / (float)(N - 4);
    x[N - 3] = NAN, x[N - 2] = INFINITY, x[N - 1] = -INFINITY;
    const char *names[] = { "", "relu", "sigmoid", "tanh" };
    for (int act = CNB_ACTIVATION_RELU; act <= CNB_ACTIVATION_TANH; act++) {
        activation_forward((Activation)act, x, y, N);
        for (int i = 0; i < N; i++)
            want_g[i] = g[i] = (float)rand() / (float)RAND_MAX - 0.5f;
        activation_backward((Activation)act, y, want_g, N);
        int same_y = 0, same_g = 0;
        for (int i = 0; i < N; i++) {
            float yi = cnb_activation(act, x[i]), gi = cnb_activation_grad(act, y[i], g[i]);
            same_y += memcmp(&yi, &y[i], sizeof yi) == 0;
            same_g += memcmp(&gi, &want_g[i], sizeof gi) == 0;
        }
        ok(same_y == N && same_g == N, "%s per element: the runtime's forward (%d/%d) and "
           "backward (%d/%d) bit for bit", names[act], same_y, N, same_g, N);
    }
}

/* Dropout: uniforms drawn from a seeded default generator, as libcnb
 * draws them for the device, give the runtime's mask and output; backward
 * scales by the same factors. */
static void test_dropout(void)
{
    enum { N = 4000 };
    float ps[] = { 0.0f, 0.3f, 1.0f };
    for (int k = 0; k < 3; k++) {
        Layer *d = dropout(ps[k]);
        Tensor *in = random_tensor((int[]){ 40, 100 }, 2, 1.0f), *out = tensor(40, 100);
        Tensor *grad = random_tensor((int[]){ 40, 100 }, 2, 1.0f);
        float u[N], g[N];
        memcpy(g, tensor_cdata(grad), sizeof g);
        manual_seed(9);
        dropout_forward(d, in, out, true);
        dropout_backward(d, grad);
        manual_seed(9);
        generator_fill_uniform(NULL, u, N, 0.0f, 1.0f);
        float scale = cnb_dropout_scale(ps[k]);
        int same = 0, dropped = 0;
        for (int i = 0; i < N; i++) {
            float f = cnb_dropout_factor(u[i], ps[k], scale);
            float yi = tensor_cdata(in)[i] * f, gi = g[i] * f;
            dropped += f == 0.0f;
            same += memcmp(&yi, &tensor_cdata(out)[i], sizeof yi) == 0 &&
                    memcmp(&gi, &tensor_cdata(grad)[i], sizeof gi) == 0;
        }
        ok(same == N, "dropout p=%g per element: the runtime's output and gradient bit for "
           "bit (%d of %d dropped)", (double)ps[k], dropped, N);
        tensor_free(in), tensor_free(out), tensor_free(grad);
        layer_free(d);
    }
}

/* Softmax-CE by rows against loss_forward / loss_backward, with logits
 * large enough to need the log-sum-exp. */
static void test_softmax_ce(void)
{
    enum { ROWS = 37, CLASSES = 10 };
    Tensor *x = random_tensor((int[]){ ROWS, CLASSES }, 2, 30.0f);
    float labels[ROWS], p[ROWS * CLASSES];
    for (int r = 0; r < ROWS; r++)
        labels[r] = (float)(r * 7 % CLASSES);
    Tensor *y = tensor_from_data(labels, (int[]){ ROWS }, 1);
    Model *identity = sequential(flatten());
    Loss *loss = cross_entropy_loss();
    Tensor *value = loss_forward(loss, model_forward(identity, x), y);
    double total = 0;
    for (int r = 0; r < ROWS; r++)
        total += cnb_softmax_ce_row(tensor_cdata(x) + r * CLASSES, p + r * CLASSES, CLASSES,
                                    (int)labels[r]);
    is_near(total / ROWS, tensor_item(value), 1e-5 * fabs(tensor_item(value)),
            "softmax-CE forward by rows: the runtime's mean loss");
    loss_backward(value);
    const float *grad = tensor_cdata(loss_input_grad(loss));
    double worst = 0;
    for (int r = 0; r < ROWS; r++) {
        cnb_softmax_ce_backward_row(p + r * CLASSES, CLASSES, (int)labels[r], 1.0f / ROWS);
        for (int c = 0; c < CLASSES; c++)
            worst = fmax(worst, fabs(p[r * CLASSES + c] - grad[r * CLASSES + c]));
    }
    ok(worst <= 1e-7, "softmax-CE backward by rows: the runtime's dL/dlogits (worst %.2g)",
       worst);
    float row[3] = { 1, 2, 3 };
    double in_place = cnb_softmax_ce_row(row, row, 3, 2);
    is_near(in_place, 0.40760596, 1e-6, "softmax-CE in place (the kernel's form): the loss");
    ok(cnb_is_class_index(2, 3) && !cnb_is_class_index(3, 3) && !cnb_is_class_index(1.5f, 3) &&
       !cnb_is_class_index(-1, 3) && !cnb_is_class_index(NAN, 3), "class index checks");
    tensor_free(x), tensor_free(y), loss_free(loss), model_free(identity);
}

static void test_argmax(void)
{
    enum { ROWS = 6, CLASSES = 4 };
    float v[ROWS * CLASSES] = { 1, 3, 3, 0,   NAN, 1, 2, 0,   -1, -2, -3, -4,
                                0, 0, 0, 0,   5, NAN, 7, 7,   -INFINITY, -5, 1e30f, INFINITY };
    Tensor *x = tensor_from_data(v, (int[]){ ROWS, CLASSES }, 2);
    int predicted[ROWS], same = 0;
    argmax_rows(x, predicted);
    for (int r = 0; r < ROWS; r++)
        same += cnb_argmax_row(v + r * CLASSES, CLASSES) == predicted[r];
    is_int(same, ROWS, "argmax by rows: the runtime's (ties, NaN, infinities)");
    Tensor *t = tensor_from_data((float[]){ 1, 2, 0, 0, 2, 3 }, (int[]){ ROWS }, 1);
    int correct = 0;
    for (int r = 0; r < ROWS; r++)
        correct += cnb_argmax_row(v + r * CLASSES, CLASSES) == (int)tensor_get(t, r);
    is_int(correct, count_correct(x, t), "correct count by rows: the runtime's");
    tensor_free(x), tensor_free(t);
}

static void test_normalize(void)
{
    Tensor *image = tensor(1, 28, 28);
    float *px = tensor_data(image), raw[784];
    for (int i = 0; i < 784; i++)
        raw[i] = px[i] = (float)(i * 37 % 256);
    Transform *t = compose(to_tensor(), normalize(0.1307f, 0.3081f));
    transform_apply(t, image);
    int differ = 0;
    for (int i = 0; i < 784; i++)
        differ += cnb_shift_divide(cnb_shift_divide(raw[i], 0.0f, 255.0f), 0.1307f, 0.3081f) !=
                  tensor_get(image, 0, i / 28, i % 28);
    is_int(differ, 0, "to_tensor + normalize per pixel: the runtime's, bit for bit");
    transform_free(t);
    tensor_free(image);
}

/* PIL's Geometry.c affine_fixed as PIL writes it (stepping by additions):
 * the reference the per-pixel form must reproduce. */
static void pil_affine_fixed(const float *in, float *out, int height, int width, const int a[6])
{
    int a2 = a[2], a5 = a[5];
    for (int y = 0; y < height; y++) {
        int xx = a2, yy = a5;
        for (int x = 0; x < width; x++) {
            int xin = xx >> 16, yin = yy >> 16;
            out[y * width + x] = xin >= 0 && xin < width && yin >= 0 && yin < height
                               ? in[yin * width + xin] : 0.0f;
            xx += a[0];
            yy += a[3];
        }
        a2 += a[1];
        a5 += a[4];
    }
}

/* Every pixel of images of three shapes at 1,000 angles (and the exact
 * multiples of 90): the per-pixel source as the GPU computes it, against
 * PIL's stepping and against the runtime's rotate_nearest. */
static void test_rotation(void)
{
    const int sizes[3][2] = { { 28, 28 }, { 17, 23 }, { 300, 200 } };
    for (int k = 0; k < 3; k++) {
        int h = sizes[k][0], w = sizes[k][1], plane = h * w;
        float *in = malloc(plane * sizeof *in), *pixel = malloc(plane * sizeof *in);
        float *pil = malloc(plane * sizeof *in), *runtime = malloc(plane * sizeof *in);
        for (int i = 0; i < plane; i++)
            in[i] = (float)(i % 251 + 1);
        int angles = 0, vs_pil = 0, vs_runtime = 0, not_fixed = 0;
        for (int j = -500; j <= 504; j++) {
            double angle = j <= 500 ? j * 0.3607 : (j - 501) * 90.0;
            CnbRotation plan;
            double a[6];
            rotation_plan(angle, w, h, &plan, a);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int from = cnb_rotation_source(&plan, x, y, w, h);
                    pixel[y * w + x] = from >= 0 ? in[from] : 0.0f;
                }
            rotate_nearest(in, runtime, 1, h, w, angle);
            vs_runtime += memcmp(pixel, runtime, plane * sizeof *in) != 0;
            if (plan.kind == CNB_ROTATE_FIXED) {
                pil_affine_fixed(in, pil, h, w, plan.a);
                vs_pil += memcmp(pixel, pil, plane * sizeof *in) != 0;
            } else {
                not_fixed++;
            }
            angles++;
        }
        is_int(vs_pil, 0, "rotation %dx%d: per pixel as PIL's stepping at %d angles", h, w,
               angles - not_fixed);
        is_int(vs_runtime, 0, "rotation %dx%d: per pixel as rotate_nearest at %d angles", h, w,
               angles);
        free(in), free(pixel), free(pil), free(runtime);
    }
}

/* A dataset of random bytes, as the device loader sees MNIST. */
typedef struct ByteDataset {
    Dataset base;
    uint8_t *items, labels[4];
} ByteDataset;

static size_t bytes_len(const Dataset *d) { (void)d; return 4; }
static int bytes_get_raw(const Dataset *d, size_t index, float *out, int *label)
{
    const ByteDataset *b = (const ByteDataset *)d;
    for (size_t i = 0; i < d->item_numel; i++)
        out[i] = (float)b->items[index * d->item_numel + i];
    *label = b->labels[index];
    return 0;
}
static const uint8_t *bytes_raw(const Dataset *d, const uint8_t **labels)
{
    *labels = ((const ByteDataset *)d)->labels;
    return ((const ByteDataset *)d)->items;
}
static void bytes_destroy(Dataset *d) { (void)d; }
static const DatasetOps byte_ops = { .kind = "Bytes", .len = bytes_len,
    .get_raw = bytes_get_raw, .destroy = bytes_destroy, .raw_bytes = bytes_raw };

/* Every pixel of item 2 through the flattened steps and the plans, against
 * the CPU's transform of the same bytes with the same drawn numbers. */
static int batch_pixels_differ(ByteDataset *b, Transform *t)
{
    DeviceBatches device = { 0 };
    if (!device_batches_possible(&device, &b->base, t))
        return -1;
    const CnbBatchSteps *s = &device.steps;
    float params[8], out[4096];
    transform_draw(t, params);
    CnbRotation plans[8];
    double unused[6];
    for (int r = 0; r < s->rotations; r++)
        rotation_plan(params[r], s->width, s->height, &plans[r], unused);
    int label;
    bytes_get_raw(&b->base, 2, out, &label);
    transform_apply_drawn(t, out, b->base.shape, b->base.ndim, params);
    const uint8_t *item = b->items + 2 * b->base.item_numel;
    int differ = 0, at = 0;
    for (int c = 0; c < s->channels; c++)
        for (int y = 0; y < s->height; y++)
            for (int x = 0; x < s->width; x++, at++) {
                float v = cnb_batch_pixel(item, s, plans, c, y, x);
                differ += memcmp(&v, &out[at], sizeof v) != 0;
            }
    return differ;
}

static void test_batch_pixel(void)
{
    static const int shapes[3][3] = { { 1, 28, 28 }, { 3, 5, 7 }, { 13, 9, 0 } };
    for (int k = 0; k < 3; k++) {
        ByteDataset b = { 0 };
        int ndim = shapes[k][2] ? 3 : 2;
        dataset_init(&b.base, &byte_ops, shapes[k], ndim);
        b.items = malloc(4 * b.base.item_numel);
        for (size_t i = 0; i < 4 * b.base.item_numel; i++)
            b.items[i] = (uint8_t)(rand() % 256);
        Transform *chains[4] = {
            compose(to_tensor(), random_rotation(30), normalize(0.1307f, 0.3081f)),
            compose(random_rotation(180), to_tensor(), random_rotation(45),
                    normalize(0.5f, 0.25f)),
            normalize(3.0f, 7.0f),
            NULL,
        };
        int worst = 0;
        for (int c = 0; c < 4; c++)
            for (int trial = 0; trial < 50; trial++) {
                int differ = batch_pixels_differ(&b, chains[c]);
                if (differ < 0)             /* the steps could not be made */
                    differ = INT_MAX;
                if (differ > worst)
                    worst = differ;
            }
        is_int(worst, 0, "a batch's pixels from bytes, [%d,%d%s%.0d]: the CPU loader's, bit for "
               "bit (4 transforms x 50 draws)", shapes[k][0], shapes[k][1], ndim == 3 ? "," : "",
               shapes[k][2]);
        for (int c = 0; c < 4; c++)
            transform_free(chains[c]);
        free(b.items);
    }
    ByteDataset big = { 0 };
    dataset_init(&big.base, &byte_ops, (int[]){ 1, 9000, 10 }, 3);
    DeviceBatches device = { 0 };
    ok(!device_batches_possible(&device, &big.base, NULL),
       "images over 8192 pixels a side are made on the cpu");
    Transform *many[17];
    for (int i = 0; i < 17; i++)
        many[i] = normalize(0.0f, 1.0f);
    Transform *long_chain = compose_array(many, 17);
    ByteDataset small = { 0 };
    dataset_init(&small.base, &byte_ops, (int[]){ 1, 4, 4 }, 3);
    ok(!device_batches_possible(&device, &small.base, long_chain),
       "a transform of more than %d steps is made on the cpu", CNB_BATCH_MAX_STEPS);
    transform_free(long_chain);
}

int main(void)
{
    srand(7);
    test_adam();
    test_sgd();
    test_softmax_ce();
    test_argmax();
    test_activations();
    test_dropout();
    test_normalize();
    test_rotation();
    test_batch_pixel();
    return tap_done();
}

// SPDX-License-Identifier: BSD-3-Clause
/* Parity with PyTorch (llm.c style): the reference values in reference/
 * come from make_reference.py running torch 1.13 on the same seeds, batch
 * and options.  Initial weights must match bit for bit (same generator,
 * same formulas); computed values within float tolerance. */
#include "cnb.h"
#include "tap.h"
#include "core/reference.h"

static Model *lesson_mlp(void)
{
    return sequential(flatten(), linear(28 * 28, 256), relu(), linear(256, 128), relu(),
                      linear(128, 64), relu(), linear(64, 10));
}

static Model *small_mlp(void)
{
    return sequential(flatten(), linear(16, 12), relu(), linear(12, 10), tanh_layer(),
                      linear(10, 8), sigmoid(), linear(8, 5));
}

static Tensor *ref_tensor(const Reference *ref, const char *name)
{
    const RefTensor *r = ref_get(ref, name);
    if (!r)
        return NULL;
    float *values = malloc((r->numel ? r->numel : 1) * sizeof *values);
    for (size_t i = 0; i < r->numel; i++)
        values[i] = (float)r->values[i];
    Tensor *t = tensor_from_data(values, r->shape, r->ndim);
    free(values);
    return t;
}

/* Compares a big tensor with its summary (ends, stride, sums). */
static void check_summary(const Reference *ref, const char *prefix, const Tensor *t,
                          double tol, double sum_tol, const char *what)
{
    char name[128];
    const float *x = tensor_cdata(t);
    size_t n = tensor_numel(t);
    snprintf(name, sizeof name, "%s.first", prefix);
    double first = ref_max_diff(ref_get(ref, name), x, n < 16 ? n : 16);
    snprintf(name, sizeof name, "%s.last", prefix);
    double last = ref_max_diff(ref_get(ref, name), x + (n > 16 ? n - 16 : 0), n < 16 ? n : 16);
    snprintf(name, sizeof name, "%s.strided", prefix);
    const RefTensor *strided = ref_get(ref, name);
    double worst_stride = strided ? 0 : INFINITY;
    for (size_t i = 0; strided && i < strided->numel; i++)
        worst_stride = fmax(worst_stride, fabs(x[i * 1009] - (float)strided->values[i]));
    double sum = 0, abs_sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
        abs_sum += fabs(x[i]);
    }
    snprintf(name, sizeof name, "%s.sum", prefix);
    const RefTensor *rs = ref_get(ref, name);
    snprintf(name, sizeof name, "%s.abs_sum", prefix);
    const RefTensor *ra = ref_get(ref, name);
    double worst = fmax(fmax(first, last), worst_stride);
    ok(worst <= tol, "%s %s: values within %g (worst %g)", what, prefix, tol, worst);
    ok(rs && ra && fabs(sum - rs->values[0]) <= sum_tol && fabs(abs_sum - ra->values[0]) <= sum_tol,
       "%s %s: sums within %g (%g vs %g, %g vs %g)", what, prefix, sum_tol, sum,
       rs ? rs->values[0] : NAN, abs_sum, ra ? ra->values[0] : NAN);
}

static void test_lesson_init(const Reference *ref)
{
    manual_seed(0);
    Model *model = lesson_mlp();
    float after[4];
    generator_fill_uniform(NULL, after, 4, 0.0f, 1.0f);
    is_near(ref_max_diff(ref_get(ref, "after_init.rand"), after, 4), 0, 0,
            "init consumed exactly as many draws as PyTorch's");
    manual_seed(0);
    model_free(model);
    model = lesson_mlp();
    is_int(model_parameter_tensors(model), 8, "lesson MLP has 8 parameter tensors");
    is_int((long long)model_parameter_count(model), 242762, "lesson MLP has 242762 parameters");
    for (int p = 0; p < model_parameter_tensors(model); p++) {
        const char *name;
        Tensor *t = model_parameter(model, p, &name);
        char key[128];
        snprintf(key, sizeof key, "%s.shape", name);
        const RefTensor *shape = ref_get(ref, key);
        int same = shape && (int)shape->numel == tensor_ndim(t);
        for (int d = 0; same && d < tensor_ndim(t); d++)
            same = tensor_dim(t, d) == (int)shape->values[d];
        ok(same, "%s: name and shape as the state_dict", name);
        check_summary(ref, name, t, 0.0, 1e-3, "init bit-exact");
    }

    /* one training step on a torch.rand batch: the batch comes from the
     * same generator, so it is not stored */
    manual_seed(123);
    Tensor *x = tensor(8, 1, 28, 28);
    generator_fill_uniform(NULL, tensor_data(x), tensor_numel(x), 0.0f, 1.0f);
    Tensor *target = ref_tensor(ref, "step.target");
    Loss *loss = cross_entropy_loss();
    Optimizer *adam = adam(model, .lr = 1e-3);
    optimizer_zero_grad(adam);
    Tensor *logits = model_forward(model, x);
    is_near(ref_max_diff(ref_get(ref, "step.logits"), tensor_cdata(logits), tensor_numel(logits)),
            0, 2e-6, "lesson step: logits");
    Tensor *value = loss_forward(loss, logits, target);
    is_near(tensor_item(value), ref_get(ref, "step.loss")->values[0], 2e-6, "lesson step: loss");
    loss_backward(value);
    for (int p = 0; p < model_parameter_tensors(model); p++) {
        const char *name;
        model_parameter(model, p, &name);
        char key[128];
        snprintf(key, sizeof key, "grad.%s", name);
        check_summary(ref, key, model_gradient(model, p), 1e-6, 1e-3, "lesson step");
    }
    optimizer_step(adam);
    for (int p = 0; p < model_parameter_tensors(model); p++) {
        const char *name;
        Tensor *t = model_parameter(model, p, &name);
        char key[128];
        snprintf(key, sizeof key, "adam1.%s", name);
        check_summary(ref, key, t, 1e-6, 1e-3, "lesson Adam step");
    }
    optimizer_free(adam);
    loss_free(loss);
    tensor_free(x);
    tensor_free(target);
    model_free(model);
}

static void load_init(Model *model, const Reference *ref)
{
    for (int p = 0; p < model_parameter_tensors(model); p++) {
        const char *name;
        Tensor *t = model_parameter(model, p, &name);
        char key[128];
        snprintf(key, sizeof key, "init.%s", name);
        const RefTensor *r = ref_get(ref, key);
        for (size_t i = 0; r && i < r->numel && i < tensor_numel(t); i++)
            tensor_data(t)[i] = (float)r->values[i];
    }
}

static double param_diff(Model *model, const Reference *ref, const char *prefix, bool grads)
{
    double worst = 0;
    for (int p = 0; p < model_parameter_tensors(model); p++) {
        const char *name;
        Tensor *t = model_parameter(model, p, &name);
        if (grads)
            t = model_gradient(model, p);
        char key[160];
        snprintf(key, sizeof key, "%s.%s", prefix, name);
        worst = fmax(worst, ref_max_diff(ref_get(ref, key), tensor_cdata(t), tensor_numel(t)));
    }
    return worst;
}

typedef Optimizer *(*MakeOptimizer)(Model *model);
static Optimizer *make_adam(Model *m) { return adam(m, .lr = 0.01); }
static Optimizer *make_adam_wd(Model *m)
{
    return adam(m, .lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.05);
}
static Optimizer *make_sgd(Model *m) { return sgd(m, .lr = 0.1); }
static Optimizer *make_sgd_momentum(Model *m)
{
    return sgd(m, .lr = 0.1, .momentum = 0.9, .weight_decay = 0.01);
}
static Optimizer *make_sgd_nesterov(Model *m)
{
    return sgd(m, .lr = 0.1, .momentum = 0.9, .nesterov = true);
}
static Optimizer *make_sgd_dampening(Model *m)
{
    return sgd(m, .lr = 0.1, .momentum = 0.5, .dampening = 0.3);
}

static void test_small_steps(const Reference *ref, const char *prefix, MakeOptimizer make)
{
    manual_seed(1);
    Model *model = small_mlp();
    ok(param_diff(model, ref, "init", false) == 0, "%s: small MLP init bit-exact", prefix);
    load_init(model, ref);
    Tensor *x = ref_tensor(ref, "x"), *target = ref_tensor(ref, "target");
    Loss *loss = cross_entropy_loss();
    Optimizer *opt = make(model);
    char key[128];
    for (int step = 1; step <= 3; step++) {
        optimizer_zero_grad(opt);
        Tensor *logits = model_forward(model, x);
        Tensor *value = loss_forward(loss, logits, target);
        loss_backward(value);
        if (step == 1) {
            snprintf(key, sizeof key, "%s.logits", prefix);
            is_near(ref_max_diff(ref_get(ref, key), tensor_cdata(logits), tensor_numel(logits)),
                    0, 1e-6, "%s: logits", prefix);
            snprintf(key, sizeof key, "%s.grad", prefix);
            is_near(param_diff(model, ref, key, true), 0, 1e-6, "%s: all gradients", prefix);
        }
        optimizer_step(opt);
        snprintf(key, sizeof key, "%s.loss%d", prefix, step);
        is_near(tensor_item(value), ref_get(ref, key)->values[0], 2e-6, "%s: loss at step %d",
                prefix, step);
        if (step == 1 || step == 3) {
            snprintf(key, sizeof key, "%s.step%d", prefix, step);
            is_near(param_diff(model, ref, key, false), 0, 2e-6,
                    "%s: all parameters after step %d", prefix, step);
        }
    }
    optimizer_free(opt);
    loss_free(loss);
    tensor_free(x);
    tensor_free(target);
    model_free(model);
}

int main(void)
{
    Reference *lesson = ref_load("nn/reference/lesson_mlp.txt"),
              *small = ref_load("nn/reference/small_mlp.txt");
    ok(lesson && small, "reference files loaded");
    if (!lesson || !small)
        return tap_done();
    test_lesson_init(lesson);
    test_small_steps(small, "adam", make_adam);
    test_small_steps(small, "adam_wd", make_adam_wd);
    test_small_steps(small, "sgd", make_sgd);
    test_small_steps(small, "sgd_momentum", make_sgd_momentum);
    test_small_steps(small, "sgd_nesterov", make_sgd_nesterov);
    test_small_steps(small, "sgd_dampening", make_sgd_dampening);
    ref_free(lesson);
    ref_free(small);
    return tap_done();
}

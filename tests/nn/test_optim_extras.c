// SPDX-License-Identifier: BSD-3-Clause
/* Weight decay in Adam and SGD, and StepLR, against torch.optim: the
 * reference (reference/optim_extras.txt) comes from make_optim_reference.py
 * with torch 1.13, from the same initial weights, batch and options.  The
 * parameters after every step within float tolerance; the lr sequence of
 * StepLR exactly, as the doubles get_last_lr() returns. */
#include "cnb.h"
#include "tap.h"
#include "core/reference.h"

#define STEPS 4

static Tensor *ref_tensor(const Reference *ref, const char *name)
{
    const RefTensor *r = ref_get(ref, name);
    if (!r)
        return NULL;
    float values[64];
    for (size_t i = 0; i < r->numel && i < 64; i++)
        values[i] = (float)r->values[i];
    return tensor_from_data(values, r->shape, r->ndim);
}

/* The reference's Tiny: Sequential(Linear(4, 3)) in self.layers, with its
 * initial weights. */
static Model *tiny_model(const Reference *ref)
{
    Model *model = sequential(linear(4, 3));
    for (int p = 0; model && p < model_parameter_tensors(model); p++) {
        const char *name;
        Tensor *t = model_parameter(model, p, &name);
        char key[128];
        snprintf(key, sizeof key, "init.%s", name);
        const RefTensor *r = ref_get(ref, key);
        for (size_t i = 0; r && i < r->numel && i < tensor_numel(t); i++)
            tensor_data(t)[i] = (float)r->values[i];
    }
    return model;
}

static double param_diff(Model *model, const Reference *ref, const char *prefix, int step)
{
    double worst = 0;
    for (int p = 0; p < model_parameter_tensors(model); p++) {
        const char *name;
        Tensor *t = model_parameter(model, p, &name);
        char key[160];
        snprintf(key, sizeof key, "%s.step%d.%s", prefix, step, name);
        worst = fmax(worst, ref_max_diff(ref_get(ref, key), tensor_cdata(t), tensor_numel(t)));
    }
    return worst;
}

typedef struct Run {
    const char *prefix;
    Optimizer *(*make)(Model *model);
} Run;

static Optimizer *adam_wd(Model *m) { return adam(m, .lr = 0.01, .weight_decay = 0.1); }
static Optimizer *adam_wd_big(Model *m)
{
    return adam(m, .lr = 0.05, .beta1 = 0.5, .beta2 = 0.9, .weight_decay = 2.0);
}
static Optimizer *sgd_wd(Model *m) { return sgd(m, .lr = 0.1, .weight_decay = 0.1); }
static Optimizer *sgd_momentum_wd(Model *m)
{
    return sgd(m, .lr = 0.1, .momentum = 0.9, .weight_decay = 0.05);
}
static Optimizer *sgd_nesterov_wd(Model *m)
{
    return sgd(m, .lr = 0.1, .momentum = 0.9, .nesterov = true, .weight_decay = 0.05);
}
static Optimizer *sgd_dampening_wd(Model *m)
{
    return sgd(m, .lr = 0.1, .momentum = 0.5, .dampening = 0.3, .weight_decay = 0.02);
}
/* The same without weight decay: must be told apart from the references. */
static Optimizer *adam_no_wd(Model *m) { return adam(m, .lr = 0.01); }
static Optimizer *sgd_nesterov_no_wd(Model *m)
{
    return sgd(m, .lr = 0.1, .momentum = 0.9, .nesterov = true);
}

/* Trains steps steps (with a scheduler stepped after each when
 * step_size > 0) and returns the largest parameter difference of any step;
 * lrs gets the scheduler's last lr after each step. */
static double train(const Reference *ref, const char *prefix, Optimizer *(*make)(Model *),
                    int steps, int step_size, double gamma, double *lrs)
{
    Model *model = tiny_model(ref);
    Tensor *x = ref_tensor(ref, "x"), *target = ref_tensor(ref, "target");
    Loss *loss = cross_entropy_loss();
    Optimizer *opt = make(model);
    Scheduler *sched = step_size > 0 ? step_lr(opt, step_size, .gamma = gamma) : NULL;
    double worst = 0;
    for (int step = 1; step <= steps; step++) {
        optimizer_zero_grad(opt);
        loss_backward(loss_forward(loss, model_forward(model, x), target));
        optimizer_step(opt);
        if (sched) {
            scheduler_step(sched);
            lrs[step - 1] = scheduler_last_lr(sched);
        }
        worst = fmax(worst, param_diff(model, ref, prefix, step));
    }
    scheduler_free(sched);
    optimizer_free(opt);
    loss_free(loss);
    tensor_free(x);
    tensor_free(target);
    model_free(model);
    return worst;
}

static void test_weight_decay(const Reference *ref)
{
    static const Run runs[] = {
        { "adam_wd", adam_wd }, { "adam_wd_big", adam_wd_big }, { "sgd_wd", sgd_wd },
        { "sgd_momentum_wd", sgd_momentum_wd }, { "sgd_nesterov_wd", sgd_nesterov_wd },
        { "sgd_dampening_wd", sgd_dampening_wd },
    };
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++)
        is_near(train(ref, runs[i].prefix, runs[i].make, STEPS, 0, 0, NULL), 0, 2e-6,
                "%s: parameters after each of %d steps as torch.optim's", runs[i].prefix, STEPS);
    ok(train(ref, "adam_wd", adam_no_wd, STEPS, 0, 0, NULL) > 1e-4,
       "Adam without weight decay ends elsewhere (the check can fail)");
    ok(train(ref, "sgd_nesterov_wd", sgd_nesterov_no_wd, STEPS, 0, 0, NULL) > 1e-4,
       "Nesterov SGD without weight decay ends elsewhere");
}

static bool same_lrs(const RefTensor *want, const double *got, size_t n)
{
    if (!want || want->numel != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (got[i] != want->values[i]) {
            printf("# lr %zu: %.17g, torch %.17g\n", i, got[i], want->values[i]);
            return false;
        }
    return true;
}

/* StepLR over the epochs with no training: the lr after construction and
 * after each scheduler_step, as the same doubles as torch's. */
static void test_step_lr_sequence(const Reference *ref, const char *prefix, double lr,
                                  int step_size, double gamma, int epochs)
{
    Model *model = sequential(linear(2, 1));
    Optimizer *opt = sgd(model, .lr = lr);
    Scheduler *sched = gamma == 0.1 ? step_lr(opt, step_size)    /* the default gamma */
                                    : step_lr(opt, step_size, .gamma = gamma);
    double lrs[64];
    lrs[0] = scheduler_last_lr(sched);
    for (int e = 1; e <= epochs; e++) {
        scheduler_step(sched);
        lrs[e] = scheduler_last_lr(sched);
    }
    char key[64];
    snprintf(key, sizeof key, "%s.lr", prefix);
    ok(same_lrs(ref_get(ref, key), lrs, (size_t)epochs + 1),
       "%s: StepLR(step_size=%d, gamma=%g) from lr %g: torch's %d lrs exactly", prefix,
       step_size, gamma, lr, epochs + 1);
    ok(optimizer_lr(opt) == lrs[epochs], "%s: the optimizer has the scheduler's last lr", prefix);
    is_int(scheduler_last_epoch(sched), epochs, "%s: last_epoch counts the steps", prefix);
    scheduler_free(sched);
    optimizer_free(opt);
    model_free(model);
}

static Optimizer *adam_for_steplr(Model *m) { return adam(m, .lr = 0.05, .weight_decay = 0.01); }
static Optimizer *sgd_for_steplr(Model *m)
{
    return sgd(m, .lr = 0.2, .momentum = 0.9, .weight_decay = 0.01);
}

static void test_training_with_step_lr(const Reference *ref)
{
    double lrs[6];
    is_near(train(ref, "adam_steplr", adam_for_steplr, 6, 2, 0.5, lrs), 0, 2e-6,
            "Adam + StepLR(2, 0.5): parameters after each of 6 epochs as torch's");
    ok(same_lrs(ref_get(ref, "adam_steplr.lr"), lrs, 6), "Adam + StepLR: the lrs exactly");
    is_near(train(ref, "sgd_steplr", sgd_for_steplr, 6, 3, 0.1, lrs), 0, 2e-6,
            "SGD momentum + StepLR(3): parameters after each of 6 epochs as torch's");
    ok(same_lrs(ref_get(ref, "sgd_steplr.lr"), lrs, 6), "SGD + StepLR: the lrs exactly");
}

static void expect_value_error(bool failed, const char *what)
{
    ok(failed && cnb_last_error_kind() == CNB_VALUE_ERROR, "%s: ValueError (%s)", what,
       cnb_last_error());
    cnb_clear_error();
}

static void test_bad_arguments(void)
{
    Model *model = sequential(linear(2, 1));
    Optimizer *opt = adam(model);
    ok(optimizer_lr(opt) == 0.001, "adam's default lr is 0.001");
    expect_value_error(step_lr(opt, 0) == NULL, "step_lr(optimizer, 0)");
    expect_value_error(step_lr(opt, -2, .gamma = 0.5) == NULL, "step_lr(optimizer, -2)");
    expect_value_error(step_lr(opt, 3, .gamma = -0.5) == NULL, "step_lr gamma -0.5");
    expect_value_error(step_lr(NULL, 3) == NULL, "step_lr(NULL, 3)");
    expect_value_error(optimizer_set_lr(opt, -1) < 0, "optimizer_set_lr(-1)");
    ok(optimizer_lr(opt) == 0.001, "a refused lr leaves the lr alone");
    ok(optimizer_set_lr(opt, 0.25) == 0 && optimizer_lr(opt) == 0.25, "optimizer_set_lr");
    expect_value_error(adam(model, .weight_decay = -0.1) == NULL, "adam .weight_decay = -0.1");
    expect_value_error(sgd(model, .lr = 0.1, .weight_decay = -0.1) == NULL,
                       "sgd .weight_decay = -0.1");
    Scheduler *sched = step_lr(opt, 1);
    ok(sched && scheduler_last_lr(sched) == 0.25 && scheduler_last_epoch(sched) == 0,
       "a new scheduler reports the optimizer's lr at epoch 0");
    scheduler_free(sched);
    scheduler_free(NULL);
    optimizer_free(opt);
    model_free(model);
}

int main(void)
{
    Reference *ref = ref_load("nn/reference/optim_extras.txt");
    ok(ref != NULL, "reference file loaded");
    if (!ref)
        return tap_done();
    test_weight_decay(ref);
    test_step_lr_sequence(ref, "steplr_a", 0.1, 3, 0.5, 10);
    test_step_lr_sequence(ref, "steplr_b", 0.05, 2, 0.1, 7);
    test_step_lr_sequence(ref, "steplr_c", 0.001, 1, 0.9, 30);
    test_training_with_step_lr(ref);
    test_bad_arguments();
    ref_free(ref);
    return tap_done();
}

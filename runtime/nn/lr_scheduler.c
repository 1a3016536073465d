// SPDX-License-Identifier: BSD-3-Clause
/* Learning-rate schedules: StepLR as torch.optim.lr_scheduler.StepLR, and
 * reading or setting an optimizer's learning rate.  torch's StepLR is
 * chainable: every step_size-th step it multiplies the optimizer's current
 * lr by gamma (in double, as Python does), so the sequence is lr, lr*g,
 * (lr*g)*g, ... rounded as torch rounds it, not lr * g^k. */
#include "nn/optimizer_impl.h"
#include "cnb/train.h"
#include "host/error_internal.h"

#include <stdlib.h>

struct Scheduler {
    ObjectHeader header;          /* first: the check word (host/object.h) */
    Optimizer *optimizer;
    int step_size;
    double gamma;
    long last_epoch;              /* torch's last_epoch: 0 after construction */
    double last_lr;
};

static bool scheduler_dead(const Scheduler *s, const char *function)
{
    return object_dead(s, OBJECT_SCHEDULER, function);
}

double optimizer_lr(const Optimizer *opt)
{
    if (optimizer_dead(opt, "optimizer_lr"))
        return 0.0;
    if (!opt)
        return cnb_error("optimizer_lr", "optimizer is NULL"), 0.0;
    return opt->kind == OPTIMIZER_ADAM ? opt->adam.lr : opt->sgd.lr;
}

int optimizer_set_lr(Optimizer *opt, double lr)
{
    if (optimizer_dead(opt, "optimizer_set_lr"))
        return -1;
    if (!opt)
        return cnb_error("optimizer_set_lr", "optimizer is NULL");
    if (!(lr >= 0))
        return cnb_error_of(CNB_VALUE_ERROR, "optimizer_set_lr",
                            "lr must not be negative (got %g)", lr);
    if (opt->kind == OPTIMIZER_ADAM)
        opt->adam.lr = lr;
    else
        opt->sgd.lr = lr;
    return 0;
}

Scheduler *step_lr_new(Optimizer *opt, int step_size, StepLrOptions o)
{
    if (optimizer_dead(opt, "step_lr"))
        return NULL;
    if (!opt)
        return cnb_error("step_lr", "optimizer is NULL"), NULL;
    if (o.gamma == 0)             /* 0 means "default", as for every option */
        o.gamma = 0.1;
    if (step_size <= 0)
        return cnb_error_of(CNB_VALUE_ERROR, "step_lr",
                            "step_size must be positive (got %d); step_lr(optimizer, 10)",
                            step_size), NULL;
    if (!(o.gamma > 0))
        return cnb_error_of(CNB_VALUE_ERROR, "step_lr", "gamma must be positive (got %g)",
                            o.gamma), NULL;
    Scheduler *s = calloc(1, sizeof *s);
    if (!s)
        return cnb_error("step_lr", "out of memory"), NULL;
    *s = (Scheduler){ .optimizer = opt, .step_size = step_size, .gamma = o.gamma,
                      .last_epoch = 0, .last_lr = optimizer_lr(opt) };
    object_init(s, OBJECT_SCHEDULER);
    return s;
}

void scheduler_step(Scheduler *s)
{
    if (scheduler_dead(s, "scheduler_step"))
        return;
    if (!s) {
        cnb_error("scheduler_step", "scheduler is NULL");
        return;
    }
    if (!object_alive(s->optimizer, OBJECT_OPTIMIZER)) {
        cnb_error_of(CNB_VALUE_ERROR, "scheduler_step", "the Optimizer of this Scheduler "
                     "was already freed");
        return;
    }
    s->last_epoch++;
    double lr = optimizer_lr(s->optimizer);
    if (s->last_epoch % s->step_size == 0) {
        lr *= s->gamma;
        optimizer_set_lr(s->optimizer, lr);
    }
    s->last_lr = lr;
}

double scheduler_last_lr(const Scheduler *s)
{
    if (scheduler_dead(s, "scheduler_last_lr"))
        return 0.0;
    if (!s)
        return cnb_error("scheduler_last_lr", "scheduler is NULL"), 0.0;
    return s->last_lr;
}

long scheduler_last_epoch(const Scheduler *s)
{
    if (scheduler_dead(s, "scheduler_last_epoch"))
        return -1;
    if (!s)
        return cnb_error("scheduler_last_epoch", "scheduler is NULL"), -1;
    return s->last_epoch;
}

void scheduler_free(Scheduler *s)
{
    if (scheduler_dead(s, "scheduler_free"))
        return;
    object_retire(s, sizeof *s, OBJECT_SCHEDULER);
}

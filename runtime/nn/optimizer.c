// SPDX-License-Identifier: BSD-3-Clause
/* What Adam and SGD share: state per parameter, zero_grad, free (the step
 * that calls either is optimizer_step.c). */
#include "nn/optimizer_impl.h"
#include "host/error_internal.h"

#include <stdlib.h>
#include <string.h>

static float **alloc_state(Model *model)
{
    float **state = calloc((size_t)model->param_count + 1, sizeof *state);
    for (int p = 0; state && p < model->param_count; p++) {
        state[p] = calloc(model->params[p]->numel ? model->params[p]->numel : 1, sizeof(float));
        if (!state[p]) {
            for (int k = 0; k < p; k++)
                free(state[k]);
            free(state);
            return NULL;
        }
    }
    return state;
}

/* The state is NULL-terminated: freeing it reads nothing of the model,
 * which may have been freed first. */
static void free_state(float **state)
{
    for (int p = 0; state && state[p]; p++)
        free(state[p]);
    free(state);
}

Optimizer *optimizer_alloc(const char *function, OptimizerKind kind, Model *model, int states)
{
    if (model_dead(model, function))
        return NULL;
    if (!model)
        return cnb_error(function, "model is NULL"), NULL;
    Optimizer *opt = calloc(1, sizeof *opt);
    if (!opt)
        return cnb_error(function, "out of memory"), NULL;
    object_init(opt, OBJECT_OPTIMIZER);
    opt->kind = kind;
    opt->model = model;
    if ((states >= 1 && !(opt->state1 = alloc_state(model))) ||
        (states >= 2 && !(opt->state2 = alloc_state(model)))) {
        optimizer_free(opt);
        return cnb_error(function, "out of memory for the optimizer state"), NULL;
    }
    return opt;
}

void optimizer_free(Optimizer *opt)
{
    if (optimizer_dead(opt, "optimizer_free"))
        return;
    if (!opt)
        return;
    optimizer_cuda_release(opt);
    free_state(opt->state1);
    free_state(opt->state2);
    object_retire(opt, sizeof *opt, OBJECT_OPTIMIZER);
}

bool optimizer_model_dead(const Optimizer *opt, const char *function)
{
    if (!opt || object_alive(opt->model, OBJECT_MODEL))
        return false;
    cnb_error_of(CNB_VALUE_ERROR, function, "the Model of this Optimizer was already freed");
    return true;
}

void optimizer_zero_grad(Optimizer *opt)
{
    if (optimizer_dead(opt, "optimizer_zero_grad"))
        return;
    if (!opt) {
        cnb_error("optimizer_zero_grad", "optimizer is NULL");
        return;
    }
    if (optimizer_model_dead(opt, "optimizer_zero_grad"))
        return;
    model_zero_grad(opt->model);
}

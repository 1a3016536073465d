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

static void free_state(float **state, int n)
{
    for (int p = 0; state && p < n; p++)
        free(state[p]);
    free(state);
}

Optimizer *optimizer_alloc(const char *function, OptimizerKind kind, Model *model, int states)
{
    if (!model)
        return cnb_error(function, "model is NULL"), NULL;
    Optimizer *opt = calloc(1, sizeof *opt);
    if (!opt)
        return cnb_error(function, "out of memory"), NULL;
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
    if (!opt)
        return;
    int n = opt->model ? opt->model->param_count : 0;
    optimizer_cuda_release(opt);
    free_state(opt->state1, n);
    free_state(opt->state2, n);
    free(opt);
}

void optimizer_zero_grad(Optimizer *opt)
{
    if (!opt) {
        cnb_error("optimizer_zero_grad", "optimizer is NULL");
        return;
    }
    model_zero_grad(opt->model);
}

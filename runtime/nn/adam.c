// SPDX-License-Identifier: BSD-3-Clause
/* Adam as torch.optim.Adam (not AdamW): options and the step over every
 * parameter on the compute threads.  The update of one parameter and the
 * step's scalars are in cuda/adam_math.cuh, shared with the GPU. */
#include "nn/optimizer_impl.h"
#include "core/parallel.h"
#include "core/vector_ops.h"
#include "host/error_internal.h"
#include "core/cuda_plugin.h"

#include <math.h>

Optimizer *adam_new(Model *model, AdamOptions o)
{
    if (o.lr == 0)
        o.lr = 0.001;
    if (o.beta1 == 0)             /* 0 means "default" for every field */
        o.beta1 = 0.9;
    if (o.beta2 == 0)
        o.beta2 = 0.999;
    if (o.eps == 0)
        o.eps = 1e-8;
    if (!(o.lr > 0) || !(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1) ||
        !(o.eps >= 0) || !(o.weight_decay >= 0))
        return cnb_error_of(CNB_VALUE_ERROR, "adam", "invalid options: lr %g, betas (%g, %g), "
                            "eps %g, weight_decay %g",
                            o.lr, o.beta1, o.beta2, o.eps, o.weight_decay),
               NULL;
    Optimizer *opt = optimizer_alloc("adam", OPTIMIZER_ADAM, model, 2);
    if (opt)
        opt->adam = o;
    return opt;
}

typedef struct AdamPass {
    Optimizer *opt;
    const CnbAdamScalars *s;
} AdamPass;

/* Every parameter's slice for this part: elementwise, so any cut gives
 * the same numbers; cuts on 64-byte lines keep the threads' writes apart. */
static void adam_part(void *context, int part, int parts)
{
    const AdamPass *a = context;
    Model *model = a->opt->model;
    for (int p = 0; p < model->param_count; p++) {
        size_t lo, hi;
        parallel_slice(model->params[p]->numel, part, parts, 16, &lo, &hi);
        if (lo < hi)
            vec_adam(model->params[p]->data + lo, model->param_grads[p]->data + lo,
                     a->opt->state1[p] + lo, a->opt->state2[p] + lo, hi - lo, a->s);
    }
}

void adam_step(Optimizer *opt)
{
    const AdamOptions *o = &opt->adam;
    CnbAdamScalars s = cnb_adam_scalars(o->lr, o->beta1, o->beta2, o->eps, o->weight_decay,
                                        (long)opt->step);
    if (opt->model->device == CUDA) {
        Model *m = opt->model;
        const CnbCudaPlugin *cuda = cuda_plugin();
        if (cuda->adam_update(m->device_params, m->device_grads, opt->device_state1,
                              opt->device_state2, m->device_count, &s) < 0)
            cnb_error("optimizer_step", "%s", cuda->last_error());
        return;
    }
    AdamPass pass = { opt, &s };
    parallel_run(adam_part, &pass, model_parameter_count(opt->model) >= 16384 ? 2 * PARALLEL_FINE : 0);
}

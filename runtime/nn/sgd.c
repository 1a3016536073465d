// SPDX-License-Identifier: BSD-3-Clause
/* SGD as torch.optim.SGD: weight decay added to the gradient, momentum
 * buffer started as a copy of the first gradient, then
 *     buf = momentum buf + (1 - dampening) g
 *     g = nesterov ? g + momentum buf : buf;   p -= lr g
 * The update of one parameter is cuda/sgd_math.cuh's, shared with the GPU
 * (one kernel over the model's flat parameter block there). */
#include "nn/optimizer_impl.h"
#include "core/cuda_plugin.h"
#include "core/parallel.h"
#include "core/vector_ops.h"
#include "host/error_internal.h"


Optimizer *sgd_new(Model *model, SgdOptions o)
{
    if (!(o.lr > 0))
        return cnb_error_of(CNB_VALUE_ERROR, "sgd",
                            "lr must be positive (got %g); sgd(model, .lr = 0.01)", o.lr),
               NULL;
    if (!(o.momentum >= 0) || !(o.weight_decay >= 0) || !(o.dampening >= 0))
        return cnb_error_of(CNB_VALUE_ERROR, "sgd",
                            "momentum, dampening and weight_decay must not be negative"),
               NULL;
    if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
        return cnb_error_of(CNB_VALUE_ERROR, "sgd",
                            "nesterov momentum requires a momentum and zero dampening"),
               NULL;
    Optimizer *opt = optimizer_alloc("sgd", OPTIMIZER_SGD, model, o.momentum != 0 ? 1 : 0);
    if (opt)
        opt->sgd = o;
    return opt;
}

typedef struct SgdPass {
    Optimizer *opt;
    const CnbSgdScalars *s;
} SgdPass;

/* Every parameter's slice for this part (elementwise: any cut gives the
 * same numbers). */
static void sgd_part(void *context, int part, int parts)
{
    const SgdPass *a = context;
    Model *model = a->opt->model;
    for (int p = 0; p < model->param_count; p++) {
        size_t lo, hi;
        parallel_slice(model->params[p]->numel, part, parts, 16, &lo, &hi);
        if (lo < hi)
            vec_sgd(model->params[p]->data + lo, model->param_grads[p]->data + lo,
                    a->opt->state1 ? a->opt->state1[p] + lo : NULL, hi - lo, a->s);
    }
}

/* The momentum buffers (state1) are NULL without momentum. */
static void sgd_step_cuda(Optimizer *opt, const CnbSgdScalars *s)
{
    Model *m = opt->model;
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (cuda->sgd_update(m->device_params, m->device_grads, opt->device_state1, m->device_count,
                         s) < 0)
        cnb_error("optimizer_step", "%s", cuda->last_error());
}

void sgd_step(Optimizer *opt)
{
    CnbSgdScalars s = {
        .lr = (float)opt->sgd.lr, .weight_decay = (float)opt->sgd.weight_decay,
        .momentum = (float)opt->sgd.momentum,
        .one_minus_dampening = (float)(1.0 - opt->sgd.dampening),
        .nesterov = opt->sgd.nesterov, .first = !opt->has_momentum,
    };
    if (opt->model->device == CUDA) {
        sgd_step_cuda(opt, &s);
    } else {
        SgdPass pass = { opt, &s };
        parallel_run(sgd_part, &pass,
                     model_parameter_count(opt->model) >= 16384 ? PARALLEL_FINE : 0);
    }
    opt->has_momentum = true;
}

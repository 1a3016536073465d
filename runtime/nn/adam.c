/* Adam as torch.optim.Adam (not AdamW): L2 weight decay added to the
 * gradient, bias-corrected moments, the same order of float operations as
 * torch's single-tensor implementation:
 *     g += wd * p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *     p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * The scalars are computed in double, as Python does, then used as floats. */
#include "nn/optimizer_impl.h"
#include "core/parallel.h"
#include "core/vector_ops.h"
#include "cnb/error.h"

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
        return cnb_error("adam", "invalid options: lr %g, betas (%g, %g), eps %g, "
                         "weight_decay %g", o.lr, o.beta1, o.beta2, o.eps, o.weight_decay),
               NULL;
    Optimizer *opt = optimizer_alloc("adam", OPTIMIZER_ADAM, model, 2);
    if (opt)
        opt->adam = o;
    return opt;
}

typedef struct AdamPass {
    Optimizer *opt;
    const AdamScalars *s;
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
    double t = (double)opt->step;
    double bc1 = 1.0 - pow(o->beta1, t), bc2 = 1.0 - pow(o->beta2, t);
    AdamScalars s = {
        .beta1 = (float)o->beta1, .beta2 = (float)o->beta2,
        .one_minus_beta1 = (float)(1.0 - o->beta1), .one_minus_beta2 = (float)(1.0 - o->beta2),
        .eps = (float)o->eps, .weight_decay = (float)o->weight_decay,
        .step_size = (float)(o->lr / bc1), .bias_correction2_sqrt = (float)sqrt(bc2),
    };
    AdamPass pass = { opt, &s };
    parallel_run(adam_part, &pass, model_parameter_count(opt->model) >= 16384 ? 2 * PARALLEL_FINE : 0);
}

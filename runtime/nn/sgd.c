/* SGD as torch.optim.SGD: weight decay added to the gradient, momentum
 * buffer started as a copy of the first gradient, then
 *     buf = momentum buf + (1 - dampening) g
 *     g = nesterov ? g + momentum buf : buf;   p -= lr g */
#include "nn/optimizer_impl.h"
#include "cnb/error.h"

#include <string.h>

Optimizer *sgd_new(Model *model, SgdOptions o)
{
    if (!(o.lr > 0))
        return cnb_error("sgd", "lr must be positive (got %g); sgd(model, .lr = 0.01)", o.lr),
               NULL;
    if (!(o.momentum >= 0) || !(o.weight_decay >= 0) || !(o.dampening >= 0))
        return cnb_error("sgd", "momentum, dampening and weight_decay must not be negative"),
               NULL;
    if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
        return cnb_error("sgd", "nesterov momentum requires a momentum and zero dampening"),
               NULL;
    Optimizer *opt = optimizer_alloc("sgd", OPTIMIZER_SGD, model, o.momentum != 0 ? 1 : 0);
    if (opt)
        opt->sgd = o;
    return opt;
}

static void sgd_update(const SgdOptions *o, float *p, const float *grad, float *buf, size_t n,
                       bool first)
{
    const float lr = (float)o->lr, wd = (float)o->weight_decay;
    const float mom = (float)o->momentum, damp = (float)(1.0 - o->dampening);
    for (size_t i = 0; i < n; i++) {
        float g = wd != 0.0f ? grad[i] + wd * p[i] : grad[i];
        if (buf) {
            buf[i] = first ? g : buf[i] * mom + damp * g;
            g = o->nesterov ? g + mom * buf[i] : buf[i];
        }
        p[i] -= lr * g;
    }
}

void sgd_step(Optimizer *opt)
{
    Model *model = opt->model;
    bool first = !opt->has_momentum;
    for (int p = 0; p < model->param_count; p++)
        sgd_update(&opt->sgd, model->params[p]->data, model->param_grads[p]->data,
                   opt->state1 ? opt->state1[p] : NULL, model->params[p]->numel, first);
    opt->has_momentum = true;
}

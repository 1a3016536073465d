// SPDX-License-Identifier: BSD-3-Clause
/* optimizer_step: what every step does (gradients materialized, the state
 * on the model's device, the CPU's compute environment), then Adam's or
 * SGD's update. */
#include "nn/optimizer_impl.h"
#include "core/compute.h"
#include "host/error_internal.h"

void optimizer_step(Optimizer *opt)
{
    if (optimizer_dead(opt, "optimizer_step"))
        return;
    if (!opt) {
        cnb_error("optimizer_step", "optimizer is NULL");
        return;
    }
    if (optimizer_model_dead(opt, "optimizer_step"))
        return;
    model_materialize_grads(opt->model);   /* zero_grad without backward: zeros */
    if (optimizer_state_to_model(opt) < 0)
        return;
    unsigned csr = compute_enter();
    opt->step++;
    if (opt->kind == OPTIMIZER_ADAM)
        adam_step(opt);
    else
        sgd_step(opt);
    compute_leave(csr);
}

// SPDX-License-Identifier: BSD-3-Clause
/* The optimizer's state on the GPU: Adam's m and v, or SGD's momentum
 * buffers (none without momentum), as flat device blocks with the layout
 * of the model's flat parameters (model_cuda.c), so that one kernel
 * updates every parameter.  The state follows the
 * model: moved up at the first step on CUDA, back at the first step after
 * the model returned to the CPU, so no step is lost either way. */
#include "nn/optimizer_impl.h"
#include "core/cuda_plugin.h"
#include "host/error_internal.h"

/* One state (state1 or state2, per parameter on the host) in a new flat
 * device block, or NULL for a state the optimizer does not keep. */
static int flat_state_up(const Model *m, const CnbCudaPlugin *cuda, float **host, float **block)
{
    *block = NULL;
    if (!host)
        return 0;
    size_t bytes = (m->device_count ? m->device_count : 1) * sizeof(float);
    void *s = NULL;
    if (cuda->alloc(&s, bytes) < 0)
        return -1;
    *block = s;
    if (cuda->zero(s, bytes) < 0)
        return -1;
    for (int p = 0; p < m->param_count; p++)
        if (cuda->to_device(*block + model_cuda_param_offset(m, p), host[p],
                            m->params[p]->numel * sizeof(float)) < 0)
            return -1;
    return 0;
}

static int state_up(Optimizer *opt, const CnbCudaPlugin *cuda)
{
    if (flat_state_up(opt->model, cuda, opt->state1, &opt->device_state1) < 0 ||
        flat_state_up(opt->model, cuda, opt->state2, &opt->device_state2) < 0) {
        cnb_error("optimizer_step", "%s", cuda->last_error());
        optimizer_cuda_release(opt);
        return -1;
    }
    opt->state_device = CUDA;
    return 0;
}

static int flat_state_down(const Model *m, const CnbCudaPlugin *cuda, const float *block,
                           float **host)
{
    for (int p = 0; block && p < m->param_count; p++)
        if (cuda->to_host(host[p], block + model_cuda_param_offset(m, p),
                          m->params[p]->numel * sizeof(float)) < 0)
            return -1;
    return 0;
}

static int state_down(Optimizer *opt, const CnbCudaPlugin *cuda)
{
    if (flat_state_down(opt->model, cuda, opt->device_state1, opt->state1) < 0 ||
        flat_state_down(opt->model, cuda, opt->device_state2, opt->state2) < 0)
        return cnb_error("optimizer_step", "%s", cuda->last_error());
    optimizer_cuda_release(opt);
    return 0;
}

int optimizer_state_to_model(Optimizer *opt)
{
    Device device = opt->model->device;
    if (device == opt->state_device)
        return 0;
    const CnbCudaPlugin *cuda = cuda_plugin();
    if (!cuda)
        return cnb_error("optimizer_step", "CUDA is not available: %s",
                         cuda_unavailable_reason());
    return device == CUDA ? state_up(opt, cuda) : state_down(opt, cuda);
}

void optimizer_cuda_release(Optimizer *opt)
{
    const CnbCudaPlugin *cuda = opt->device_state1 || opt->device_state2 ? cuda_plugin() : NULL;
    if (cuda) {
        cuda->release(opt->device_state1);
        cuda->release(opt->device_state2);
    }
    opt->device_state1 = opt->device_state2 = NULL;
    opt->state_device = CPU;
}

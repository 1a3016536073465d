/* The optimizer's state on the GPU: Adam's m and v as two flat device
 * blocks with the layout of the model's flat parameters (model_cuda.c),
 * so that one kernel updates every parameter.  The state follows the
 * model: moved up at the first step on CUDA, back at the first step after
 * the model returned to the CPU, so no step is lost either way. */
#include "nn/optimizer_impl.h"
#include "core/cuda_plugin.h"
#include "cnb/error.h"

static int state_up(Optimizer *opt, const CnbCudaPlugin *cuda)
{
    Model *m = opt->model;
    size_t bytes = (m->device_count ? m->device_count : 1) * sizeof(float);
    void *s1 = NULL, *s2 = NULL;
    int failed = cuda->alloc(&s1, bytes) < 0 || cuda->alloc(&s2, bytes) < 0 ||
                 cuda->zero(s1, bytes) < 0 || cuda->zero(s2, bytes) < 0;
    for (int p = 0; !failed && p < m->param_count; p++) {
        size_t at = model_cuda_param_offset(m, p), n = m->params[p]->numel * sizeof(float);
        failed = cuda->to_device((float *)s1 + at, opt->state1[p], n) < 0 ||
                 cuda->to_device((float *)s2 + at, opt->state2[p], n) < 0;
    }
    if (failed) {
        cnb_error("optimizer_step", "%s", cuda->last_error());
        cuda->release(s1);
        cuda->release(s2);
        return -1;
    }
    opt->device_state1 = s1;
    opt->device_state2 = s2;
    opt->state_device = CUDA;
    return 0;
}

static int state_down(Optimizer *opt, const CnbCudaPlugin *cuda)
{
    Model *m = opt->model;
    for (int p = 0; p < m->param_count; p++) {
        size_t at = model_cuda_param_offset(m, p), n = m->params[p]->numel * sizeof(float);
        if (cuda->to_host(opt->state1[p], opt->device_state1 + at, n) < 0 ||
            cuda->to_host(opt->state2[p], opt->device_state2 + at, n) < 0)
            return cnb_error("optimizer_step", "%s", cuda->last_error());
    }
    optimizer_cuda_release(opt);
    return 0;
}

int optimizer_state_to_model(Optimizer *opt)
{
    Device device = opt->model->device;
    if (device == CUDA && opt->kind != OPTIMIZER_ADAM)
        return cnb_error("optimizer_step", "SGD has no CUDA path yet (Adam has): use adam, or "
                         "keep the model on the cpu");
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

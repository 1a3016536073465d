/* Devices: where a tensor's data lives.  Only the CPU backend exists in this
 * build; the CUDA backend (runtime/cuda, another issue) plugs in behind
 * cuda_available() and tensor_to() without changing the API. */
#include "core/tensor_impl.h"
#include "cnb/error.h"

bool cuda_available(void)
{
    return false;                 /* no CUDA backend compiled in */
}

const char *device_name(Device device)
{
    switch (device) {
    case CPU: return "cpu";
    case CUDA: return "cuda";
    }
    return "unknown";
}

Device tensor_device(const Tensor *t)
{
    return t ? t->device : CPU;
}

Tensor *tensor_to(Tensor *t, Device device)
{
    if (!t) {
        cnb_error("tensor_to", "tensor is NULL");
        return NULL;
    }
    if (device == t->device)
        return t;
    if (device == CUDA && !cuda_available()) {
        cnb_error("tensor_to", "CUDA is not available (no CUDA backend or no GPU); "
                  "the tensor stays on the cpu");
        return NULL;
    }
    if (device != CPU && device != CUDA) {
        cnb_error("tensor_to", "unknown device %d", (int)device);
        return NULL;
    }
    t->device = device;
    return t;
}

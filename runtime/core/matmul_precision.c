// SPDX-License-Identifier: BSD-3-Clause
/* set_float32_matmul_precision, as PyTorch names it: "highest" (the
 * default) keeps float32 products exact to float32 rounding on every
 * device; "high" and "medium" let the GPU use TF32 tensor cores (a 10-bit
 * mantissa in the products), faster and no longer the CPU's numbers.  The
 * CPU's products are float32 whatever is chosen. */
#include "core/cuda_plugin.h"
#include "host/error_internal.h"
#include "cnb/tensor.h"

#include <stdatomic.h>
#include <string.h>

static atomic_int tf32_allowed;

bool matmul_tf32_allowed(void)
{
    return atomic_load(&tf32_allowed) != 0;
}

int set_float32_matmul_precision(const char *precision)
{
    if (!precision || (strcmp(precision, "highest") != 0 && strcmp(precision, "high") != 0 &&
                       strcmp(precision, "medium") != 0))
        return cnb_error("set_float32_matmul_precision", "\"%s\" is not a precision: "
                         "\"highest\", \"high\" or \"medium\"", precision ? precision : "(null)");
    atomic_store(&tf32_allowed, strcmp(precision, "highest") != 0);
    const CnbCudaPlugin *cuda = cuda_plugin_if_loaded();
    if (cuda && cuda->set_tf32(matmul_tf32_allowed()) < 0)
        return cnb_error("set_float32_matmul_precision", "%s", cuda->last_error());
    return 0;
}

const char *get_float32_matmul_precision(void)
{
    return matmul_tf32_allowed() ? "high" : "highest";
}

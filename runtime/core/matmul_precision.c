// SPDX-License-Identifier: BSD-3-Clause
/* set_float32_matmul_precision, as PyTorch names it: "highest" (the
 * default) keeps float32 products exact to float32 rounding on every
 * device; "high" and "medium" let the GPU use TF32 tensor cores (a 10-bit
 * mantissa in the products), faster and no longer the CPU's numbers.  The
 * CPU's products are float32 whatever is chosen. */
#include "core/cuda_plugin.h"
#include "host/error_internal.h"
#include "cnb/tensor.h"

#include <string.h>

int set_float32_matmul_precision(const char *precision)
{
    if (!precision || (strcmp(precision, "highest") != 0 && strcmp(precision, "high") != 0 &&
                       strcmp(precision, "medium") != 0))
        return cnb_error("set_float32_matmul_precision", "\"%s\" is not a precision: "
                         "\"highest\", \"high\" or \"medium\"", precision ? precision : "(null)");
    if (cuda_plugin_set_tf32(strcmp(precision, "highest") != 0) < 0)
        return cnb_error("set_float32_matmul_precision", "%s", cuda_plugin_if_loaded()->last_error());
    return 0;
}

const char *get_float32_matmul_precision(void)
{
    return cuda_plugin_tf32() ? "high" : "highest";
}

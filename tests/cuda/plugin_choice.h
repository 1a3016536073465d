// SPDX-License-Identifier: BSD-3-Clause
/* Which CUDA plugin a CUDA test loads: the host emulation for the
 * *_emulated programs (host_plugin.c), else the build tree's plugin unless
 * CNB_CUDA_PLUGIN already names one (scripts/gpu-check names the packed
 * one).  Only these tests load the build tree's plugin: the kernel's and
 * the notebooks' tests take the installed path, which libcnb tries only
 * where there is a driver, so they do not load cuBLAS on a machine
 * without a GPU.  Call first in main, before anything asks for CUDA. */
#ifndef CNB_TEST_CUDA_PLUGIN_CHOICE_H
#define CNB_TEST_CUDA_PLUGIN_CHOICE_H

#include <stdlib.h>

static inline void choose_plugin(void)
{
#if defined(CNB_EMULATED_PLUGIN)
    setenv("CNB_CUDA_PLUGIN", CNB_EMULATED_PLUGIN, 1);
#elif defined(CNB_BUILT_PLUGIN)
    setenv("CNB_CUDA_PLUGIN", CNB_BUILT_PLUGIN, 0);
#endif
}

#endif

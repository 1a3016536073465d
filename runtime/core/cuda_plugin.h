// SPDX-License-Identifier: BSD-3-Clause
/* libcnb's side of the CUDA backend: the plugin (runtime/cuda) loaded on
 * first use.  Internal; users see cuda_available() and the device API. */
#ifndef CNB_CORE_CUDA_PLUGIN_H
#define CNB_CORE_CUDA_PLUGIN_H

#include "cuda/plugin_api.h"

#include <stdbool.h>

/* The plugin's table when CUDA is usable (plugin loaded, driver and device
 * found), else NULL.  Loads the plugin once per process. */
const CnbCudaPlugin *cuda_plugin(void);
/* Why cuda_plugin() is NULL: "the CUDA backend was not built ...", "the
 * CUDA plugin ... cannot be loaded: <dlerror>", "no usable GPU: <what the
 * CUDA runtime says>"; "" when CUDA is usable. */
const char *cuda_unavailable_reason(void);
/* The table if an earlier call loaded a usable plugin, else NULL; loads
 * nothing (settings that only matter once CUDA is in use). */
const CnbCudaPlugin *cuda_plugin_if_loaded(void);
/* The TF32 setting of set_float32_matmul_precision (matmul_precision.c):
 * kept here, given to the plugin if it is loaded (0, or -1 with the
 * plugin's error), and to the plugin when it loads later. */
int cuda_plugin_set_tf32(bool allowed);
bool cuda_plugin_tf32(void);

#endif

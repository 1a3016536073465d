/* libcnb's side of the CUDA backend: the plugin (runtime/cuda) loaded on
 * first use.  Internal; users see cuda_available() and the device API. */
#ifndef CNB_CORE_CUDA_PLUGIN_H
#define CNB_CORE_CUDA_PLUGIN_H

#include "cuda/plugin_api.h"

/* The plugin's table when CUDA is usable (plugin loaded, driver and device
 * found), else NULL.  Loads the plugin once per process. */
const CnbCudaPlugin *cuda_plugin(void);
/* Why cuda_plugin() is NULL: "the CUDA backend was not built ...", "the
 * CUDA plugin ... cannot be loaded: <dlerror>", "no usable GPU: <what the
 * CUDA runtime says>"; "" when CUDA is usable. */
const char *cuda_unavailable_reason(void);

#endif

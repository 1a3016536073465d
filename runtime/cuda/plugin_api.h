/* The C interface between libcnb and its CUDA backend plugin
 * (libcnb-cuda.so).  libcnb links no CUDA library: core/cuda_plugin.c
 * dlopens the plugin on the first cuda_available() and asks it for this
 * table through one exported function, so the same libcnb runs on
 * machines without the plugin, the CUDA libraries or a GPU.
 *
 * Plain C types only (the plugin is C++ compiled by nvcc, libcnb is C).
 * Every function that can fail returns 0, or -1 with a message naming the
 * failing CUDA/cuBLAS call that last_error() returns (per thread). */
#ifndef CNB_CUDA_PLUGIN_API_H
#define CNB_CUDA_PLUGIN_API_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever the table changes: libcnb refuses a plugin of another. */
#define CNB_CUDA_PLUGIN_ABI 1
#define CNB_CUDA_PLUGIN_ENTRY "cnb_cuda_plugin"

typedef struct CnbCudaPlugin {
    int abi;                      /* CNB_CUDA_PLUGIN_ABI */
    /* Finds a usable device (driver, device count) and selects device 0. */
    int (*init)(void);
    const char *(*last_error)(void);
    /* The device's name ("NVIDIA H200") and its memory in bytes. */
    int (*device_info)(char *name, size_t name_size, size_t *total_bytes, size_t *free_bytes);

    /* Device memory and copies; copies are synchronous (host memory is
     * pageable and the caller reads or reuses it at once). */
    int (*alloc)(void **ptr, size_t bytes);
    int (*release)(void *ptr);
    int (*to_device)(void *dst, const void *src, size_t bytes);
    int (*to_host)(void *dst, const void *src, size_t bytes);
    int (*zero)(void *dst, size_t bytes);
} CnbCudaPlugin;

/* The one symbol the plugin exports (CNB_CUDA_PLUGIN_ENTRY). */
const CnbCudaPlugin *cnb_cuda_plugin(void);

#ifdef __cplusplus
}
#endif

#endif

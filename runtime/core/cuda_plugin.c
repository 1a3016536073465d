// SPDX-License-Identifier: BSD-3-Clause
/* Loads the CUDA backend plugin (libcnb-cuda.so) with dlopen on the first
 * cuda_available(): libcnb links no CUDA library, so one build runs on
 * every machine, and a machine without the plugin, the CUDA libraries, a
 * driver or a GPU simply has no CUDA, with a reason the user can read.
 *
 * Where the plugin is: $CNB_CUDA_PLUGIN (tests, packed builds), else where
 * `make install` put it ($(pkglibdir), CNB_CUDA_PLUGIN_PATH).  The installed
 * plugin is only loaded where an NVIDIA driver is: loading it brings cuBLAS
 * (80-110 ms and 155 MB of a process's memory measured here), which a
 * machine without a GPU should not pay for asking.  A plugin named by
 * CNB_CUDA_PLUGIN is loaded as asked, and says itself what it finds. */
#include "core/cuda_plugin.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const CnbCudaPlugin *_Atomic loaded;   /* read without the once: atomic */
static char reason[768];

static const char *plugin_path(void)
{
    const char *path = getenv("CNB_CUDA_PLUGIN");
    if (path && *path)
        return path;
#if CNB_CUDA_PLUGIN_BUILT
    return CNB_CUDA_PLUGIN_PATH;
#else
    return NULL;
#endif
}

/* The plugin's table from a loaded library, or NULL with the reason set. */
static const CnbCudaPlugin *plugin_table(void *library, const char *path)
{
    const CnbCudaPlugin *(*entry)(void);
    *(void **)&entry = dlsym(library, CNB_CUDA_PLUGIN_ENTRY);
    if (!entry) {
        snprintf(reason, sizeof reason, "%s is not a cnb CUDA plugin (no %s)", path,
                 CNB_CUDA_PLUGIN_ENTRY);
        return NULL;
    }
    const CnbCudaPlugin *table = entry();
    if (!table || table->abi != CNB_CUDA_PLUGIN_ABI) {
        snprintf(reason, sizeof reason, "the CUDA plugin %s has interface version %d, "
                 "this libcnb needs %d (rebuild cnb)", path, table ? table->abi : -1,
                 CNB_CUDA_PLUGIN_ABI);
        return NULL;
    }
    return table;
}

/* Whether the driver's library loads (without keeping it). */
static bool driver_present(void)
{
    void *driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!driver) {
        snprintf(reason, sizeof reason, "no usable GPU: no NVIDIA driver (%s)", dlerror());
        return false;
    }
    dlclose(driver);
    return true;
}

static void load_plugin(void)
{
    const char *path = plugin_path();
    if (!path) {
        snprintf(reason, sizeof reason, "the CUDA backend was not built (configured --without-cuda "
                 "or without a CUDA toolkit), and CNB_CUDA_PLUGIN names no plugin");
        return;
    }
    const char *chosen = getenv("CNB_CUDA_PLUGIN");
    if (!(chosen && *chosen) && !driver_present())
        return;
    /* RTLD_LOCAL: the CUDA libraries' symbols stay out of the cells' way. */
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(reason, sizeof reason, "the CUDA plugin cannot be loaded: %s", dlerror());
        return;
    }
    const CnbCudaPlugin *table = plugin_table(library, path);
    if (!table) {
        dlclose(library);
        return;
    }
    if (table->init() < 0) {
        /* The plugin stays loaded: the CUDA runtime does not expect to be
         * unloaded once it has looked for the driver. */
        snprintf(reason, sizeof reason, "no usable GPU: %s", table->last_error());
        return;
    }
    table->set_tf32(cuda_plugin_tf32());
    atomic_store(&loaded, table);
}

const CnbCudaPlugin *cuda_plugin(void)
{
    pthread_once(&load_once, load_plugin);
    return atomic_load(&loaded);
}

const CnbCudaPlugin *cuda_plugin_if_loaded(void)
{
    return atomic_load(&loaded);
}

const char *cuda_unavailable_reason(void)
{
    pthread_once(&load_once, load_plugin);
    return atomic_load(&loaded) ? "" : reason;
}

static atomic_int tf32_allowed;

bool cuda_plugin_tf32(void)
{
    return atomic_load(&tf32_allowed) != 0;
}

int cuda_plugin_set_tf32(bool allowed)
{
    atomic_store(&tf32_allowed, allowed);
    const CnbCudaPlugin *cuda = cuda_plugin_if_loaded();
    return cuda ? cuda->set_tf32(allowed) : 0;
}

// SPDX-License-Identifier: BSD-3-Clause
/* The environment the worker starts with (see worker_environment.h).
 *
 * OpenBLAS starts its own threads as it is loaded, before main, one per
 * CPU of the affinity mask: on a 16-core server every worker would start
 * 15, whatever CPU quota the hub gave the student.  The runtime calls
 * OpenBLAS with one thread (core/gemm.c), so they only wait; but their
 * count should be the one the kernel uses (get_num_threads: CNB_NUM_THREADS,
 * the affinity mask, the cgroup's CPU quota), and the only way to tell a
 * library that starts before main is its environment.  The front computes
 * the number (same cgroup, same mask as the worker it spawns) and hands it
 * down; a user's own OPENBLAS_NUM_THREADS or OMP_NUM_THREADS stays. */
#include "worker_environment.h"

#include <cnb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static bool is_set(const char *name)
{
    const char *value = getenv(name);
    return value && *value;
}

/* One allocation holds the pointers and the added entry's text, so that
 * one free releases both. */
#define ENTRY_SIZE 48

char **worker_environment(void)
{
    size_t count = 0;
    while (environ[count])
        count++;
    char **env = calloc(1, (count + 2) * sizeof *env + ENTRY_SIZE);
    if (!env)
        return NULL;
    memcpy(env, environ, count * sizeof *env);
    if (!is_set("OPENBLAS_NUM_THREADS") && !is_set("OMP_NUM_THREADS")) {
        char *entry = (char *)(env + count + 2);
        snprintf(entry, ENTRY_SIZE, "OPENBLAS_NUM_THREADS=%d", get_num_threads());
        env[count] = entry;
    }
    return env;
}

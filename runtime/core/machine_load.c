// SPDX-License-Identifier: BSD-3-Clause
/* How busy the machine is with other work (see machine_load.h).
 *
 * One reading is an instant: a build's short-lived compiler or a kernel
 * thread waking shows up in it.  So a machine seen full counts as full
 * until several readings in a row say otherwise; a kernel left alone by
 * the rest of the class then gets its threads back within milliseconds. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "core/machine_load.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_EVERY_NS 1000000
#define CALM_READINGS 3

int loadavg_runnable(const char *text)
{
    const char *p = text;
    for (int field = 0; field < 3; field++) {
        p = strchr(p, ' ');
        if (!p)
            return -1;
        p++;
    }
    char *end;
    long runnable = strtol(p, &end, 10);
    return end != p && *end == '/' && runnable >= 0 && runnable < 1000000 ? (int)runnable : -1;
}

bool others_fill_cpus(int runnable, int own_running, int cpus)
{
    return runnable >= 0 && cpus > 0 && runnable - own_running >= cpus;
}

static struct {
    pthread_once_t once;
    int fd;                       /* /proc/loadavg, -1: not usable */
    int cpus;
    int64_t next_ns;
    int calm;                     /* readings in a row that were not full */
    atomic_bool full;             /* read by any thread (machine_seen_full) */
} machine = { .once = PTHREAD_ONCE_INIT, .fd = -1 };

/* The count is machine-wide: it tells about our CPUs only when we may run
 * on all of them. */
static void open_loadavg(void)
{
    cpu_set_t mask;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (sched_getaffinity(0, sizeof mask, &mask) != 0 || CPU_COUNT(&mask) < online)
        return;
    machine.cpus = (int)online;
    machine.fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
}

static int read_runnable(void)
{
    char text[128];
    ssize_t n = pread(machine.fd, text, sizeof text - 1, 0);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    return loadavg_runnable(text);
}

bool machine_full(int own_running, int64_t now_ns)
{
    pthread_once(&machine.once, open_loadavg);
    if (machine.fd < 0 || now_ns < machine.next_ns)
        return machine_seen_full();
    machine.next_ns = now_ns + READ_EVERY_NS;
    if (others_fill_cpus(read_runnable(), own_running, machine.cpus)) {
        atomic_store_explicit(&machine.full, true, memory_order_relaxed);
        machine.calm = 0;
    } else if (machine_seen_full() && ++machine.calm >= CALM_READINGS) {
        atomic_store_explicit(&machine.full, false, memory_order_relaxed);
    }
    return machine_seen_full();
}

bool machine_seen_full(void)
{
    return atomic_load_explicit(&machine.full, memory_order_relaxed);
}

// SPDX-License-Identifier: BSD-3-Clause
/* The machine's load as the thread pool sees it (runtime/core/machine_load.c):
 * the runnable count read from /proc/loadavg's text, the decision for one
 * reading, and the pool on this machine while other processes fill every
 * CPU: its tasks run on the caller alone (the dataloader then fills batches
 * on the caller too), with the same numbers as with its workers, and it
 * takes its workers back once the machine is free again. */
#include "cnb.h"
#include "core/compute.h"
#include "core/machine_load.h"
#include "core/parallel.h"
#include "../tap.h"

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void check_parsing(void)
{
    is_int(loadavg_runnable("0.52 0.58 0.59 3/245 1234\n"), 3, "runnable threads of a loadavg line");
    is_int(loadavg_runnable("12.00 9.10 4.02 17/1022 99"), 17, "two digits");
    is_int(loadavg_runnable(""), -1, "an empty text is not a reading");
    is_int(loadavg_runnable("0.52 0.58 0.59"), -1, "three fields are not a reading");
    is_int(loadavg_runnable("0.52 0.58 0.59 x/245 1"), -1, "a count that is not a number");
    is_int(loadavg_runnable("0.52 0.58 0.59 3 1"), -1, "a count without its total");
}

static void check_decision(void)
{
    ok(others_fill_cpus(7, 1, 2), "six other kernels on two CPUs fill them");
    ok(others_fill_cpus(3, 1, 2), "two other runnable threads fill two CPUs");
    ok(!others_fill_cpus(2, 1, 2), "one other thread leaves a CPU");
    ok(!others_fill_cpus(3, 2, 2), "our own two threads are not others");
    ok(!others_fill_cpus(-1, 1, 2), "no reading: not full");
    ok(!others_fill_cpus(9, 1, 0), "no CPU count: not full");
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define M 256
#define K 784
#define N 128

static float a[M * K], b[K * N];

/* Products on the pool for `seconds` (so that it reads the load several
 * times); the last product's result in c. */
static void products_for(double seconds, float *c)
{
    double end = now() + seconds;
    do
        gemm(false, false, M, N, K, 1.0f, a, K, b, N, 0.0f, c, N);
    while (now() < end);
}

/* Whether the pool, kept busy with products, uses its workers at some
 * moment within `seconds`. */
static bool pool_uses_workers_within(double seconds, float *c)
{
    for (double end = now() + seconds; now() < end;) {
        products_for(0.01, c);
        if (!parallel_runs_alone())
            return true;
    }
    return false;
}

static pid_t spinners[64];
static int spinner_count;

static void start_spinners(int count)
{
    for (spinner_count = 0; spinner_count < count && spinner_count < 64; spinner_count++) {
        pid_t pid = fork();
        if (pid == 0)
            for (volatile unsigned long i = 0;; i++) {
            }
        spinners[spinner_count] = pid;
    }
}

static void stop_spinners(void)
{
    for (int i = 0; i < spinner_count; i++) {
        kill(spinners[i], SIGKILL);
        waitpid(spinners[i], NULL, 0);
    }
    spinner_count = 0;
}

static bool machine_wide_count_applies(void)
{
    cpu_set_t mask;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return sched_getaffinity(0, sizeof mask, &mask) == 0 && CPU_COUNT(&mask) >= online &&
           online >= 2;
}

static void check_pool_on_a_full_machine(void)
{
    uint32_t seed = 1;
    for (int i = 0; i < M * K; i++)
        a[i] = (float)((seed = seed * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
    for (int i = 0; i < K * N; i++)
        b[i] = (float)((seed = seed * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
    if (!machine_wide_count_applies()) {
        for (int i = 0; i < 4; i++)
            skip("the machine-wide count needs two CPUs and an affinity mask over all of them");
        return;
    }
    int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    set_num_threads(2);
    static float free_result[M * N], full_result[M * N];
    /* Other tests or CI jobs may hold the CPUs for a while: the machine is
     * given two seconds to be free. */
    if (!pool_uses_workers_within(2.0, free_result)) {
        for (int i = 0; i < 4; i++)
            skip("other work keeps this machine's %d CPUs busy", cpus);
        return;
    }

    start_spinners(cpus);
    products_for(0.05, full_result);
    ok(parallel_runs_alone(), "%d processes spinning on %d CPUs: the pool runs alone", cpus, cpus);
    ok(memcmp(free_result, full_result, sizeof full_result) == 0,
       "alone, the products are the same bit for bit");
    stop_spinners();
    ok(pool_uses_workers_within(2.0, full_result),
       "the spinners gone: the pool takes its workers back");

    set_num_threads(1);
    ok(parallel_runs_alone(), "one thread always runs alone");
}

int main(void)
{
    check_parsing();
    check_decision();
    check_pool_on_a_full_machine();
    printf("1..%d\n", tap_count);
    return tap_failed != 0;
}

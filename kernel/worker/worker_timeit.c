// SPDX-License-Identifier: BSD-3-Clause
/* %timeit: the cell source wraps the statement in a function and calls
 * cnb_timeit_run, exported by the worker executable.  Like IPython: pick a
 * loop count so that one run takes at least 0.2 s, time 7 runs, report the
 * mean and standard deviation per loop. */
#include "worker.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#define RUNS 7
#define MIN_RUN_SECONDS 0.2
#define MAX_TOTAL_SECONDS 10.0

void cnb_timeit_run(void (*body)(void));

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double time_loops(void (*body)(void), long loops)
{
    double start = now();
    for (long i = 0; i < loops; i++)
        body();
    double elapsed = now() - start;
    if (worker_cell_running() && worker_interrupt_pending())
        worker_unwind(CELL_INTERRUPT, 0);
    return elapsed;
}

/* IPython's _format_time: three significant digits and a fitting unit. */
static void format_time(double seconds, char *text, size_t size)
{
    static const char *const units[] = {"s", "ms", "\xC2\xB5s", "ns"};
    int unit = 0;
    if (seconds > 0)
        unit = seconds >= 1 ? 0 : (int)fmin(3, floor(-log10(seconds) / 3) + 1);
    if (seconds > 0 && seconds < 1 && seconds * pow(1000, unit - 1) >= 1)
        unit--;
    snprintf(text, size, "%.3g %s", seconds * pow(1000, unit), units[unit]);
}

void cnb_timeit_run(void (*body)(void))
{
    /* Autorange: 1, 2, 5, 10, 20, 50, ... loops until a run is long enough. */
    long loops = 1;
    double elapsed;
    for (int step = 0;; step++) {
        elapsed = time_loops(body, loops);
        if (elapsed >= MIN_RUN_SECONDS)
            break;
        loops = (step % 3 == 0) ? loops * 2 : (step % 3 == 1) ? loops / 2 * 5 : loops * 2;
    }
    int runs = elapsed * RUNS > MAX_TOTAL_SECONDS ? (int)fmax(1, MAX_TOTAL_SECONDS / elapsed) : RUNS;
    double per_loop[RUNS], sum = 0;
    per_loop[0] = elapsed / (double)loops;
    sum = per_loop[0];
    for (int r = 1; r < runs; r++) {
        per_loop[r] = time_loops(body, loops) / (double)loops;
        sum += per_loop[r];
    }
    double mean = sum / runs, variance = 0;
    for (int r = 0; r < runs; r++)
        variance += (per_loop[r] - mean) * (per_loop[r] - mean);
    double deviation = runs > 1 ? sqrt(variance / runs) : 0;
    char mean_text[32], deviation_text[32];
    format_time(mean, mean_text, sizeof mean_text);
    format_time(deviation, deviation_text, sizeof deviation_text);
    printf("%s \xC2\xB1 %s per loop (mean \xC2\xB1 std. dev. of %d run%s, %ld loop%s each)\n",
           mean_text, deviation_text, runs, runs == 1 ? "" : "s", loops, loops == 1 ? "" : "s");
    fflush(stdout);
}

// SPDX-License-Identifier: BSD-3-Clause
/* How busy the machine is with other work (machine_load.c).
 *
 * Six students' kernels training on a two-core server each want both
 * cores.  A kernel that still hands half of each task to a second thread
 * then only takes turns with the others on the same cores, and every
 * preempted worker holds up its step until the scheduler runs it again.
 * The thread pool's stall counting finds this out after the fact, a
 * stalled task at a time; the number of runnable threads on the whole
 * machine (/proc/loadavg's fourth field, 1.3 us to read) says it before. */
#ifndef CNB_CORE_MACHINE_LOAD_H
#define CNB_CORE_MACHINE_LOAD_H

#include <stdbool.h>
#include <stdint.h>

/* Whether other processes' runnable threads alone fill the machine's CPUs,
 * so that this process's extra threads would only take turns with them.
 * own_running: this process's threads that may be counted as runnable
 * right now (the caller and any worker not asleep).  Read at most once a
 * millisecond (now_ns: CLOCK_MONOTONIC); false where it cannot be known
 * (no /proc, or an affinity mask narrower than the machine, whose other
 * CPUs the machine-wide count includes). */
bool machine_full(int own_running, int64_t now_ns);
/* machine_full's last answer, from any thread, without a reading.  (Only
 * one thread at a time may call machine_full: the pool's dispatcher.) */
bool machine_seen_full(void);

/* The parts, for the tests: the runnable threads in a /proc/loadavg text
 * ("0.52 0.58 0.59 3/245 1234"), -1 if it is not that; and the decision
 * for one reading. */
int loadavg_runnable(const char *text);
bool others_fill_cpus(int runnable, int own_running, int cpus);

#endif

// SPDX-License-Identifier: BSD-3-Clause
/* The compute threads of the CPU backend (thread_pool.c).
 *
 * A pass over a 64-row batch is a dozen products of a few microseconds to
 * a tenth of a millisecond each: far too short for threads started per call
 * or woken from sleep (OpenBLAS's own threads cost ~0.7 ms to wake, and
 * made an epoch slower).  So the runtime keeps its own persistent workers
 * that spin briefly between tasks, and splits the work itself into a fixed
 * number of parts: part p of `parts` always gets the same slice, whichever
 * thread runs it, so results are the same every run for a given thread
 * count.  The splits keep every output element's summation order, so for
 * the lesson's batches results also match the one-thread run. */
#ifndef CNB_CORE_PARALLEL_H
#define CNB_CORE_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>

typedef void ParallelFn(void *context, int part, int parts);

/* Runs fn(context, p, parts) for every p in [0, parts), parts being
 * parts_per_thread times the thread count, each on whichever thread claims
 * it first, the caller included, and returns when all are done (a nested
 * call, or a second thread while one dispatches, runs them all itself).
 * More parts balance better (a thread that shares its core with another
 * process claims fewer) but cut products finer: GEMMs use one part per
 * thread (OpenBLAS may sum smaller blocks in another order), elementwise
 * and sparse work four.  parts_per_thread <= 0 (too little work to share)
 * or one thread: fn(context, 0, 1) on the caller.  Parts must write
 * disjoint memory. */
void parallel_run(ParallelFn *fn, void *context, int parts_per_thread);

/* Whether tasks run on the caller alone for now: one thread, or other
 * processes' threads filling the machine (machine_load.h).  A helper
 * thread then would only take turns with them, and whoever waits for its
 * work waits for the scheduler. */
bool parallel_runs_alone(void);

/* Parts per thread for work whose results do not depend on the cut. */
#define PARALLEL_FINE 4

/* The slice [*lo, *hi) of [0, n) that part p of parts gets; the cut points
 * are multiples of align (vector width, cache lines). */
void parallel_slice(size_t n, int part, int parts, size_t align, size_t *lo, size_t *hi);

/* Background work done in the compute threads' idle moments: while a
 * worker waits for the next task of a training step (and the caller for
 * the last parts of one), it runs pieces of the registered job, one at a
 * time, checking for new tasks in between.  The dataloader prepares the
 * next batch this way on a machine whose cores all compute: a thread of
 * its own would only get a core by taking it from the step.  piece runs
 * one small piece (a few microseconds at most) and returns false when
 * none is left; it may run on several threads at once. */
typedef struct BackgroundJob {
    bool (*piece)(void *context);
    void *context;
} BackgroundJob;

/* Registers job; false when another job holds the place (one at a time)
 * or there are no workers. */
bool parallel_background_start(BackgroundJob *job);
/* Unregisters job (if registered) and returns once no thread runs a piece
 * of it any more. */
void parallel_background_stop(BackgroundJob *job);
/* Runs one piece of the registered job, if any; true if it did. */
bool parallel_background_piece(void);

#endif

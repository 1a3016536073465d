// SPDX-License-Identifier: BSD-3-Clause
/* Pushing out a running cell's unfinished lines (see worker_flusher.h).
 *
 * Line buffering leaves `printf("%d ", i)` progress output sitting in the
 * buffer; this thread pushes it out every 100 ms while a cell runs.  Between
 * cells it sleeps on a condition variable: a worker waiting for the next
 * cell must not wake ten times a second (thirty idle kernels on a class's
 * server would keep a core out of its deep sleep states for nothing, and
 * each wake-up costs a throttled student's quota).  The main thread flushes
 * at the end of every cell anyway, so nothing of a cell's own output waits
 * (only a partial line that a cell's leftover thread prints after the cell
 * ended waits for the next cell or a newline).
 *
 * It only tries the stream's lock: a cell unwound in the middle of a printf
 * may still own it, and then the main thread (whose lock it is,
 * recursively) flushes instead. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "worker_flusher.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#define FLUSH_NS (100 * 1000 * 1000)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed;   /* CLOCK_MONOTONIC, set up in worker_flusher_start */
static bool running;

static void flush_if_free(void)
{
    if (ftrylockfile(stdout) == 0) {
        fflush_unlocked(stdout);
        funlockfile(stdout);
    }
}

static void *flush_while_cells_run(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!running)
            pthread_cond_wait(&changed, &lock);
        struct timespec next;
        clock_gettime(CLOCK_MONOTONIC, &next);
        next.tv_nsec += FLUSH_NS;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        while (running && pthread_cond_timedwait(&changed, &lock, &next) == 0) {
        }
        if (!running)
            continue;
        pthread_mutex_unlock(&lock);
        flush_if_free();
        pthread_mutex_lock(&lock);
    }
    return NULL;
}

void worker_flusher_start(void)
{
    /* Also in a snapshot that takes over: the thread is gone, and the lock
     * may have been held by it when the worker forked. */
    lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    running = false;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&changed, &attr);
    pthread_condattr_destroy(&attr);
    pthread_t flusher;
    if (pthread_create(&flusher, NULL, flush_while_cells_run, NULL) == 0)
        pthread_detach(flusher);
}

static void set_running(bool value)
{
    pthread_mutex_lock(&lock);
    running = value;
    pthread_cond_signal(&changed);
    pthread_mutex_unlock(&lock);
}

void worker_flusher_cell_begins(void)
{
    set_running(true);
}

void worker_flusher_cell_ends(void)
{
    set_running(false);
}

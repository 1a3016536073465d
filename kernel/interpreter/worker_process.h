// SPDX-License-Identifier: BSD-3-Clause
/* The interpreter's handle on its worker process: started as
 * `<this executable> --worker` with fd 1 and 2 on pipes and fd 3 on a Unix
 * socket, in its own process group (terminal and Jupyter signals go to the
 * front, which decides what the worker gets). */
#ifndef CNB_INTERPRETER_WORKER_PROCESS_H
#define CNB_INTERPRETER_WORKER_PROCESS_H

#include <sys/types.h>

typedef struct WorkerProcess {
    pid_t pid;
    int channel;        /* framed messages (frame.h) */
    int out, err;       /* the worker's stdout and stderr, non-blocking */
    int control;        /* the snapshot socket (the worker's fd 4): takeovers */
    pid_t snapshot;     /* the worker's waiting snapshot, or -1 */
} WorkerProcess;

#define WORKER_PROCESS_NONE \
    ((WorkerProcess){.pid = -1, .channel = -1, .out = -1, .err = -1, .control = -1, .snapshot = -1})

/* Starts the worker and waits for its "ready"; 0 or -1. */
int worker_process_start(WorkerProcess *worker);
/* Ends the worker (closing its channel, then SIGKILL) and reaps it, and
 * its snapshot too. */
void worker_process_stop(WorkerProcess *worker);
/* Reaps a worker that has died; returns its wait status, or -1 if it is
 * still running. */
int worker_process_reap(WorkerProcess *worker);
/* After the worker died (and was reaped): its snapshot becomes the worker,
 * on fresh channels; 0, or -1 (then there is no worker, nor snapshot). */
int worker_process_take_over(WorkerProcess *worker);

#endif

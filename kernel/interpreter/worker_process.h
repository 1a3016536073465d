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
} WorkerProcess;

/* Starts the worker and waits for its "ready"; 0 or -1. */
int worker_process_start(WorkerProcess *worker);
/* Ends the worker (closing its channel, then SIGKILL) and reaps it. */
void worker_process_stop(WorkerProcess *worker);
/* Reaps a worker that has died; returns its wait status, or -1 if it is
 * still running. */
int worker_process_reap(WorkerProcess *worker);

#endif

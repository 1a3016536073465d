// SPDX-License-Identifier: BSD-3-Clause
/* The output pump: while the worker runs a cell, the interpreter polls its
 * stdout and stderr pipes, its frame socket and the interrupt eventfd.
 * Stream text is batched for about 50 ms (or 64 KiB) and never cut inside
 * a UTF-8 character; before a frame is handled the pipes are drained, so
 * what the cell printed before a display, an input request or its end
 * arrives first.  An interrupt the cell does not heed within a grace
 * period becomes SIGUSR1 (see worker_signals.c). */
#ifndef CNB_INTERPRETER_OUTPUT_PUMP_H
#define CNB_INTERPRETER_OUTPUT_PUMP_H

#include <stdbool.h>
#include <stddef.h>
#include "interpreter.h"
#include "worker_process.h"

typedef struct Pending {
    const char *name;
    char *data;
    size_t size, capacity;
} Pending;

typedef struct Pump {
    WorkerProcess *worker;
    int interrupt_fd;
    const ExecuteSink *sink;
    bool silent, allow_stdin;
    Pending out, err;
    double first_at;            /* when the oldest unsent byte arrived, or 0 */
    double interrupt_at;        /* when the user interrupted, or 0 */
    double force_at;            /* when to force the cell out next */
    json_t *done;               /* the worker's "done" message */
    ExecuteOutcome *outcome;
} Pump;

/* Pumps until the worker's "done" (stored in pump->done): true; false when
 * the worker died. */
bool pump_cell(Pump *pump);
/* Reads whatever the pipes hold now. */
void drain_all(Pump *pump);
/* Sends the batched text; all: also an incomplete last character. */
void flush_streams(Pump *pump, bool all);
/* Reads an eventfd's counter: true if it was set. */
bool eventfd_take(int fd);

#endif

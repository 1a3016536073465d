// SPDX-License-Identifier: BSD-3-Clause
/* The execution thread: execute requests wait in a queue and run one at a
 * time through the interpreter, so the shell thread stays free to answer
 * complete / inspect / is_complete / history while a cell runs. */
#ifndef CNB_FRONT_EXECUTION_H
#define CNB_FRONT_EXECUTION_H

#include "kernel.h"

/* Creates the queue and starts the thread (which starts the interpreter). */
int execution_start(Kernel *kernel);
/* Wakes the thread to finish (kernel->stopping must be set) and joins it,
 * waiting at most timeout_ms.  Returns 0 if it ended, -1 if it is stuck. */
int execution_stop(Kernel *kernel, int timeout_ms);
/* The interpreter the thread started (waits for it), or NULL if it failed
 * to start. */
Interpreter *execution_interpreter(Kernel *kernel);
/* Queues a copy of an execute request. */
int execution_enqueue(Kernel *kernel, const Message *request);

#endif

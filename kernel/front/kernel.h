// SPDX-License-Identifier: BSD-3-Clause
/* The front process: one Kernel owns the ZeroMQ context, the five bound
 * sockets, the session, the history and the interpreter, and runs these
 * threads (each socket is used by exactly one of them):
 *
 *   main       shell loop: reads shell requests, answers them through the
 *              dispatch table, forwards execute replies (inproc) to the shell
 *   execution  runs execute requests from a queue through the interpreter;
 *              owns the stdin socket (input_request / input_reply)
 *   control    kernel_info, shutdown, interrupt, even while a cell runs
 *   iopub      forwards every thread's iopub messages (inproc PUSH) to PUB
 *   heartbeat  echoes pings (zmq_proxy on a REP socket's pair)
 *   signals    turns SIGINT into an interrupt and SIGTERM into a shutdown */
#ifndef CNB_FRONT_KERNEL_H
#define CNB_FRONT_KERNEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "connection.h"
#include "interpreter/interpreter.h"
#include "session.h"

typedef struct History History;
typedef struct Debugger Debugger;
typedef struct Channel Channel;
typedef struct ExecutionQueue ExecutionQueue;

#define INPROC_IOPUB "inproc://cnb-iopub"
#define INPROC_SHELL_REPLIES "inproc://cnb-shell-replies"

typedef struct Kernel {
    ConnectionInfo connection;
    Session session;
    void *context;
    void *sockets[CHANNEL_COUNT];   /* bound per the connection file */
    void *iopub_in;                 /* PULL: every thread's iopub messages */
    void *shell_replies;            /* PULL: replies sent by the execution thread */
    char work_dir[4096];            /* per-kernel temp dir handed to the interpreter */
    int work_dir_lock;              /* held while the kernel lives (work_dir.h) */
    History *history;
    ExecutionQueue *queue;

    /* The interpreter starts on the execution thread so that kernel_info
     * answers at once; others wait for it with execution_interpreter(). */
    pthread_mutex_t interp_lock;
    pthread_cond_t interp_ready;
    Interpreter *interp;
    bool interp_started;            /* interpreter_new returned (interp may be NULL) */

    /* JupyterLab's debugger (debug_request.c): made by the control thread
     * on the first debug_request; its events go out through their own
     * channel, opened on the adapter's reader thread. */
    Debugger *debugger;
    Channel *debug_events;

    atomic_bool stopping;
    atomic_int interrupts;          /* bumped by every interrupt (abandons input waits) */
    int signal_pipe[2];
} Kernel;

/* Binds the sockets of a parsed connection.  Returns NULL on failure (logged). */
Kernel *kernel_open(const ConnectionInfo *connection);
/* Runs until a shutdown request or SIGTERM.  Returns the exit status. */
int kernel_run(Kernel *kernel);
void kernel_close(Kernel *kernel);

/* Interrupt the running cell and any pending input request. */
void kernel_interrupt(Kernel *kernel);
/* Begin an orderly shutdown (threads wind down, kernel_run returns). */
void kernel_request_stop(Kernel *kernel);

#endif

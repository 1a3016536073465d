// SPDX-License-Identifier: BSD-3-Clause
/* The bodies of the front's threads (one file each), started by kernel.c. */
#ifndef CNB_FRONT_THREADS_H
#define CNB_FRONT_THREADS_H

#include "kernel.h"

void *heartbeat_thread(void *kernel);
void *iopub_thread(void *kernel);
void *control_thread(void *kernel);
void *signal_thread(void *kernel);
/* Runs on the calling (main) thread until the context shuts down. */
void shell_loop(Kernel *kernel);

/* What signal_thread does for a signal, registered by kernel_run (so that
 * signals.c calls nothing of kernel.c). */
typedef struct SignalActions {
    void (*interrupt)(Kernel *kernel);      /* SIGINT */
    void (*stop)(Kernel *kernel);           /* SIGTERM, the launcher gone */
} SignalActions;
/* SIGINT / SIGTERM handlers that wake signal_thread through kernel->signal_pipe. */
int signals_install(Kernel *kernel, const SignalActions *actions);
/* Ends signal_thread. */
void signals_quit(Kernel *kernel);

#endif

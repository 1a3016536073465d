// SPDX-License-Identifier: BSD-3-Clause
/* The stdin channel: a running cell's input() becomes an input_request to
 * the frontend that sent the execute request, answered by input_reply. */
#ifndef CNB_FRONT_STDIN_CHANNEL_H
#define CNB_FRONT_STDIN_CHANNEL_H

#include <stdbool.h>

#include "kernel.h"

/* Sends input_request over the kernel's stdin socket (only the execution
 * thread calls this) and waits for the reply, giving up on an interrupt or
 * shutdown.  Returns the malloc'd value, or NULL. */
char *stdin_request_input(Kernel *kernel, const Message *parent, const char *prompt, bool password);

#endif

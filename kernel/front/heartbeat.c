// SPDX-License-Identifier: BSD-3-Clause
/* Heartbeat: every ping is echoed back as is.  A ROUTER proxied onto
 * itself does that inside ZeroMQ's own loop, so it keeps answering
 * whatever the other threads are doing. */
#include <zmq.h>

#include "log.h"
#include "threads.h"

void *heartbeat_thread(void *arg)
{
    Kernel *kernel = arg;
    void *socket = kernel->sockets[CHANNEL_HB];
    zmq_proxy(socket, socket, NULL);   /* returns when the context shuts down */
    zmq_close(socket);
    kernel->sockets[CHANNEL_HB] = NULL;
    log_debug("heartbeat: stopped");
    return NULL;
}

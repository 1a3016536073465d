// SPDX-License-Identifier: BSD-3-Clause
/* The control thread: kernel_info, shutdown and interrupt requests are
 * answered here, even while the execution thread runs a cell. */
#include <zmq.h>

#include "dispatch.h"
#include "log.h"
#include "threads.h"

void *control_thread(void *arg)
{
    Kernel *kernel = arg;
    void *socket = kernel->sockets[CHANNEL_CONTROL];
    Channel channel;
    if (channel_open(&channel, kernel, "control", socket) == 0) {
        for (;;) {
            Message request;
            int rc = session_recv(&kernel->session, socket, "control", &request);
            if (rc < 0)
                break;
            if (rc > 0)
                continue;
            dispatch_request(&channel, &request, true);
            message_clear(&request);
        }
        channel_close(&channel);
    }
    zmq_close(socket);
    kernel->sockets[CHANNEL_CONTROL] = NULL;
    log_debug("control: stopped");
    return NULL;
}

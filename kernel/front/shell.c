// SPDX-License-Identifier: BSD-3-Clause
/* The shell loop: requests from the shell socket go through the dispatch
 * table; replies that the execution thread produced arrive over inproc and
 * are forwarded, since only this thread may use the shell socket. */
#include <zmq.h>

#include "dispatch.h"
#include "log.h"
#include "threads.h"

static int forward_reply(Kernel *kernel)
{
    Frame *frames;
    size_t n;
    if (frames_recv(kernel->shell_replies, &frames, &n) < 0)
        return -1;
    int rc = frames_send(kernel->sockets[CHANNEL_SHELL], frames, n);
    frames_free(frames, n);
    return rc;
}

static int serve_request(Kernel *kernel, Channel *channel)
{
    Message request;
    int rc = session_recv(&kernel->session, kernel->sockets[CHANNEL_SHELL], "shell", &request);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    dispatch_request(channel, &request, false);
    message_clear(&request);
    return 0;
}

void shell_loop(Kernel *kernel)
{
    Channel channel;
    if (channel_open(&channel, kernel, "shell", kernel->sockets[CHANNEL_SHELL]) < 0)
        return;
    while (!atomic_load(&kernel->stopping)) {
        zmq_pollitem_t items[] = {{kernel->sockets[CHANNEL_SHELL], 0, ZMQ_POLLIN, 0},
                                  {kernel->shell_replies, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, -1) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            break;
        }
        /* Replies first: they finish requests the client is waiting on. */
        if ((items[1].revents & ZMQ_POLLIN) && forward_reply(kernel) < 0)
            break;
        if ((items[0].revents & ZMQ_POLLIN) && serve_request(kernel, &channel) < 0)
            break;
    }
    channel_close(&channel);
    log_debug("shell: stopped");
}

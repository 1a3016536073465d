// SPDX-License-Identifier: BSD-3-Clause
/* Per-thread reply and publish helpers (see channel.h). */
#include "channel.h"

#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "log.h"

int channel_open(Channel *channel, Kernel *kernel, const char *name, void *reply_socket)
{
    channel->kernel = kernel;
    channel->name = name;
    channel->reply_socket = reply_socket;
    channel->iopub = zmq_socket(kernel->context, ZMQ_PUSH);
    if (!channel->iopub || zmq_connect(channel->iopub, INPROC_IOPUB) < 0) {
        log_error("%s: cannot connect to the iopub thread: %s", name, zmq_strerror(zmq_errno()));
        if (channel->iopub)
            zmq_close(channel->iopub);
        channel->iopub = NULL;
        return -1;
    }
    int linger = 0;
    zmq_setsockopt(channel->iopub, ZMQ_LINGER, &linger, sizeof linger);
    return 0;
}

void channel_close(Channel *channel)
{
    if (channel->iopub)
        zmq_close(channel->iopub);
    channel->iopub = NULL;
}

void channel_reply(Channel *channel, const Message *request, const char *reply_type, json_t *content)
{
    session_send(&channel->kernel->session, channel->reply_socket, request->ids, request->n_ids,
                 reply_type, request->header, content);
}

void channel_publish(Channel *channel, const Message *parent, const char *msg_type, json_t *content)
{
    /* The topic frame lets subscribers filter; clients subscribe to everything. */
    char topic[96];
    snprintf(topic, sizeof topic, "kernel.%s.%s", channel->kernel->session.id, msg_type);
    Frame id = {(unsigned char *)topic, strlen(topic)};
    session_send(&channel->kernel->session, channel->iopub, &id, 1, msg_type,
                 parent ? parent->header : NULL, content);
}

void channel_status(Channel *channel, const Message *parent, const char *state)
{
    channel_publish(channel, parent, "status", json_pack("{s:s}", "execution_state", state));
}

// SPDX-License-Identifier: BSD-3-Clause
/* A thread's view of the protocol: the socket it replies on and its own
 * inproc PUSH socket to the iopub thread.  Handlers get a Channel. */
#ifndef CNB_FRONT_CHANNEL_H
#define CNB_FRONT_CHANNEL_H

#include "kernel.h"

typedef struct Channel {
    Kernel *kernel;
    void *reply_socket;
    void *iopub;
    const char *name;
} Channel;

int channel_open(Channel *channel, Kernel *kernel, const char *name, void *reply_socket);
void channel_close(Channel *channel);

/* Reply to request (same identities, parent = request's header); content stolen. */
void channel_reply(Channel *channel, const Message *request, const char *reply_type, json_t *content);
/* Publish on iopub with parent's header as parent_header; content stolen. */
void channel_publish(Channel *channel, const Message *parent, const char *msg_type, json_t *content);
/* status busy / idle */
void channel_status(Channel *channel, const Message *parent, const char *state);

#endif
